// The stack pool (src/fiber/StackPool.hpp): a freed stack is handed out
// again with its mapping and guard, caches are bounded, and the pages of
// stacks cached past the resident limit are given back to the kernel.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <thread>
#include <vector>

#include "fiber/StackPool.hpp"

namespace {

using ariadne::fiber::Stack;
using ariadne::fiber::stack_pool_stats;
using ariadne::fiber::StackCache;

std::size_t page() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }

char* lowest(const Stack& s) { return static_cast<char*>(const_cast<void*>(s.guard_end())); }

std::optional<Stack> take(StackCache& cache, std::size_t size) {
  std::optional<Stack> s;
  const bool got = cache.take(size, s);
  EXPECT_EQ(got, s.has_value());
  return s;
}

Stack acquire(const char* owner, std::size_t size) {
  std::optional<Stack> s;
  ariadne::fiber::acquire_stack(s, owner, size);
  return std::move(*s);
}

void touch_all(const Stack& s, char value) { std::memset(lowest(s), value, s.size()); }

// Resident pages of the stack's usable range, by mincore(2).
std::size_t resident_pages(char* lo, std::size_t size) {
  std::vector<unsigned char> v(size / page());
  if (mincore(lo, size, v.data()) != 0) return ~std::size_t{0};
  std::size_t n = 0;
  for (unsigned char c : v) n += c & 1;
  return n;
}

TEST(StackCache, HandsBackTheLastPutStackOfTheSameSize) {
  StackCache cache(4, 4);
  Stack a("a", 64 * 1024), b("b", 64 * 1024), big("big", 128 * 1024);
  void* const top_a = a.top();
  void* const top_b = b.top();
  ASSERT_TRUE(cache.put(a));
  ASSERT_TRUE(cache.put(big));
  ASSERT_TRUE(cache.put(b));
  EXPECT_EQ(cache.size(), 3u);
  auto first = take(cache, 64 * 1024);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->top(), top_b);  // LIFO: the warmest stack first
  auto second = take(cache, 64 * 1024);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->top(), top_a);
  EXPECT_FALSE(take(cache, 64 * 1024));
  EXPECT_FALSE(take(cache, 32 * 1024));
  EXPECT_TRUE(take(cache, 128 * 1024));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(StackCache, IsBounded) {
  StackCache cache(2, 2);
  Stack a("a", 16384), b("b", 16384), c("c", 16384);
  void* const top_c = c.top();
  EXPECT_TRUE(cache.put(a));
  EXPECT_TRUE(cache.put(b));
  EXPECT_FALSE(cache.put(c));
  EXPECT_EQ(c.top(), top_c);  // refused: still the caller's
  EXPECT_EQ(cache.size(), 2u);
}

TEST(StackCache, PagesPastTheResidentLimitAreGivenBack) {
  StackCache cache(4, 1);
  std::vector<Stack> stacks;
  for (int i = 0; i < 3; ++i) stacks.emplace_back("s", 64 * 1024);
  std::vector<char*> lo;
  for (const Stack& s : stacks) {
    touch_all(s, 'x');
    lo.push_back(lowest(s));
    ASSERT_EQ(resident_pages(lowest(s), s.size()), s.size() / page());
  }
  const std::size_t size = stacks[0].size();
  for (Stack& s : stacks) ASSERT_TRUE(cache.put(s));
  EXPECT_EQ(cache.released(), 2u);
  EXPECT_EQ(resident_pages(lo[0], size), 0u);
  EXPECT_EQ(resident_pages(lo[1], size), 0u);
  EXPECT_EQ(resident_pages(lo[2], size), size / page());  // the last put keeps its pages
  // Taken again: the mapping is intact; given-back pages read as zeros.
  auto warm = take(cache, size);
  auto cold = take(cache, size);
  ASSERT_TRUE(warm && cold);
  EXPECT_EQ(lowest(*warm), lo[2]);
  EXPECT_EQ(lowest(*warm)[0], 'x');
  EXPECT_EQ(lowest(*cold), lo[1]);
  EXPECT_EQ(lowest(*cold)[0], 0);
  lowest(*cold)[size - 1] = 1;
  EXPECT_EQ(cache.released(), 1u);
}

TEST(StackPool, ReusesTheMappingAndRenamesTheOwner) {
  // A thread of its own: its cache starts empty and goes with it.
  std::thread([] {
    constexpr std::size_t kOdd = 72 * 1024;  // a size no other test uses
    const auto before = stack_pool_stats();
    Stack a = acquire("first", kOdd);
    void* const top = a.top();
    EXPECT_EQ(a.owner(), "first");
    ariadne::fiber::recycle_stack(std::move(a));
    Stack b = acquire("second", kOdd);
    EXPECT_EQ(b.top(), top);
    EXPECT_EQ(b.owner(), "second");
    const auto after = stack_pool_stats();
    EXPECT_EQ(after.mapped - before.mapped, 1u);
    EXPECT_GE(after.reused - before.reused, 1u);
    ariadne::fiber::recycle_stack(std::move(b));
  }).join();
}

TEST(StackPool, CachesAreBoundedAndReleasePastTheLimit) {
  std::thread([] {
    using namespace ariadne::fiber;
    constexpr std::size_t kOdd = 76 * 1024;  // a size no other test uses
    constexpr std::size_t n = kLocalStacks + kSharedStacks + 5;
    std::vector<Stack> stacks;
    for (std::size_t i = 0; i < n; ++i) stacks.push_back(acquire("b", kOdd));
    const auto before = stack_pool_stats();
    for (Stack& s : stacks) recycle_stack(std::move(s));
    const auto after = stack_pool_stats();
    const std::uint64_t unmapped = after.unmapped - before.unmapped;
    EXPECT_GE(unmapped, 5u);                                // no room: unmapped
    EXPECT_LE(n - unmapped, kLocalStacks + kSharedStacks);  // what the caches hold
    EXPECT_GE(after.released - before.released, kLocalStacks - kLocalResident);
    // Everything cached comes back, and nothing else is mapped meanwhile.
    stacks.clear();
    for (std::size_t i = 0; i < n - unmapped; ++i) stacks.push_back(acquire("c", kOdd));
    const auto again = stack_pool_stats();
    EXPECT_EQ(again.mapped, after.mapped);
    EXPECT_EQ(again.reused - after.reused, n - unmapped);
  }).join();
}

}  // namespace

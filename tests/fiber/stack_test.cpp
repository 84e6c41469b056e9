// Stack and overflow-registry units.
#include "fiber/Stack.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "fiber/StackOverflow.hpp"

namespace {

using ariadne::fiber::format_overflow_line;
using ariadne::fiber::Stack;

std::string line(const char* name, std::size_t size) {
  char buf[160];
  std::size_t n = format_overflow_line(buf, sizeof buf, name, size);
  return std::string(buf, n);
}

TEST(Stack, SizeIsRoundedToPagesAndGuardSitsBelow) {
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  Stack s("t", 10000);
  EXPECT_EQ(s.size() % page, 0u);
  EXPECT_GE(s.size(), 10000u);
  EXPECT_EQ(s.owner(), "t");
  EXPECT_EQ(static_cast<const char*>(s.guard_end()), static_cast<char*>(s.top()) - s.size());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(s.top()) % 16, 0u);
  // The whole usable range is writable.
  auto* lo = static_cast<volatile char*>(const_cast<void*>(s.guard_end()));
  lo[0] = 1;
  static_cast<volatile char*>(s.top())[-1] = 2;
}

TEST(StackDeathTest, GuardPageFaults) {
  Stack s("g", 4096);
  auto* guard = static_cast<volatile char*>(const_cast<void*>(s.guard_begin()));
  EXPECT_EXIT(guard[0] = 1, ::testing::KilledBySignal(SIGSEGV), "");
}

TEST(Stack, MoveTransfersOwnership) {
  Stack a("a", 4096);
  void* top = a.top();
  Stack b(std::move(a));
  EXPECT_EQ(b.top(), top);
  EXPECT_EQ(b.owner(), "a");
}

TEST(OverflowLine, UnitsFollowSize) {
  EXPECT_EQ(line("deep", 64 * 1024), "fiber \"deep\" overflowed its 64 KiB stack\n");
  EXPECT_EQ(line("w", 2 * 1024 * 1024), "fiber \"w\" overflowed its 2 MiB stack\n");
  EXPECT_EQ(line("w", 1536 * 1024), "fiber \"w\" overflowed its 1536 KiB stack\n");
  EXPECT_EQ(line("odd", 1000), "fiber \"odd\" overflowed its 1000 bytes stack\n");
}

TEST(OverflowRegistry, SlotsAreReused) {
  static char a, b;
  int s1 = ariadne::fiber::register_guard(&a, &a + 1, "x", 4096);
  ASSERT_GE(s1, 0);
  ariadne::fiber::unregister_guard(s1);
  int s2 = ariadne::fiber::register_guard(&b, &b + 1, "y", 4096);
  EXPECT_EQ(s2, s1);
  ariadne::fiber::unregister_guard(s2);
}

}  // namespace

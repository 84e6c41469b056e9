// Reusing fiber stacks. Mapping a stack costs mmap + mprotect (the guard)
// and freeing it munmap, which in a multi-threaded process shoots down the
// TLB of every core: tens of microseconds, where a spawn should cost well
// under one. A finished fiber's stack is kept, guard page and overflow
// registration included, and handed to the next spawn of the same size.
//
// Two levels:
//   * a cache per thread that frees stacks (the scheduler's workers), used
//     without a lock: kLocalStacks stacks, the kLocalResident most recently
//     freed ones with their pages intact, the older ones given back to the
//     kernel (MADV_DONTNEED: address space kept, memory returned);
//   * one shared cache under a mutex, which takes what a full thread cache
//     does not and serves threads whose own cache is empty (spawns from a
//     thread that is not a worker): kSharedStacks, kSharedResident intact.
// A stack neither cache has room for is unmapped. A thread's cache is
// unmapped when the thread exits (a Scheduler's workers with it).
#ifndef ARIADNE_FIBER_STACK_POOL_HPP
#define ARIADNE_FIBER_STACK_POOL_HPP

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fiber/Stack.hpp"

namespace ariadne::fiber {

inline constexpr std::size_t kLocalStacks = 16;
inline constexpr std::size_t kLocalResident = 4;
inline constexpr std::size_t kSharedStacks = 64;
inline constexpr std::size_t kSharedResident = 8;

// One LIFO of free stacks; not thread-safe. The last `resident` stacks put
// keep their pages; putting one more gives back the pages of the oldest
// stack that still has them.
class StackCache {
 public:
  // Reserves room for `capacity` stacks up front: put() never allocates.
  StackCache(std::size_t capacity, std::size_t resident);

  // Moves the most recently put stack whose usable size is `size` into
  // `out` and returns true; false if there is none.
  bool take(std::size_t size, std::optional<Stack>& out);
  // Keeps `s` and returns true, or returns false (s untouched) when full.
  bool put(Stack& s);

  std::size_t size() const noexcept { return stacks_.size(); }
  // Stacks whose pages were given back.
  std::size_t released() const noexcept { return released_; }

 private:
  std::size_t capacity_;
  std::size_t resident_;
  std::vector<Stack> stacks_;  // oldest first; [0, released_) had their pages given back
  std::size_t released_ = 0;
};

// Puts in `slot` a stack of `size` usable bytes (rounded up to pages) for
// `owner`: from the calling thread's cache, else the shared one, else
// freshly mapped. Throws std::system_error when mapping fails. In place
// rather than returned: each move of a Stack costs tens of instructions, on
// a path that should cost a few hundred in all.
void acquire_stack(std::optional<Stack>& slot, std::string_view owner, std::size_t size);
// Takes a stack no code runs on any more: cached, or unmapped.
void recycle_stack(Stack&& s) noexcept;

// Process-wide counts, for tests and benchmarks.
struct StackPoolStats {
  std::uint64_t mapped = 0;    // stacks mmap'd
  std::uint64_t reused = 0;    // stacks handed out again from a cache
  std::uint64_t unmapped = 0;  // stacks recycled with no room left: munmap'd
  std::uint64_t released = 0;  // stacks whose pages were given back (madvise)
};
StackPoolStats stack_pool_stats() noexcept;

}  // namespace ariadne::fiber

#endif

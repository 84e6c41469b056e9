// A fiber that runs off its stack under the scheduler: the guard page and the
// workers' overflow handler must name it in one line (sched.overflow tests).
//   sched_overflow          on a freshly mapped stack
//   sched_overflow reused   on a stack reused from the pool: a fiber of the
//                           same stack size ran and finished first on it
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ariadne/fiber.hpp"
#include "fiber/StackPool.hpp"

__attribute__((noinline)) static int recurse(int n) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  if (n == 0) return frame[0];
  return recurse(n - 1) + frame[0];
}

int main(int argc, char** argv) {
  namespace af = ariadne::fiber;
  constexpr std::size_t kStack = 64 * 1024;
  const bool reused = argc > 1 && std::strcmp(argv[1], "reused") == 0;
  af::Scheduler sched(reused ? 1 : 2);  // one worker: the recycled stack is in its cache
  int depth = 1000000 * argc;           // ~512 MB of frames: far beyond 64 KiB
  sched.run([&] {
    if (reused) {
      af::spawn(
          "first-owner", [] {}, kStack)
          .join();
      const auto before = af::stack_pool_stats();
      af::Fiber f = af::spawn(
          "deep-recursion", [&] { std::printf("%d\n", recurse(depth)); }, kStack);
      if (af::stack_pool_stats().reused == before.reused) {
        std::fputs("the stack was not reused: nothing tested\n", stderr);
        std::_Exit(0);  // expect_fail.sh then fails the test
      }
      f.join();
    } else {
      af::spawn(
          "deep-recursion", [&] { std::printf("%d\n", recurse(depth)); }, kStack)
          .join();
    }
  });
  std::puts("survived: no overflow detected");
  return 0;
}

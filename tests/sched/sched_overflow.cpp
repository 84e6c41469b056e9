// A fiber that runs off its stack under the scheduler: the guard page and the
// workers' overflow handler must name it in one line (sched.overflow test).
#include <cstdio>
#include <cstdlib>

#include "ariadne/fiber.hpp"

__attribute__((noinline)) static int recurse(int n) {
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  if (n == 0) return frame[0];
  return recurse(n - 1) + frame[0];
}

int main(int argc, char**) {
  ariadne::fiber::Scheduler sched(2);
  int depth = 1000000 * argc;  // ~512 MB of frames: far beyond 64 KiB
  sched.run([&] {
    ariadne::fiber::spawn(
        "deep-recursion", [&] { std::printf("%d\n", recurse(depth)); }, 64 * 1024)
        .join();
  });
  std::puts("survived: no overflow detected");
  return 0;
}

// A use-after-free planted in a fiber. Built only with -DARIADNE_SANITIZE=address;
// sanitizers.sh requires ASan to report it with this fiber function in the
// stack, which only works when the scheduler tells ASan about fiber stacks.
#include <cstdio>

#include "ariadne/fiber.hpp"

__attribute__((noinline)) int planted_use_after_free_fiber() {
  int* p = new int[4]{1, 2, 3, 4};
  int* volatile dangling = p;  // hides the pattern from -Wuse-after-free
  delete[] p;
  return dangling[2];
}

int main() {
  ariadne::fiber::Scheduler sched(2);
  int v = 0;
  sched.run([&] {
    ariadne::fiber::this_fiber::yield();  // run it after a switch, maybe on another worker
    v = planted_use_after_free_fiber();
  });
  std::printf("no report (read %d)\n", v);
  return 0;
}

/* spin.c WORK_A WORK_B: two functions whose costs are set on the command line,
 * so two recordings differ in one function only (report --diff). */
#include <stdio.h>
#include <stdlib.h>

static volatile unsigned long sink;

__attribute__((noinline)) void step(unsigned long i) { sink += i * 2654435761u; }

__attribute__((noinline)) void steady(long n) {
  for (long i = 0; i < n; ++i) sink ^= (unsigned long)i * 40503u;
}

__attribute__((noinline)) void changed(long n) {
  for (long i = 0; i < n; ++i) sink ^= (unsigned long)i * 40503u;
}

int main(int argc, char** argv) {
  long a = argc > 1 ? atol(argv[1]) : 100000, b = argc > 2 ? atol(argv[2]) : 100000;
  for (int r = 0; r < 20; ++r) {
    steady(a);
    changed(b);
    step((unsigned long)r);
  }
  printf("spin: %lu\n", (unsigned long)sink);
  return 0;
}

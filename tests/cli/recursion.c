/* recursion.c: direct recursion (fib), mutual recursion (is_even/is_odd) and a
 * recursion left by longjmp (dive), all under main, for `report`'s totals. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>

static jmp_buf escape;

__attribute__((noinline)) int fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) int is_odd(unsigned n);
__attribute__((noinline)) int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
__attribute__((noinline)) int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }

__attribute__((noinline)) void dive(int n) {
  if (n == 0) longjmp(escape, 1);
  dive(n - 1);
}

int main(int argc, char** argv) {
  int n = argc > 1 ? atoi(argv[1]) : 20;
  int total = 0;
  for (int i = 0; i < 3; ++i) total += fib(n);
  for (unsigned i = 0; i < 200; ++i) total += is_even(i + 300);
  for (int i = 0; i < 50; ++i)
    if (setjmp(escape) == 0) dive(100);
  printf("recursion: %d\n", total);
  return 0;
}

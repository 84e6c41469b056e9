// cycle_counter: control flow follows the CPU's cycle counter (rdtsc on
// x86-64, cntvct_el0 on AArch64), which replay does not intercept yet
// (docs/replay.md, Limits). Its replay must be faithful or say it diverged,
// never differ silently: replay_checks.sh divergence runs it 20 times.
// Not in the suite: it cannot pass there.
#include <stdint.h>
#include <stdio.h>

#include "replay_common.h"

static uint64_t cycles(void) {
#if defined(__x86_64__)
  return __builtin_ia32_rdtsc();
#else
  uint64_t v;
  __asm__ volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
#endif
}

REPLAY_FN static unsigned long odd_path(unsigned long x) { return work(x) + 1; }
REPLAY_FN static unsigned long even_path(unsigned long x) { return work(x) * 2; }

int main(void) {
  unsigned long acc = 0;
  char path[41] = {0};
  for (int i = 0; i < 40; ++i) {
    const int odd = (int)((cycles() >> 3) & 1);
    acc = odd ? odd_path(acc) : even_path(acc);
    path[i] = odd ? 'o' : 'e';
  }
  printf("path %s\n", path);
  printf("EXIT-SUCCESS\n");
  return 0;
}

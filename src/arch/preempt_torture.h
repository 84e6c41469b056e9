/* Test-only: the preemption torture loop (src/arch/<arch>/preempt_torture.S).
 *
 * ariadne_preempt_torture_run(state) repeats rounds until state->stop: each
 * round makes a pattern from seed and round number, loads it into every
 * general register (all but the stack pointer), the flags, the FP/SIMD
 * registers (x86-64: xmm0-15, and ymm0-15's upper halves when has_avx;
 * AArch64: all 128 bits of q0-q31) and the FP control/status registers
 * (MXCSR and the x87 control word; FPCR and FPSR), runs a long stretch of
 * NOPs that touches none of them -- where a timer signal nearly always
 * lands -- then stores them all again and counts the words that differ.
 * No calls, no system calls: a fiber running it never yields by itself.
 * The function has a patchable entry (as code built with Ariadne's flags),
 * so the runtime knows it as instrumented code.
 */
#ifndef ARIADNE_ARCH_PREEMPT_TORTURE_H
#define ARIADNE_ARCH_PREEMPT_TORTURE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct ariadne_preempt_torture {
  uint64_t seed;
  volatile uint64_t stop; /* nonzero: return after the current round */
  uint64_t rounds;        /* rounds completed */
  uint64_t mismatches;    /* words that differed, in all rounds */
  uint64_t first_bad;     /* 1 + the word index of the first mismatch; 0: none */
  uint64_t has_avx;       /* x86-64: load and check ymm upper halves too */
  uint64_t expected_bad;  /* that word: the pattern loaded */
  uint64_t seen_bad;      /*            and the value found */
};

/* The name of each checked word, space-separated, and their count. */
extern const char ariadne_preempt_torture_names[];
extern const uint32_t ariadne_preempt_torture_words;

void ariadne_preempt_torture_run(struct ariadne_preempt_torture* state);

#ifdef __cplusplus
}
#endif

#endif

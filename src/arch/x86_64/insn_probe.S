/* ariadne_insn_probe(uint64_t n): a loop whose executed instruction count is
 * known exactly, 4*n + 4 for n > 0 and 4 for n == 0, so tests can check that
 * an instruction counter (tools/qemu-plugin/insn_count.c) is exact.
 *
 * No frame: a leaf that touches only rdi and the flags.
 *
 *   instruction          executed
 *   endbr64              1
 *   test, jz             2
 *   nop, nop, dec, jnz   4 per iteration
 *   ret                  1
 */

#include "asm.h"
        .text
        .globl  ariadne_insn_probe
        .type   ariadne_insn_probe, @function
        .balign 16
ariadne_insn_probe:
        .cfi_startproc
        endbr64                 /* landing pad: callers may use IBT */
        test    %rdi, %rdi
        jz      2f
1:      nop                     /* body padding: makes the per-iteration count 4 */
        nop
        dec     %rdi
        jnz     1b
2:      ret
        .cfi_endproc
        .size   ariadne_insn_probe, . - ariadne_insn_probe

/* GNU property note: IBT (endbr64 above) and SHSTK (plain call/ret only). */
	ariadne_object_notes (GNU_PROPERTY_X86_FEATURE_1_IBT | GNU_PROPERTY_X86_FEATURE_1_SHSTK)

/* ariadne_insn_probe(uint64_t n): a loop whose executed instruction count is
 * known exactly, 4*n + 3 for n > 0 and 3 for n == 0, so tests can check that
 * an instruction counter (tools/qemu-plugin/insn_count.c) is exact.
 *
 * No frame: a leaf that touches only x0 and the flags.
 *
 *   instruction          executed
 *   bti c                1
 *   cbz x0               1
 *   nop, nop, subs, b.ne 4 per iteration
 *   ret                  1
 */

#include "asm.h"
        .text
        .globl  ariadne_insn_probe
        .type   ariadne_insn_probe, %function
        .balign 16
ariadne_insn_probe:
        .cfi_startproc
        bti     c               /* landing pad: callers may use BTI */
        cbz     x0, 2f
1:      nop                     /* body padding: makes the per-iteration count 4 */
        nop
        subs    x0, x0, #1
        b.ne    1b
2:      ret
        .cfi_endproc
        .size   ariadne_insn_probe, . - ariadne_insn_probe

/* GNU property note: this object is BTI- and PAC-compatible (a leaf with a
 * landing pad; it never spills LR, so it needs no paciasp). */
	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)

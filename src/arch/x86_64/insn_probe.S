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
        .pushsection .note.gnu.property, "a"
        .balign 8
        .long   4               /* n_namesz */
        .long   16              /* n_descsz */
        .long   5               /* NT_GNU_PROPERTY_TYPE_0 */
        .asciz  "GNU"
        .long   0xc0000002      /* GNU_PROPERTY_X86_FEATURE_1_AND */
        .long   4               /* pr_datasz */
        .long   3               /* IBT | SHSTK */
        .long   0               /* pad to 8 */
        .popsection

        .section .note.GNU-stack, "", @progbits

/* Assembler pieces every x86-64 .S file of Ariadne uses, defined once. */
#ifndef ARIADNE_ARCH_X86_64_ASM_H
#define ARIADNE_ARCH_X86_64_ASM_H
/* Assembler macros, not C: clang-format must leave them. */
/* clang-format off */

#define GNU_PROPERTY_X86_FEATURE_1_IBT 1
#define GNU_PROPERTY_X86_FEATURE_1_SHSTK 2

/* The object's notes, once at its end: the GNU property note tells the
 * loader which CET features the code is compatible with (IBT / shadow
 * stacks are enabled only if every object says so), and .note.GNU-stack
 * keeps the stack non-executable. */
.macro ariadne_object_notes features
	.pushsection .note.gnu.property, "a"
	.p2align 3
	.long	4			/* n_namesz: "GNU\0" */
	.long	16			/* n_descsz */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000002		/* GNU_PROPERTY_X86_FEATURE_1_AND */
	.long	4			/* pr_datasz */
	.long	\features
	.long	0			/* pad to 8 */
	.popsection
	.section .note.GNU-stack, "", %progbits
.endm

/* The SysV callee-saved GPRs, pushed rbp first so it sits beside the return
 * address as in an ordinary frame. The CFI is relative to the current CFA,
 * so the macros hold wherever they are used. Frame, top down:
 *   rbp, rbx, r12, r13, r14, r15  (r15 at the lowest address) */
.macro ariadne_push reg
	pushq	%\reg
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset \reg, 0
.endm

.macro ariadne_push_callee_saved
	ariadne_push rbp
	ariadne_push rbx
	ariadne_push r12
	ariadne_push r13
	ariadne_push r14
	ariadne_push r15
.endm

/* Pops what ariadne_push_callee_saved pushed. `skip` names one register to
 * leave unrestored: only the switch's mutation build uses it, to prove the
 * torture test notices. */
.macro ariadne_pop reg, skip
.ifc \reg,\skip
	addq	$8, %rsp
.else
	popq	%\reg
.endif
	.cfi_adjust_cfa_offset -8
.endm

.macro ariadne_pop_callee_saved skip=none
	ariadne_pop r15, \skip
	ariadne_pop r14, \skip
	ariadne_pop r13, \skip
	ariadne_pop r12, \skip
	ariadne_pop rbx, \skip
	ariadne_pop rbp, \skip
.endm

#endif

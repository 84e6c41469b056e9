/* Assembler pieces every AArch64 .S file of Ariadne uses, defined once. */
#ifndef ARIADNE_ARCH_AARCH64_ASM_H
#define ARIADNE_ARCH_AARCH64_ASM_H
/* Assembler macros, not C: clang-format must leave them. */
/* clang-format off */

#define GNU_PROPERTY_AARCH64_FEATURE_1_BTI 1
#define GNU_PROPERTY_AARCH64_FEATURE_1_PAC 2

/* The object's notes, once at its end: the GNU property note tells the
 * loader which branch protections the code is compatible with (a BTI-enabled
 * process needs every object to say BTI), and .note.GNU-stack keeps the
 * stack non-executable. */
.macro ariadne_object_notes features
	.pushsection .note.gnu.property, "a"
	.p2align 3
	.long	4			/* n_namesz: "GNU\0" */
	.long	16			/* n_descsz */
	.long	5			/* NT_GNU_PROPERTY_TYPE_0 */
	.asciz	"GNU"
	.long	0xc0000000		/* GNU_PROPERTY_AARCH64_FEATURE_1_AND */
	.long	4			/* pr_datasz */
	.long	\features
	.long	0			/* pad to 8 */
	.popsection
	.section .note.GNU-stack, "", %progbits
.endm

/* The CFI at the entry of code reached from a sled (`mov x9, x30; bl`):
 * the return address (site + 8, the body) is kept in a column of its own
 * (x16) because x30 of the traced function's frame is the caller's LR, in
 * x9 until saved; and site + 8 is where the traced function resumes, not a
 * return after a call inside its FDE (which begins after the sled), so the
 * frame is marked as a signal frame: unwinders look it up as is, not as
 * "return address - 1". */
.macro ariadne_sled_entry_cfi
	.cfi_return_column x16
	.cfi_register x16, x30
	.cfi_register x30, x9
	.cfi_signal_frame
.endm

/* \reg = the address of this thread's instance of the thread-local \sym
 * (initial-exec: the offset from TPIDR_EL0 is in the GOT). */
.macro tls_address reg, tmp, sym
	mrs	\reg, tpidr_el0
	adrp	\tmp, :gottprel:\sym
	ldr	\tmp, [\tmp, #:gottprel_lo12:\sym]
	add	\reg, \reg, \tmp
.endm

/* Leaves a sled's entry path into the function's body (x30 = site + 8)
 * with x30 = \lr: the caller's return address (x9) or a return hook. */
.macro ret_into_body lr
	mov	x16, x30
	mov	x30, \lr
	ret	x16
.endm

#endif

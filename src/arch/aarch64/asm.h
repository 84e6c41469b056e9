/* Assembler pieces every AArch64 .S file of Ariadne uses, defined once. */
#ifndef ARIADNE_ARCH_AARCH64_ASM_H
#define ARIADNE_ARCH_AARCH64_ASM_H

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

#endif

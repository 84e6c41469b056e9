/* Assembler pieces every x86-64 .S file of Ariadne uses, defined once. */
#ifndef ARIADNE_ARCH_X86_64_ASM_H
#define ARIADNE_ARCH_X86_64_ASM_H

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

#endif

/* AArch64: the code a diverted nondeterministic `mrs` runs instead
 * (src/arch/NondetInsn.hpp, docs/replay.md "Nondeterministic instructions").
 *
 * The site's `mrs Rt, <reg>` becomes `b stub`; each site has its own copy of
 * the template below, placed within branch reach of its module, with four
 * fields filled in (NondetInsn.cpp names them by the labels):
 *
 *   +0x00  the site's own instruction       runs first: record keeps its result
 *   +0x04  stp x16, x17, [sp, #-32]!        x16/x17/x30 are live at the site,
 *   +0x08  str x30, [sp, #16]               not free as at a call
 *   +0x0c  ldr x16, handler                 the common code below
 *   +0x10  ldr x17, index                   the site's number
 *   +0x14  blr x16
 *   +0x18  ldr x30, [sp, #16]               the program's x16/x17/x30, as the
 *   +0x1c  ldp x16, x17, [sp], #32          common code left them (Rt may be one)
 *   +0x20  b site + 4                       filled in
 *   +0x28  handler: .quad                   filled in
 *   +0x30  index: .quad                     filled in
 *
 * AAPCS64 has no red zone: the stub may push below the program's SP.
 *
 * ariadne_nondet_common builds a NondetFrame (arch/aarch64/AsmLayout.hpp,
 * offsets from asm-offsets.h) below the stub's 32 bytes:
 *
 *   +0             x0 ... x30    NF_X(n); x16, x17, x30 copied from the stub's slots
 *   +NF_NZCV       nzcv          +NF_FPCR fpcr   +NF_FPSR fpsr
 *   +NF_BACK       x30 on entry: the return into the stub
 *   +NF_Q0         q0 ... q31    NF_Q(n)
 *   +NF_SIZE       the stub's slots {x16, x17}, {x30, pad}
 *
 * then calls ariadne_nondet_arrived(frame, index) (replay's NondetInsns.cpp),
 * which may rewrite x[Rt] and nzcv, and loads everything back.
 */

#include "asm.h"
#include "full_frame.h"

	.text

/* The per-site template: copied, never run where it is. */
	.globl	ariadne_nondet_stub_template
	.hidden	ariadne_nondet_stub_template
	.globl	ariadne_nondet_stub_back
	.hidden	ariadne_nondet_stub_back
	.globl	ariadne_nondet_stub_handler
	.hidden	ariadne_nondet_stub_handler
	.globl	ariadne_nondet_stub_index
	.hidden	ariadne_nondet_stub_index
	.globl	ariadne_nondet_stub_end
	.hidden	ariadne_nondet_stub_end
	.p2align 3
ariadne_nondet_stub_template:
	nop				/* replaced by the site's instruction */
	stp	x16, x17, [sp, #-32]!
	str	x30, [sp, #16]
	ldr	x16, ariadne_nondet_stub_handler
	ldr	x17, ariadne_nondet_stub_index
	blr	x16
	ldr	x30, [sp, #16]
	ldp	x16, x17, [sp], #32
ariadne_nondet_stub_back:
	b	.			/* replaced by b site + 4 */
	nop				/* the literals below are 8-byte aligned */
ariadne_nondet_stub_handler:
	.quad	0
ariadne_nondet_stub_index:
	.quad	0
ariadne_nondet_stub_end:

/* ariadne_nondet_common: see the header. Entry: x16 = this function, x17 =
 * the site's index, x30 = the return into the stub, SP = the stub's slots. */
	.globl	ariadne_nondet_common
	.hidden	ariadne_nondet_common
	.type	ariadne_nondet_common, %function
	.p2align 4
ariadne_nondet_common:
	.cfi_startproc
	bti	c
	call_in_full_frame ariadne_nondet_arrived
	.cfi_endproc
	.size	ariadne_nondet_common, . - ariadne_nondet_common

/* GNU property: this object is BTI- and PAC-compatible (the common code is
 * entered by BLR and starts with `bti c`; x30 is never signed here). */
	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)

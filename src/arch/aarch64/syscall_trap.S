/* AArch64: the code a rewritten `svc #0` of the program runs instead
 * (src/arch/SyscallTrap.hpp, docs/replay.md "System calls").
 *
 * Each site's `svc #0` becomes `b stub`; each site has its own copy of the
 * template below, placed within branch reach of its module, with five fields
 * filled in (SyscallTrap.cpp names them by the labels):
 *
 *   +0x00  stp x16, x17, [sp, #-32]!      x16/x17 are live at the site: the
 *                                         check's scratch; x30's slot is for
 *                                         the trapped path
 *   +0x04  sub x16, x8, #rt_sigreturn     rt_sigreturn always reaches the
 *   +0x08  cbz x16, kernel                kernel (SP must be the signal frame's)
 *   +0x0c  mrs x16, tpidr_el0             the thread's trap state word:
 *   +0x10  ldr x17, tls                   tpidr_el0 + its TLS offset
 *   +0x14  ldr w16, [x16, x17]
 *   +0x18  sub w16, w16, #TRAPPING        only "started" alone traps; no
 *   +0x1c  cbz w16, trap                  flag is touched (NZCV is the program's)
 *   kernel:
 *   +0x20  ldp x16, x17, [sp], #32        nothing of ours stays on the stack
 *   +0x24  svc #0                         across the call: a clone child
 *   +0x28  b site + 4                     returns on its own stack, x0 = 0
 *   trap:
 *   +0x2c  str x30, [sp, #16]
 *   +0x30  ldr x16, common                ariadne_syscall_trap_common
 *   +0x34  ldr x17, site                  the site's address
 *   +0x38  blr x16
 *   +0x3c  ldr x30, [sp, #16]             the program's x16, x17, x30
 *   +0x40  ldp x16, x17, [sp], #32
 *   +0x44  b site + 4                     x0 = the handler's result
 *   +0x48  tls: .quad, common: .quad, site: .quad
 *
 * AAPCS64 has no red zone: the stub may push below the program's SP. The
 * stub's `svc #0` is written by SyscallTrap.cpp, never scanned for: the
 * template's own words are exempt.
 *
 * ariadne_syscall_trap_common builds the same frame as a diverted `mrs`
 * (NondetFrame, asm.h's call_in_full_frame) and calls
 * ariadne_syscall_trap_arrived(frame, site), which puts the result in x0.
 */

#include <asm/unistd.h>

#include "asm.h"
#include "full_frame.h"

/* The trap state word's value when the thread's calls are trapped
 * (SyscallTrap.cpp: started, not paused, not stopped, not in the handler). */
#define TRAPPING 1

	.text

/* The per-site template: copied, never run where it is. */
	.globl	ariadne_svc_stub_template
	.hidden	ariadne_svc_stub_template
	.globl	ariadne_svc_stub_svc
	.hidden	ariadne_svc_stub_svc
	.globl	ariadne_svc_stub_back_kernel
	.hidden	ariadne_svc_stub_back_kernel
	.globl	ariadne_svc_stub_back_trapped
	.hidden	ariadne_svc_stub_back_trapped
	.globl	ariadne_svc_stub_tls
	.hidden	ariadne_svc_stub_tls
	.globl	ariadne_svc_stub_common
	.hidden	ariadne_svc_stub_common
	.globl	ariadne_svc_stub_site
	.hidden	ariadne_svc_stub_site
	.globl	ariadne_svc_stub_end
	.hidden	ariadne_svc_stub_end
	.p2align 3
ariadne_svc_stub_template:
	stp	x16, x17, [sp, #-32]!
	sub	x16, x8, #__NR_rt_sigreturn
	cbz	x16, 1f
	mrs	x16, tpidr_el0
	ldr	x17, ariadne_svc_stub_tls
	ldr	w16, [x16, x17]
	sub	w16, w16, #TRAPPING
	cbz	w16, 2f
1:	ldp	x16, x17, [sp], #32
ariadne_svc_stub_svc:
	nop				/* replaced by svc #0 */
ariadne_svc_stub_back_kernel:
	b	.			/* replaced by b site + 4 */
2:	str	x30, [sp, #16]
	ldr	x16, ariadne_svc_stub_common
	ldr	x17, ariadne_svc_stub_site
	blr	x16
	ldr	x30, [sp, #16]
	ldp	x16, x17, [sp], #32
ariadne_svc_stub_back_trapped:
	b	.			/* replaced by b site + 4 */
ariadne_svc_stub_tls:
	.quad	0
ariadne_svc_stub_common:
	.quad	0
ariadne_svc_stub_site:
	.quad	0
ariadne_svc_stub_end:

/* ariadne_syscall_trap_common: see the header. Entry: x16 = this function,
 * x17 = the site, x30 = the return into the stub, SP = the stub's slots. */
	.globl	ariadne_syscall_trap_common
	.hidden	ariadne_syscall_trap_common
	.type	ariadne_syscall_trap_common, %function
	.p2align 4
ariadne_syscall_trap_common:
	.cfi_startproc
	bti	c
	call_in_full_frame ariadne_syscall_trap_arrived
	.cfi_endproc
	.size	ariadne_syscall_trap_common, . - ariadne_syscall_trap_common

/* The loader's _dl_debug_state (r_debug.r_brk, a lone `ret` it calls after
 * mapping or unmapping modules) becomes `b` to a copy of this veneer, which
 * reaches ariadne_syscall_trap_loader_event wherever it is: x16 is free at a
 * call. */
	.globl	ariadne_svc_loader_veneer
	.hidden	ariadne_svc_loader_veneer
	.globl	ariadne_svc_loader_veneer_target
	.hidden	ariadne_svc_loader_veneer_target
	.globl	ariadne_svc_loader_veneer_end
	.hidden	ariadne_svc_loader_veneer_end
	.p2align 3
ariadne_svc_loader_veneer:
	ldr	x16, ariadne_svc_loader_veneer_target
	br	x16
ariadne_svc_loader_veneer_target:
	.quad	0
ariadne_svc_loader_veneer_end:

/* The veneer's target: a landing pad for its `br x16`, then the C++ side
 * (SyscallTrap.cpp), which returns to the loader as _dl_debug_state would. */
	.globl	ariadne_svc_loader_entry
	.hidden	ariadne_svc_loader_entry
	.type	ariadne_svc_loader_entry, %function
	.p2align 4
ariadne_svc_loader_entry:
	.cfi_startproc
	bti	c
	b	ariadne_syscall_trap_loader_event
	.cfi_endproc
	.size	ariadne_svc_loader_entry, . - ariadne_svc_loader_entry

/* GNU property: this object is BTI- and PAC-compatible (the common code and
 * the loader entry are entered by BLR/BR and start with `bti c`; x30 is never
 * signed here). */
	ariadne_object_notes (GNU_PROPERTY_AARCH64_FEATURE_1_BTI | GNU_PROPERTY_AARCH64_FEATURE_1_PAC)

/* The fused path's pointers (src/trace/Handlers.hpp set_fused_path), defined
 * once for both architectures' trampoline.S, inside their .data section:
 * while the handler tables hold just the pair a fused path stands for, these
 * point at its assembly (e.g. record_path.S) and the trampolines jump there
 * first thing; it comes back to ariadne_trace_{entry,exit}_generic for
 * anything unusual. 0: none. ariadne_trace_fused_stub is where x86-64 site
 * stubs go (always 0 on AArch64, which has none). Defined here, not in the
 * core, so that programs driving the trampolines without the core (the arch
 * tests) link. */
#ifndef ARIADNE_ARCH_FUSED_PATH_DATA_H
#define ARIADNE_ARCH_FUSED_PATH_DATA_H
/* Assembler macros, not C: clang-format must leave them. */
/* clang-format off */

.macro ariadne_fused_pointer name
	.globl	\name
	.hidden	\name
	.type	\name, %object
	.size	\name, 8
\name:
	.quad	0
.endm

.macro ariadne_fused_path_data
	.p2align 3
	ariadne_fused_pointer ariadne_trace_fused_entry
	ariadne_fused_pointer ariadne_trace_fused_exit
	ariadne_fused_pointer ariadne_trace_fused_stub
.endm

#endif

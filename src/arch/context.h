/* The context switch: the whole per-architecture interface the fiber layer
 * uses. Implemented in src/arch/<arch>/switch.S; nothing else is per-arch.
 *
 * A suspended context is the stack pointer at which its callee-saved frame
 * was pushed (frame layout: the table at the top of each switch.S). The
 * switch is a jump with a value, as Boost.Context's fcontext: the resumed
 * side receives who jumped to it and the value passed.
 *
 *   AArch64 saves x19-x28, x29 (FP), x30 (LR), SP, d8-d15, FPCR;
 *   x86-64  saves rbx, rbp, r12-r15, RSP, MXCSR control bits, x87 control word.
 */
#ifndef ARIADNE_ARCH_CONTEXT_H
#define ARIADNE_ARCH_CONTEXT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef void* ariadne_ctx_t;

typedef struct ariadne_transfer {
  ariadne_ctx_t from; /* the context that jumped here, resumable later */
  void* data;         /* the value it passed */
} ariadne_transfer_t;

/* Saves the current context and resumes `to`, passing `data`. Returns when
 * someone jumps back to the saved context. Returned in x0/x1 (rax/rdx). */
ariadne_transfer_t ariadne_ctx_switch(ariadne_ctx_t to, void* data);

/* Prepares a context on [stack_top - size, stack_top) that, when first
 * switched to, calls entry(transfer). entry must never return (it switches
 * away for the last time); if it does, the process aborts. */
ariadne_ctx_t ariadne_ctx_make(void* stack_top, size_t size, void (*entry)(ariadne_transfer_t));

#ifdef __cplusplus
}
#endif

#endif

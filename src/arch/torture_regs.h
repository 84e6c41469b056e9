/* Test-only: the register torture helper (src/arch/<arch>/torture_regs.S).
 *
 * ariadne_torture_switch() loads caller-chosen patterns into EVERY register
 * the context switch must preserve, sets the FP rounding mode, calls
 * ariadne_ctx_switch(to, data) and, the instant it returns, records those
 * registers again -- before any compiled code could hide (or trip over) a
 * lost register. The caller's own callee-saved registers are restored on
 * the way out, so a failing switch is reported, not crashed on.
 */
#ifndef ARIADNE_ARCH_TORTURE_REGS_H
#define ARIADNE_ARCH_TORTURE_REGS_H

#include <stdint.h>

#include "arch/context.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ARIADNE_TORTURE_SLOTS 24

struct ariadne_torture_regs {
  /* Register patterns to load; the helper also fills the FP-control and
   * stack-pointer slots with the values it set / had before the switch. */
  uint64_t expect[ARIADNE_TORTURE_SLOTS];
  /* The same registers right after the switch returned. */
  uint64_t seen[ARIADNE_TORTURE_SLOTS];
  /* 0 to nearest, 1 upward, 2 downward, 3 toward zero (FE_* order-free). */
  uint32_t rounding;
};

/* Names of the slots in use, space-separated ("x19 x20 ... fpcr sp"). */
extern const char ariadne_torture_reg_names[];
extern const uint32_t ariadne_torture_reg_count;

void ariadne_torture_switch(struct ariadne_torture_regs* regs, ariadne_ctx_t to, void* data,
                            ariadne_transfer_t* result);

#ifdef __cplusplus
}
#endif

#endif

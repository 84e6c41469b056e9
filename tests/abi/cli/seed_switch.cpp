// seed::thread::switch_to() — the inline-asm context switch from the seed
// thread (OSv arch/aarch64/arch-switch.hh), built at -O0 as in OSv's debug
// build. This file is a test fixture that reproduces a bug: it is the one
// place in Ariadne with inline asm and a clobber list, on purpose, under
// tests/abi/ and never linked into anything but the seed regression test.
//
// The original clobber list names x0-x18 and x30 only. The asm switches SP to
// another thread and resumes there, so when this function "returns" on the
// resumed thread, x19-x28 hold whatever the thread that switched to it had:
// the compiler, told they are not clobbered, saves and restores only the
// ones it uses itself (for the memory operands). Callers built at -O2 keep
// their values in x19-x28 across the call and lose them.
//
// SEED_FIXED_CLOBBERS selects the fix the seed thread arrived at: x1/x2
// replaced by x21/x22 and the clobber list x0, x19-x30, so the -O0 prologue
// saves every callee-saved register on the old thread's stack and the
// epilogue restores them from the new one.
#include "seed_sched.hpp"

namespace seed {

namespace {
thread* s_current = nullptr;
}

thread* current() { return s_current; }
void set_current(thread* t) { s_current = t; }

void thread::switch_to() {
  thread* old = current();
  set_current(this);
#ifndef SEED_FIXED_CLOBBERS
  asm volatile(
      "\n"
      "str x29,     %0  \n"
      "mov x2, sp       \n"
      "adr x1, 1f       \n" /* address of label */
      "stp x2, x1,  %1  \n"

      "ldp x29, x0, %2  \n"
      "ldp x2, x1,  %3  \n"

      "mov sp, x2       \n"
      "blr x1           \n"

      "1:               \n" /* label */
      :
      : "Q"(old->_state.fp), "Ump"(old->_state.sp), "Ump"(this->_state.fp), "Ump"(this->_state.sp)
      : "x0", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14", "x15",
        "x16", "x17", "x18", "x30", "memory");
#else
  asm volatile(
      "\n"
      "str x29,     %0  \n"
      "mov x22, sp      \n"
      "adr x21, 1f      \n" /* address of label */
      "stp x22, x21, %1 \n"

      "ldp x29, x0, %2  \n"
      "ldp x22, x21, %3 \n"

      "mov sp, x22      \n"
      "blr x21          \n"

      "1:               \n" /* label */
      :
      : "Q"(old->_state.fp), "Ump"(old->_state.sp), "Ump"(this->_state.fp), "Ump"(this->_state.sp)
      : "x0", "x19", "x20", "x21", "x22", "x23", "x24", "x25", "x26", "x27", "x28", "x29", "x30", "memory");
#endif
}

}  // namespace seed

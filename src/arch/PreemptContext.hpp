// What preemption (src/fiber/Preempt.cpp) needs of the architecture: the
// interrupted PC and SP in a signal's ucontext, the level-1 entry stub
// (src/arch/<arch>/preempt.S, frame layout in <arch>/PreemptFrame.hpp), and
// a deliberately broken restore for the torture test's mutant.
#ifndef ARIADNE_ARCH_PREEMPT_CONTEXT_HPP
#define ARIADNE_ARCH_PREEMPT_CONTEXT_HPP

#include <cstdint>

#include "ariadne/trace.hpp"

extern "C" {
// Where a fiber preempted at a function entry goes: the entry path resumes
// here (trace Frame::resume) with the function's entry registers. Saves
// them all, calls ariadne_preempt_at_entry() (which yields and returns the
// function's continuation), restores them and goes on there.
void ariadne_preempt_entry_stub();
// Defined by the fiber library (Preempt.cpp).
std::uintptr_t ariadne_preempt_at_entry();
}

namespace ariadne::arch {

// The SP a function was entered with, from the entry path's frame (the
// runtime's Frame::stack_pointer(), which the fiber library cannot link).
std::uintptr_t preempt_entry_sp(const trace::Regs& regs) noexcept;
// Where the entered function returns to (its caller).
std::uintptr_t preempt_return_address(const trace::Regs& regs) noexcept;
std::uintptr_t interrupted_pc(const void* ucontext) noexcept;
std::uintptr_t interrupted_sp(const void* ucontext) noexcept;
// Mutant only (ARIADNE_PREEMPT_MUTANT=skip_fp): the FP/SIMD registers the
// signal frame will restore are overwritten with zeros, as if the switch
// had not restored that register class.
void drop_fp_simd(void* ucontext) noexcept;
// Once per process before the entry stub runs (x86-64: the XSAVE area's size).
bool preempt_arch_init() noexcept;

}  // namespace ariadne::arch

#endif

// The two C entry points the trampolines (src/arch/<arch>/trampoline.S) call.
// Contract, both architectures:
//   * the trampoline has saved every register of the Frame it passes and
//     aligned the stack to 16; it restores the argument / return registers
//     from the Frame afterwards, so a handler's changes take effect;
//   * entry: returns the address to continue at (the function body, the
//     caller's return address for skip, or a redirect target); the core may
//     have replaced the return address (AArch64: frame->x[30]; x86-64: the
//     slot at frame->rsp) with ariadne_trace_exit_trampoline;
//   * exit: frame->sp/rsp is the SP the function was entered with (x86-64:
//     the trampoline subtracts the 8 bytes `ret` popped), the return
//     registers and callee-saved registers are those the function returned
//     with; returns the original return address, where the trampoline jumps.
#pragma once

#include <cstdint>

#include "ariadne/trace.hpp"

extern "C" {
std::uintptr_t ariadne_trace_on_entry(ariadne::trace::Frame* frame) noexcept;
std::uintptr_t ariadne_trace_on_exit(ariadne::trace::Frame* frame) noexcept;
}

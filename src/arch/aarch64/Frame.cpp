// ariadne::trace::Frame on AArch64 (AAPCS64): integer arguments in x0-x7,
// floating-point ones in v0-v7 (the low 64 bits hold a double), arguments
// past those on the stack starting at the SP the function was entered with,
// results in x0/x1 and d0. The register frame itself is built by
// trampoline.S with the offsets of frame.h, checked here.
#include <cstddef>
#include <cstring>

#include "ariadne/trace.hpp"
#include "arch/CodePatch.hpp"
#include "arch/aarch64/frame.h"

namespace ariadne::trace {

static_assert(offsetof(Regs, x) == REGS_X(0));
static_assert(offsetof(Regs, x) + 29 * sizeof(std::uint64_t) == REGS_X29);
static_assert(offsetof(Regs, x) + 30 * sizeof(std::uint64_t) == REGS_X30);
static_assert(offsetof(Regs, sp) == REGS_SP);
static_assert(offsetof(Regs, pc) == REGS_PC);
static_assert(offsetof(Regs, nzcv) == REGS_NZCV);
static_assert(offsetof(Regs, q) == REGS_Q(0));
static_assert(offsetof(Regs, q) + 7 * 16 == REGS_Q(7));
static_assert(offsetof(Regs, d8_15) == REGS_D8_15);
static_assert(offsetof(Regs, fpcr) == REGS_FPCR);
static_assert(offsetof(Regs, fpsr) == REGS_FPSR);
static_assert(offsetof(Regs, resume) == REGS_RESUME);
static_assert(offsetof(Regs, flags) == REGS_FLAGS);
static_assert(sizeof(Regs) == REGS_SIZE);
static_assert(sizeof(Frame) == sizeof(Regs), "Frame adds accessors only; the trampoline builds a Regs");
// The trampoline keeps SP 16-byte aligned with the frame at its bottom.
static_assert(REGS_SIZE % 16 == 0 && REGS_Q(0) % 16 == 0);

std::uint64_t Frame::arg(unsigned i) const noexcept { return x[i]; }
void Frame::set_arg(unsigned i, std::uint64_t v) noexcept { x[i] = v; }

double Frame::fp_arg(unsigned i) const noexcept {
  double d;
  std::memcpy(&d, q[i], sizeof d);
  return d;
}

// Only the low 64 bits (d<i>) are written: a double argument occupies no
// more, and the upper half of the vector register is not part of it.
void Frame::set_fp_arg(unsigned i, double v) noexcept { std::memcpy(q[i], &v, sizeof v); }

std::uint64_t* Frame::stack_arg(unsigned i) const noexcept {
  return reinterpret_cast<std::uint64_t*>(sp + std::uint64_t{i} * sizeof(std::uint64_t));
}

std::uint64_t Frame::ret() const noexcept { return x[0]; }
void Frame::set_ret(std::uint64_t v) noexcept { x[0] = v; }
std::uint64_t Frame::ret2() const noexcept { return x[1]; }
double Frame::fp_ret() const noexcept { return fp_arg(0); }
void Frame::set_fp_ret(double v) noexcept { set_fp_arg(0, v); }

std::uintptr_t Frame::stack_pointer() const noexcept { return sp; }
std::uintptr_t Frame::return_address() const noexcept { return x[30]; }

// The trampoline continues at `resume` with x30 = x[30] (the caller's return
// address) and SP = the entry SP: a lone `ret` there returns to the caller
// with the return registers the handler left.
void Frame::skip() noexcept { resume = reinterpret_cast<std::uintptr_t>(&ariadne_trace_return_stub); }

void Frame::redirect(std::uintptr_t function) noexcept { resume = function; }

}  // namespace ariadne::trace

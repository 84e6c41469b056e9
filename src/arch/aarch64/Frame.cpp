// ariadne::trace::Frame on AArch64 (AAPCS64): integer arguments in x0-x7,
// floating-point ones in v0-v7 (the low 64 bits hold a double), arguments
// past those on the stack starting at the SP the function was entered with,
// results in x0/x1 and d0. The register frame itself is built by
// trampoline.S with the offsets asm-offsets.h has from this struct
// (src/asmoffsets/AsmOffsets.cpp).
#include <cstddef>
#include <cstring>

#include "arch/CodePatch.hpp"
#include "ariadne/trace.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace {

// The trampoline keeps SP 16-byte aligned with the frame at its bottom.
static_assert(sizeof(Regs) % 16 == 0 && offsetof(Regs, q) % 16 == 0);

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

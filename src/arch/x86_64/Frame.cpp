// Frame accessors for x86-64 (SysV AMD64 ABI): integer arguments in
// rdi, rsi, rdx, rcx, r8, r9; floating-point arguments in xmm0-7; further
// arguments in 8-byte slots above the return address.
#include <cstddef>
#include <cstring>

#include "arch/CodePatch.hpp"
#include "arch/x86_64/frame.h"
#include "ariadne/trace.hpp"

namespace ariadne::trace {
namespace {

#define ARIADNE_CHECK_OFFSET(field, value) \
  static_assert(offsetof(Regs, field) == (value), "frame.h out of step with Regs::" #field)
ARIADNE_CHECK_OFFSET(rdi, REGS_RDI);
ARIADNE_CHECK_OFFSET(rsi, REGS_RSI);
ARIADNE_CHECK_OFFSET(rdx, REGS_RDX);
ARIADNE_CHECK_OFFSET(rcx, REGS_RCX);
ARIADNE_CHECK_OFFSET(r8, REGS_R8);
ARIADNE_CHECK_OFFSET(r9, REGS_R9);
ARIADNE_CHECK_OFFSET(rax, REGS_RAX);
ARIADNE_CHECK_OFFSET(rbx, REGS_RBX);
ARIADNE_CHECK_OFFSET(rbp, REGS_RBP);
ARIADNE_CHECK_OFFSET(r10, REGS_R10);
ARIADNE_CHECK_OFFSET(r11, REGS_R11);
ARIADNE_CHECK_OFFSET(r12, REGS_R12);
ARIADNE_CHECK_OFFSET(r13, REGS_R13);
ARIADNE_CHECK_OFFSET(r14, REGS_R14);
ARIADNE_CHECK_OFFSET(r15, REGS_R15);
ARIADNE_CHECK_OFFSET(rsp, REGS_RSP);
ARIADNE_CHECK_OFFSET(pc, REGS_PC);
ARIADNE_CHECK_OFFSET(rflags, REGS_RFLAGS);
ARIADNE_CHECK_OFFSET(xmm, REGS_XMM);
ARIADNE_CHECK_OFFSET(mxcsr, REGS_MXCSR);
ARIADNE_CHECK_OFFSET(x87cw, REGS_X87CW);
ARIADNE_CHECK_OFFSET(pad0, REGS_PAD0);
ARIADNE_CHECK_OFFSET(resume, REGS_RESUME);
ARIADNE_CHECK_OFFSET(flags, REGS_FLAGS);
#undef ARIADNE_CHECK_OFFSET
static_assert(sizeof(Regs) == REGS_SIZE && sizeof(Frame) == REGS_SIZE, "frame.h: REGS_SIZE");
static_assert(alignof(Frame) == 16 && REGS_XMM % 16 == 0, "the trampolines store xmm with aligned moves");

}  // namespace

std::uint64_t Frame::arg(unsigned i) const noexcept {
  switch (i) {
    case 0: return rdi;
    case 1: return rsi;
    case 2: return rdx;
    case 3: return rcx;
    case 4: return r8;
    case 5: return r9;
    default: return 0;
  }
}

void Frame::set_arg(unsigned i, std::uint64_t v) noexcept {
  switch (i) {
    case 0: rdi = v; break;
    case 1: rsi = v; break;
    case 2: rdx = v; break;
    case 3: rcx = v; break;
    case 4: r8 = v; break;
    case 5: r9 = v; break;
    default: break;
  }
}

double Frame::fp_arg(unsigned i) const noexcept {
  double d = 0;
  if (i < kFpArgRegs) std::memcpy(&d, xmm[i], sizeof d);
  return d;
}

void Frame::set_fp_arg(unsigned i, double v) noexcept {
  if (i < kFpArgRegs) std::memcpy(xmm[i], &v, sizeof v);
}

// SysV: the first stacked argument sits just above the return address.
std::uint64_t* Frame::stack_arg(unsigned i) const noexcept {
  return reinterpret_cast<std::uint64_t*>(rsp + 8 + 8 * static_cast<std::uint64_t>(i));
}

std::uint64_t Frame::ret() const noexcept { return rax; }
void Frame::set_ret(std::uint64_t v) noexcept { rax = v; }
std::uint64_t Frame::ret2() const noexcept { return rdx; }
double Frame::fp_ret() const noexcept { return fp_arg(0); }
void Frame::set_fp_ret(double v) noexcept { set_fp_arg(0, v); }

std::uintptr_t Frame::stack_pointer() const noexcept { return rsp; }
std::uintptr_t Frame::return_address() const noexcept { return *reinterpret_cast<const std::uint64_t*>(rsp); }

void Frame::skip() noexcept { resume = reinterpret_cast<std::uintptr_t>(&ariadne_trace_return_stub); }
void Frame::redirect(std::uintptr_t function) noexcept { resume = function; }

}  // namespace ariadne::trace

// Frame accessors for x86-64 (SysV AMD64 ABI): integer arguments in
// rdi, rsi, rdx, rcx, r8, r9; floating-point arguments in xmm0-7; further
// arguments in 8-byte slots above the return address.
#include <cstddef>
#include <cstring>

#include "arch/CodePatch.hpp"
#include "ariadne/trace.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace {
namespace {

static_assert(alignof(Frame) == 16 && offsetof(Regs, xmm) % 16 == 0,
              "the trampolines store xmm with aligned moves");

}  // namespace

std::uint64_t Frame::arg(unsigned i) const noexcept {
  switch (i) {
    case 0:
      return rdi;
    case 1:
      return rsi;
    case 2:
      return rdx;
    case 3:
      return rcx;
    case 4:
      return r8;
    case 5:
      return r9;
    default:
      return 0;
  }
}

void Frame::set_arg(unsigned i, std::uint64_t v) noexcept {
  switch (i) {
    case 0:
      rdi = v;
      break;
    case 1:
      rsi = v;
      break;
    case 2:
      rdx = v;
      break;
    case 3:
      rcx = v;
      break;
    case 4:
      r8 = v;
      break;
    case 5:
      r9 = v;
      break;
    default:
      break;
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

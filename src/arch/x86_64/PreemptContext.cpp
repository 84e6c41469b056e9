// x86-64 half of preemption (arch/PreemptContext.hpp).
#include "arch/PreemptContext.hpp"

#include <cpuid.h>
#include <signal.h>
#include <ucontext.h>

#include <cstddef>
#include <cstring>

#include "arch/AsmLayout.hpp"

// The stub's frame: PreemptFrame + the XSAVE image (preempt.S reads it).
extern "C" {
std::size_t ariadne_preempt_frame_size = 0;
}

namespace ariadne::arch {

std::uintptr_t preempt_entry_sp(const trace::Regs& regs) noexcept { return regs.rsp; }

std::uintptr_t preempt_return_address(const trace::Regs& regs) noexcept {
  return *reinterpret_cast<const std::uintptr_t*>(regs.rsp);
}

std::uintptr_t interrupted_pc(const void* ucontext) noexcept {
  return static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RIP]);
}

std::uintptr_t interrupted_sp(const void* ucontext) noexcept {
  return static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.gregs[REG_RSP]);
}

void drop_fp_simd(void* ucontext) noexcept {
  auto* uc = static_cast<ucontext_t*>(ucontext);
  if (uc->uc_mcontext.fpregs != nullptr)
    std::memset(uc->uc_mcontext.fpregs->_xmm, 0, sizeof uc->uc_mcontext.fpregs->_xmm);
}

bool preempt_arch_init() noexcept {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || (c & bit_OSXSAVE) == 0) return false;
  // EBX of leaf 0xD, sub-leaf 0: the XSAVE image's size for what XCR0 enables.
  __cpuid_count(0xD, 0, a, b, c, d);
  if (b < 576) return false;
  ariadne_preempt_frame_size = (sizeof(PreemptFrame) + b + 63) & ~std::size_t{63};
  return true;
}

}  // namespace ariadne::arch

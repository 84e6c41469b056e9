// AArch64 half of preemption (arch/PreemptContext.hpp).
#include "arch/PreemptContext.hpp"

#include <signal.h>
#include <ucontext.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace ariadne::arch {

namespace {
// <asm/sigcontext.h>'s records in uc_mcontext.__reserved (that header
// clashes with glibc's <signal.h>): a chain of {magic, size} headers.
struct RecordHeader {
  std::uint32_t magic;
  std::uint32_t size;
};
struct FpsimdRecord {
  RecordHeader head;
  std::uint32_t fpsr;
  std::uint32_t fpcr;
  unsigned char vregs[32][16];
};
constexpr std::uint32_t kFpsimdMagic = 0x46508001;
// struct sve_context: header, vl (bytes), flags, reserved; Z0-Z31 follow at
// offset 16 when the record carries registers. Restored after the fpsimd
// record, so its Z registers' low halves win (QEMU writes one whenever the
// CPU has SVE).
constexpr std::uint32_t kSveMagic = 0x53564501;
constexpr std::uint32_t kSveRegsOffset = 16;
}  // namespace

std::uintptr_t preempt_entry_sp(const trace::Regs& regs) noexcept { return regs.sp; }

std::uintptr_t preempt_return_address(const trace::Regs& regs) noexcept { return regs.x[30]; }

std::uintptr_t interrupted_pc(const void* ucontext) noexcept {
  return static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.pc);
}

std::uintptr_t interrupted_sp(const void* ucontext) noexcept {
  return static_cast<std::uintptr_t>(static_cast<const ucontext_t*>(ucontext)->uc_mcontext.sp);
}

void drop_fp_simd(void* ucontext) noexcept {
  auto* uc = static_cast<ucontext_t*>(ucontext);
  unsigned char* p = reinterpret_cast<unsigned char*>(uc->uc_mcontext.__reserved);
  unsigned char* end = p + sizeof uc->uc_mcontext.__reserved;
  while (p + sizeof(RecordHeader) <= end) {
    auto* h = reinterpret_cast<RecordHeader*>(p);
    if (h->magic == 0 || h->size == 0) return;
    if (h->magic == kFpsimdMagic) {
      std::memset(reinterpret_cast<FpsimdRecord*>(p)->vregs, 0, sizeof(FpsimdRecord::vregs));
    } else if (h->magic == kSveMagic && h->size > kSveRegsOffset) {
      std::uint16_t vl = 0;
      std::memcpy(&vl, p + sizeof(RecordHeader), sizeof vl);
      const std::size_t z_bytes = std::size_t{32} * vl;
      std::memset(p + kSveRegsOffset, 0, std::min<std::size_t>(z_bytes, h->size - kSveRegsOffset));
    }
    p += h->size;
  }
}

bool preempt_arch_init() noexcept { return true; }

}  // namespace ariadne::arch

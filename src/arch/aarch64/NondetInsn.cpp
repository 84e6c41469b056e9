// AArch64 half of NondetInsn.hpp: `mrs` of the system registers whose value
// differs between runs or machines, diverted through a per-site stub.
#include "arch/NondetInsn.hpp"

#include <cstring>

#include "arch/AsmLayout.hpp"
#include "arch/aarch64/Branch.hpp"

extern "C" {
extern const std::byte ariadne_nondet_stub_template[];
extern const std::byte ariadne_nondet_stub_back[];
extern const std::byte ariadne_nondet_stub_handler[];
extern const std::byte ariadne_nondet_stub_index[];
extern const std::byte ariadne_nondet_stub_end[];
void ariadne_nondet_common();
}

namespace ariadne::arch {
namespace {

enum Kind : std::uint8_t { kCounter, kIdentity, kRandom };

// MRS: 1101 0101 0011 o0 op1 CRn CRm op2 Rt; bits 20-5 are the register
// (op0 = 2 + o0 in the top two bits).
constexpr std::uint32_t kMrsMask = 0xfff00000u;
constexpr std::uint32_t kMrs = 0xd5300000u;
constexpr std::uint16_t sysreg(unsigned op0, unsigned op1, unsigned crn, unsigned crm, unsigned op2) {
  return static_cast<std::uint16_t>((op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2);
}

struct SysReg {
  std::uint16_t encoding;
  Kind kind;
  const char* name;
};
constexpr SysReg kSysRegs[] = {
    {sysreg(3, 3, 14, 0, 0), kCounter, "mrs cntfrq_el0"},
    {sysreg(3, 3, 14, 0, 1), kCounter, "mrs cntpct_el0"},
    {sysreg(3, 3, 14, 0, 2), kCounter, "mrs cntvct_el0"},
    {sysreg(3, 3, 14, 0, 5), kCounter, "mrs cntpctss_el0"},
    {sysreg(3, 3, 14, 0, 6), kCounter, "mrs cntvctss_el0"},
    {sysreg(3, 3, 0, 0, 1), kIdentity, "mrs ctr_el0"},
    {sysreg(3, 3, 0, 0, 7), kIdentity, "mrs dczid_el0"},
    {sysreg(3, 0, 0, 0, 0), kIdentity, "mrs midr_el1"},
    {sysreg(3, 0, 0, 0, 5), kIdentity, "mrs mpidr_el1"},
    {sysreg(3, 0, 0, 0, 6), kIdentity, "mrs revidr_el1"},
    {sysreg(3, 3, 2, 4, 0), kRandom, "mrs rndr"},
    {sysreg(3, 3, 2, 4, 1), kRandom, "mrs rndrrs"},
};

// The feature ID registers (op0 3, op1 0, CRn 0, CRm 1-7: ID_AA64PFR0_EL1,
// ID_AA64ISAR0_EL1...): the kernel emulates them for EL0 with the CPU's
// sanitised features, which differ between machines.
const char* id_register_name(std::uint16_t encoding) {
  if ((encoding & 0xff80u) != sysreg(3, 0, 0, 0, 0)) return nullptr;
  const unsigned crm = (encoding >> 3) & 15u;
  if (crm == 0 || crm > 7) return nullptr;
  return crm >= 4 ? "mrs id_aa64*_el1" : "mrs id_*_el1 (AArch32 view)";
}

// SVE first-fault and non-fault loads: which elements they load (FFR) may
// depend on the memory system ("for any reason", the architecture says),
// so a replay could load others. Contiguous LDFF1*/LDNF1* and the reads of
// FFR that any use of them needs.
const char* first_fault_name(std::uint32_t w) {
  if ((w & 0xfe00e000u) == 0xa4006000u) return "ldff1 (SVE first-fault load)";
  if ((w & 0xfe10e000u) == 0xa410a000u) return "ldnf1 (SVE non-fault load)";
  if ((w & 0xfffffff0u) == 0x2519f000u || (w & 0xffbffe10u) == 0x2518f000u)
    return "rdffr (SVE first-fault register)";
  return nullptr;
}

std::size_t offset_of(const std::byte* label) {
  return static_cast<std::size_t>(label - ariadne_nondet_stub_template);
}

struct StubFields {
  const NondetSite* site;
  std::uint64_t index;
};

bool write_stub(std::byte* at, void* ctx) {
  const auto& f = *static_cast<const StubFields*>(ctx);
  const auto stub = reinterpret_cast<std::uintptr_t>(at);
  const std::size_t size = offset_of(ariadne_nondet_stub_end);
  const std::uintptr_t back = stub + offset_of(ariadne_nondet_stub_back);
  if (!b_reaches(back, f.site->address + 4)) return false;
  std::memcpy(at, ariadne_nondet_stub_template, size);
  std::memcpy(at, &f.site->insn, 4);
  const std::uint32_t b = encode_b(back, f.site->address + 4);
  std::memcpy(at + offset_of(ariadne_nondet_stub_back), &b, 4);
  const auto handler = reinterpret_cast<std::uint64_t>(&ariadne_nondet_common);
  std::memcpy(at + offset_of(ariadne_nondet_stub_handler), &handler, 8);
  std::memcpy(at + offset_of(ariadne_nondet_stub_index), &f.index, 8);
  __builtin___clear_cache(reinterpret_cast<char*>(at), reinterpret_cast<char*>(at + size));
  return true;
}

}  // namespace

void find_nondet(std::uintptr_t start, std::uintptr_t end, std::vector<NondetSite>& out) {
  for (std::uintptr_t at = (start + 3) & ~std::uintptr_t{3}; at + 4 <= end; at += 4) {
    const std::uint32_t w = load_word(at);
    if (const char* ff = first_fault_name(w)) {
      NondetSite site;
      site.address = at;
      site.insn = w;
      site.length = 4;
      site.name = ff;
      site.replayable = false;
      out.push_back(site);
      continue;
    }
    if ((w & kMrsMask) != kMrs) continue;
    const auto encoding = static_cast<std::uint16_t>((w >> 5) & 0xffffu);
    NondetSite site;
    site.address = at;
    site.insn = w;
    site.length = 4;
    site.reg = static_cast<std::uint8_t>(w & 31u);
    site.size = 8;
    for (const SysReg& r : kSysRegs) {
      if (r.encoding != encoding) continue;
      site.kind = r.kind;
      site.name = r.name;
    }
    if (*site.name == '\0') {
      const char* id = id_register_name(encoding);
      if (id == nullptr) continue;
      site.kind = kIdentity;
      site.name = id;
    }
    out.push_back(site);
  }
}

bool nondet_patch(const NondetSite& site, std::uint64_t index, NondetPlacer place, NondetPatch* patch,
                  std::string* error) {
  StubFields fields{&site, index};
  const std::uintptr_t stub = place(site.address, offset_of(ariadne_nondet_stub_end), write_stub, &fields);
  if (stub == 0 || !b_reaches(site.address, stub)) {
    if (error != nullptr) *error = "no room for a stub within branch reach";
    return false;
  }
  const std::uint32_t b = encode_b(site.address, stub);
  std::memcpy(patch->bytes, &b, sizeof b);
  patch->length = sizeof b;
  return true;
}

void nondet_result(const NondetSite& site, const void* context, NondetValue* out) noexcept {
  const auto* frame = static_cast<const NondetFrame*>(context);
  out->word[0] = site.reg == 31 ? 0 : frame->x[site.reg];
  out->word[1] = site.kind == kRandom ? frame->nzcv : 0;
}

void nondet_deliver(const NondetSite& site, void* context, const NondetValue& value) noexcept {
  auto* frame = static_cast<NondetFrame*>(context);
  if (site.reg != 31) frame->x[site.reg] = value.word[0];
  if (site.kind == kRandom) frame->nzcv = value.word[1];
}

std::uintptr_t nondet_trap_site(const siginfo_t*, const void*) noexcept { return 0; }

}  // namespace ariadne::arch

// x86-64 half of NondetInsn.hpp: rdtsc, rdtscp, cpuid, rdrand, rdseed and
// rdpid, found by a linear sweep with capstone, diverted by an int3 over
// their first byte (the shortest is 2 bytes, too short for a jump) and
// served from the runtime's SIGTRAP handler.
#include "arch/NondetInsn.hpp"

#include <capstone/capstone.h>
#include <sys/ucontext.h>

#include <cstring>

extern "C" std::uint64_t ariadne_x86_nondet_exec(unsigned kind, std::uint64_t io[4]);

namespace ariadne::arch {
namespace {

// The numbers nondet_exec.S switches on.
enum Kind : std::uint8_t { kRdtsc, kRdtscp, kCpuid, kRdrand, kRdseed, kRdpid };

constexpr unsigned char kInt3 = 0xcc;
constexpr std::uint64_t kArithmeticFlags = 0x8d5;  // CF PF AF ZF SF OF
constexpr std::uint64_t kCarryFlag = 0x1;

// A general register by the name capstone prints: its ucontext slot and size.
struct GprName {
  const char* name;
  int greg;
  std::uint8_t size;
};
constexpr GprName kGprs[] = {
    {"rax", REG_RAX, 8},  {"eax", REG_RAX, 4},  {"ax", REG_RAX, 2},   {"rbx", REG_RBX, 8},
    {"ebx", REG_RBX, 4},  {"bx", REG_RBX, 2},   {"rcx", REG_RCX, 8},  {"ecx", REG_RCX, 4},
    {"cx", REG_RCX, 2},   {"rdx", REG_RDX, 8},  {"edx", REG_RDX, 4},  {"dx", REG_RDX, 2},
    {"rsi", REG_RSI, 8},  {"esi", REG_RSI, 4},  {"si", REG_RSI, 2},   {"rdi", REG_RDI, 8},
    {"edi", REG_RDI, 4},  {"di", REG_RDI, 2},   {"rbp", REG_RBP, 8},  {"ebp", REG_RBP, 4},
    {"bp", REG_RBP, 2},   {"r8", REG_R8, 8},    {"r8d", REG_R8, 4},   {"r8w", REG_R8, 2},
    {"r9", REG_R9, 8},    {"r9d", REG_R9, 4},   {"r9w", REG_R9, 2},   {"r10", REG_R10, 8},
    {"r10d", REG_R10, 4}, {"r10w", REG_R10, 2}, {"r11", REG_R11, 8},  {"r11d", REG_R11, 4},
    {"r11w", REG_R11, 2}, {"r12", REG_R12, 8},  {"r12d", REG_R12, 4}, {"r12w", REG_R12, 2},
    {"r13", REG_R13, 8},  {"r13d", REG_R13, 4}, {"r13w", REG_R13, 2}, {"r14", REG_R14, 8},
    {"r14d", REG_R14, 4}, {"r14w", REG_R14, 2}, {"r15", REG_R15, 8},  {"r15d", REG_R15, 4},
    {"r15w", REG_R15, 2},
};

bool destination(csh handle, const cs_insn& insn, NondetSite& site) {
  if (insn.detail == nullptr || insn.detail->x86.op_count != 1) return false;
  const cs_x86_op& op = insn.detail->x86.operands[0];
  if (op.type != X86_OP_REG) return false;
  const char* name = cs_reg_name(handle, op.reg);
  for (const GprName& g : kGprs) {
    if (name == nullptr || std::strcmp(g.name, name) != 0) continue;
    site.reg = static_cast<std::uint8_t>(g.greg);
    site.size = g.size;
    return true;
  }
  return false;
}

// Classifies one decoded instruction; false if it is none of ours.
bool classify(csh handle, const cs_insn& insn, NondetSite& site) {
  switch (insn.id) {
    case X86_INS_RDTSC:
      site.kind = kRdtsc, site.name = "rdtsc";
      return true;
    case X86_INS_RDTSCP:
      site.kind = kRdtscp, site.name = "rdtscp";
      return true;
    case X86_INS_CPUID:
      site.kind = kCpuid, site.name = "cpuid";
      return true;
    case X86_INS_RDRAND:
      site.kind = kRdrand, site.name = "rdrand";
      return destination(handle, insn, site);
    case X86_INS_RDSEED:
      // Capstone 4 decodes rdpid (F3 0F C7 /7) as rdseed and reports no
      // prefix; the first byte tells them apart. rdpid writes all 64 bits.
      if (insn.bytes[0] == 0xf3) {
        site.kind = kRdpid, site.name = "rdpid";
        if (!destination(handle, insn, site)) return false;
        site.size = 8;
        return true;
      }
      site.kind = kRdseed, site.name = "rdseed";
      return destination(handle, insn, site);
    default:
      return false;
  }
}

greg_t& gpr(void* context, int greg) { return static_cast<ucontext_t*>(context)->uc_mcontext.gregs[greg]; }
std::uint64_t gpr(const void* context, int greg) {
  return static_cast<std::uint64_t>(static_cast<const ucontext_t*>(context)->uc_mcontext.gregs[greg]);
}

void set_sized(void* context, const NondetSite& site, std::uint64_t value) {
  greg_t& r = gpr(context, site.reg);
  const auto old = static_cast<std::uint64_t>(r);
  std::uint64_t v = value;
  if (site.size == 4) v = value & 0xffffffffu;  // a 32-bit write zero-extends
  if (site.size == 2) v = (old & ~std::uint64_t{0xffff}) | (value & 0xffff);
  r = static_cast<greg_t>(v);
}

}  // namespace

void find_nondet(std::uintptr_t start, std::uintptr_t end, std::vector<NondetSite>& out) {
  csh handle = 0;
  if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return;
  cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
  cs_insn* insn = cs_malloc(handle);
  const auto* code = reinterpret_cast<const std::uint8_t*>(start);
  std::size_t size = end - start;
  std::uint64_t address = start;
  while (size > 0) {
    if (!cs_disasm_iter(handle, &code, &size, &address, insn)) {
      // Not an instruction (padding, data): resynchronise one byte on.
      ++code, --size, ++address;
      continue;
    }
    NondetSite site;
    if (!classify(handle, *insn, site)) continue;
    site.address = static_cast<std::uintptr_t>(insn->address);
    site.length = static_cast<std::uint8_t>(insn->size);
    out.push_back(site);
  }
  cs_free(insn, 1);
  cs_close(&handle);
}

bool nondet_patch(const NondetSite&, std::uint64_t, NondetPlacer, NondetPatch* patch, std::string*) {
  patch->bytes[0] = kInt3;
  patch->length = 1;
  return true;
}

void nondet_result(const NondetSite& site, const void* context, NondetValue* out) noexcept {
  std::uint64_t io[4] = {gpr(context, REG_RAX), gpr(context, REG_RBX), gpr(context, REG_RCX),
                         gpr(context, REG_RDX)};
  out->word[4] = ariadne_x86_nondet_exec(site.kind, io);
  std::memcpy(out->word, io, sizeof io);
}

void nondet_deliver(const NondetSite& site, void* context, const NondetValue& value) noexcept {
  switch (site.kind) {
    case kCpuid:
      gpr(context, REG_RBX) = static_cast<greg_t>(value.word[1]);
      [[fallthrough]];
    case kRdtscp:
      gpr(context, REG_RCX) = static_cast<greg_t>(value.word[2]);
      [[fallthrough]];
    case kRdtsc:
      gpr(context, REG_RAX) = static_cast<greg_t>(value.word[0]);
      gpr(context, REG_RDX) = static_cast<greg_t>(value.word[3]);
      break;
    case kRdrand:
    case kRdseed: {
      set_sized(context, site, value.word[0]);
      greg_t& flags = gpr(context, REG_EFL);
      auto f = static_cast<std::uint64_t>(flags) & ~kArithmeticFlags;
      if (value.word[4] != 0) f |= kCarryFlag;
      flags = static_cast<greg_t>(f);
      break;
    }
    case kRdpid:
      set_sized(context, site, value.word[0]);
      break;
    default:
      break;
  }
  gpr(context, REG_RIP) = static_cast<greg_t>(site.address + site.length);
}

std::uintptr_t nondet_trap_site(const siginfo_t* info, const void* context) noexcept {
  // int3 raises SIGTRAP with si_code SI_KERNEL and RIP just past it.
  if (info == nullptr || info->si_code != SI_KERNEL) return 0;
  const std::uintptr_t rip = gpr(context, REG_RIP);
  return rip != 0 ? rip - 1 : 0;
}

}  // namespace ariadne::arch

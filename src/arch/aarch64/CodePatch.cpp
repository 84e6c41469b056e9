// AArch64 sleds (-fpatchable-function-entry=2):
//   pristine  d503201f d503201f     nop; nop
//   prepared  aa1e03e9 d503201f     mov x9, x30; nop
//   calling   aa1e03e9 94xxxxxx     mov x9, x30; bl target
// Only the second word ever changes while threads run: NOP <-> BL is one of
// the few changes Arm ARM B2.2.5 (concurrent modification and execution)
// allows without stopping the other CPUs. The first word is written once,
// single-threaded, so the LR is already in x9 when the BL appears.
#include "arch/CodePatch.hpp"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {
namespace {

constexpr std::uint32_t kNop = 0xd503201f;
constexpr std::uint32_t kMovX9X30 = 0xaa1e03e9;
constexpr std::uint32_t kBl = 0x94000000;
constexpr std::uint32_t kBlMask = 0xfc000000;
constexpr std::intptr_t kBlReach = std::intptr_t{128} << 20;  // +-128 MiB

constexpr std::uint32_t kLdrX16Literal8 = 0x58000050;  // ldr x16, .+8
constexpr std::uint32_t kBrX16 = 0xd61f0200;           // br x16
constexpr std::size_t kVeneerSize = 16;

std::uint32_t load_word(const std::byte* p) noexcept {
  std::uint32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

std::uint32_t encode_bl(std::uintptr_t from, std::uintptr_t to) noexcept {
  return kBl | (static_cast<std::uint32_t>((to - from) >> 2) & 0x03ffffffu);
}

void flush_icache(std::byte* begin, std::size_t size) noexcept {
  __builtin___clear_cache(reinterpret_cast<char*>(begin), reinterpret_cast<char*>(begin + size));
}

long membarrier(int cmd) noexcept { return raw_syscall(SYS_membarrier, cmd, 0u, 0); }

// Other CPUs may hold the old instruction in their pipelines even after the
// cache maintenance; SYNC_CORE makes every thread of the process execute a
// context synchronisation event before membarrier returns, so when
// toggle_live returns no thread can still run the old sled. The command
// needs a one-time registration. Kernels before 4.16 and some emulators
// answer ENOSYS or EINVAL (qemu-user 7.2 passes the call to the host kernel,
// where it succeeds, although QEMU's own translated-code invalidation is
// what matters there): then we rely on the I-cache maintenance of
// __builtin___clear_cache (DC CVAU / IC IVAU + DSB ISH, broadcast to the
// inner-shareable domain) and on NOP <-> BL being safe for a thread that
// still executes the old word (B2.2.5).
enum : int { kSyncCoreUnknown = 0, kSyncCoreRegistered = 1, kSyncCoreUnavailable = 2 };
std::atomic<int> sync_core_state{kSyncCoreUnknown};

bool sync_core_available() noexcept {
  int state = sync_core_state.load(std::memory_order_acquire);
  if (state == kSyncCoreUnknown) {
    // Registering twice (two threads racing here) is harmless.
    state = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE) == 0 ? kSyncCoreRegistered
                                                                                 : kSyncCoreUnavailable;
    sync_core_state.store(state, std::memory_order_release);
  }
  return state == kSyncCoreRegistered;
}

}  // namespace

std::size_t sled_size() noexcept { return 8; }
unsigned sled_nops() noexcept { return 2; }
std::uintptr_t body_of(std::uintptr_t site) noexcept { return site + 8; }
std::uintptr_t call_reach() noexcept { return static_cast<std::uintptr_t>(kBlReach) - 4; }

SledState classify(const std::byte* site, std::uintptr_t* target) noexcept {
  const std::uint32_t first = load_word(site);
  const std::uint32_t second = load_word(site + 4);
  if (first == kNop && second == kNop) return SledState::pristine;
  if (first != kMovX9X30) return SledState::unknown;
  if (second == kNop) return SledState::prepared;
  if ((second & kBlMask) == kBl) {
    // imm26 is a signed word offset from the BL itself.
    const std::int64_t imm = static_cast<std::int64_t>(static_cast<std::uint64_t>(second) << 38) >> 36;
    if (target != nullptr)
      *target = reinterpret_cast<std::uintptr_t>(site) + 4 + static_cast<std::uintptr_t>(imm);
    return SledState::calling;
  }
  return SledState::unknown;
}

void write_prepared(std::byte* site) noexcept {
  std::memcpy(site, &kMovX9X30, sizeof kMovX9X30);
  __builtin___clear_cache(reinterpret_cast<char*>(site), reinterpret_cast<char*>(site + 8));
}

bool call_reaches(std::uintptr_t site, std::uintptr_t target) noexcept {
  const std::intptr_t delta = static_cast<std::intptr_t>(target - (site + 4));
  return delta >= -kBlReach && delta < kBlReach && (delta & 3) == 0;
}

std::size_t veneer_size() noexcept { return kVeneerSize; }

// nop padding, bti c (the PLT branches with br x17), mov x9, x30; nop
// (the prepared sled), then the veneer (x16 only: IP0 is free at a call,
// the PLT itself uses x16/x17): 4 + 4 + 8 + 16 = 32 bytes, the veneer's
// literal 8-byte aligned.
std::size_t libcall_stub_size() noexcept { return 32; }

void write_libcall_stub(std::byte* at, std::uintptr_t target) noexcept {
  constexpr std::uint32_t kBtiC = 0xd503245f;
  std::memcpy(at, &kNop, 4);
  std::memcpy(at + kLibcallStubEntry, &kBtiC, 4);
  std::memcpy(at + kLibcallStubSite, &kMovX9X30, 4);
  std::memcpy(at + kLibcallStubSite + 4, &kNop, 4);
  write_veneer(at + kLibcallStubSite + 8, target);
  flush_icache(at, libcall_stub_size());
}

// BL keeps the return predictor balanced as it is (the trampoline returns
// into the body with `ret x16`), and what is measured here is instructions:
// no site stubs.
std::size_t site_stub_size() noexcept { return 0; }
std::uintptr_t site_stub_entry() noexcept { return 0; }
bool write_site_stub(std::byte*, std::uintptr_t, std::uintptr_t) noexcept { return false; }

// ldr x16, .+8; br x16; .quad target. Only x16 (IP0, free at a call by the
// ABI) is clobbered and x30 keeps site + 8, as the entry trampoline expects;
// the trampoline's `bti c` accepts a BR through x16. `at` should be 8-byte
// aligned so the literal is one aligned doubleword.
void write_veneer(std::byte* at, std::uintptr_t target) noexcept {
  const std::uint64_t literal = target;
  std::memcpy(at, &kLdrX16Literal8, 4);
  std::memcpy(at + 4, &kBrX16, 4);
  std::memcpy(at + 8, &literal, 8);
  flush_icache(at, kVeneerSize);
}

// bti c, bti jc and paciasp (a landing pad too): kept at the entry.
std::size_t write_diversion(std::byte* entry, std::size_t size, std::uintptr_t target) noexcept {
  constexpr std::uint32_t kLandingPads[] = {0xd503245f, 0xd50324df, 0xd503233f};
  std::uint32_t first;
  std::memcpy(&first, entry, sizeof first);
  std::size_t pad = 0;
  for (const std::uint32_t p : kLandingPads)
    if (first == p) pad = 4;
  if (size < pad + kVeneerSize) return 0;
  write_veneer(entry + pad, target);
  return pad + kVeneerSize;
}

void toggle_live(std::span<const Toggle> batch) noexcept {
  for (const Toggle& t : batch) {
    auto* site = reinterpret_cast<std::byte*>(t.site);
    // A BL without `mov x9, x30` before it would lose the caller's return
    // address: only prepared/calling sleds are toggled.
    if (load_word(site) != kMovX9X30) continue;
    // Out of BL reach is the caller's bug (it should have used a veneer):
    // leave the site alone rather than branch somewhere wrong.
    if (t.target != 0 && !call_reaches(t.site, t.target)) continue;
    const std::uint32_t insn = t.target != 0 ? encode_bl(t.site + 4, t.target) : kNop;
    // One aligned 32-bit store: another CPU fetches either the old or the
    // new instruction, never a mix.
    __atomic_store_n(reinterpret_cast<std::uint32_t*>(site + 4), insn, __ATOMIC_RELAXED);
    flush_icache(site + 4, 4);
  }
  if (!batch.empty() && sync_core_available()) membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE);
}

// Nothing to install: NOP <-> BL in one aligned word is a change the
// architecture allows while other CPUs execute it (no transient trap
// instruction is ever written, unlike x86-64's int3 protocol), so no thread
// can be caught mid-patch.
bool handle_patch_trap(siginfo_t*, void*) noexcept { return false; }
void install_patch_trap_handler() noexcept {}

}  // namespace ariadne::arch

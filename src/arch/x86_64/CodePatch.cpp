// x86-64 sleds (-fpatchable-function-entry=5):
//   pristine  90 90 90 90 90        five 1-byte NOPs (a thread may be between them)
//   prepared  0f 1f 44 00 00        one 5-byte NOP, written once, single-threaded
//   calling   e8 rel32              call target
// Live, only prepared <-> calling changes, one instruction for another:
//   * sled inside one aligned 8-byte word: one atomic 8-byte store (the
//     other 3 bytes rewritten with what they hold); a fetching thread sees
//     the old or the new instruction, never a mix;
//   * otherwise the int3 protocol (as the kernel's text_poke_bp): int3 at
//     byte 0, sync; bytes 1-4, sync; the new byte 0, sync. A thread that
//     meets the transient int3 traps; the SIGTRAP handler below moves it on.
// "sync" serialises every core of the process (membarrier SYNC_CORE), so no
// core keeps executing a stale decode of a sled once a phase is done.
#include "arch/CodePatch.hpp"

#include <linux/membarrier.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "arch/x86_64/PatchTraps.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {
// trampoline.S; weak so that programs linking the patching code without the
// trampolines (the sled benchmarks) do not pull them in.
extern "C" __attribute__((weak)) void ariadne_trace_stub_entry();

namespace {

constexpr unsigned char kPristine[5] = {0x90, 0x90, 0x90, 0x90, 0x90};
constexpr unsigned char kNop5[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
constexpr unsigned char kCall = 0xe8;
constexpr unsigned char kJmp = 0xe9;
constexpr unsigned char kInt3 = 0xcc;
// jmp *0(%rip) followed by the absolute target: no register, no stack.
constexpr unsigned char kVeneerJmp[6] = {0xff, 0x25, 0x00, 0x00, 0x00, 0x00};

}  // namespace

std::size_t sled_size() noexcept { return 5; }
unsigned sled_nops() noexcept { return 5; }
std::uintptr_t body_of(std::uintptr_t site) noexcept { return site + 5; }
std::uintptr_t call_reach() noexcept { return 0x7fff0000u; }

SledState classify(const std::byte* site, std::uintptr_t* target) noexcept {
  if (std::memcmp(site, kPristine, 5) == 0) return SledState::pristine;
  if (std::memcmp(site, kNop5, 5) == 0) return SledState::prepared;
  if (static_cast<unsigned char>(site[0]) == kCall || static_cast<unsigned char>(site[0]) == kJmp) {
    std::int32_t rel;
    std::memcpy(&rel, site + 1, sizeof rel);
    if (target != nullptr)
      *target = reinterpret_cast<std::uintptr_t>(site) + 5 + static_cast<std::intptr_t>(rel);
    return SledState::calling;
  }
  return SledState::unknown;
}

void write_prepared(std::byte* site) noexcept { std::memcpy(site, kNop5, sizeof kNop5); }

bool call_reaches(std::uintptr_t site, std::uintptr_t target) noexcept {
  const std::intptr_t delta = static_cast<std::intptr_t>(target - (site + 5));
  return delta >= INT32_MIN && delta <= INT32_MAX;
}

namespace {

// The batch toggle_live is patching with the int3 protocol, for the trap
// handler: published before the first int3, withdrawn after the last sync.
// [lo, hi] bounds the sites for a cheap "not ours"; inside them the handler
// searches linearly (a trap is rare: only a thread caught mid-patch pays).
struct PublishedBatch {
  const Toggle* sites;
  std::size_t count;
  std::uintptr_t lo, hi;
};
std::atomic<const PublishedBatch*> g_patching{nullptr};
// Trap handlers between loading g_patching and their last read of it:
// toggle_live waits for zero before its batch (caller memory) goes away.
std::atomic<int> g_batch_readers{0};
std::atomic<std::uint64_t> g_traps_handled{0};
struct sigaction g_previous_trap_action;
std::atomic<int> g_trap_handler_state{0};  // 0 none, 1 installing, 2 installed
std::atomic<void (*)(unsigned)> g_int3_phase_hook{nullptr};

void after_phase(unsigned phase) noexcept {
  if (auto* hook = g_int3_phase_hook.load(std::memory_order_relaxed)) hook(phase);
}

bool sled_inside_one_word(std::uintptr_t site) noexcept { return (site & 7) + 5 <= 8; }

// The five bytes a site should hold; false when a call cannot reach.
bool encode(const Toggle& t, unsigned char out[5]) noexcept {
  if (t.target == 0) {
    std::memcpy(out, kNop5, 5);
    return true;
  }
  if (!call_reaches(t.site, t.target)) return false;
  const auto rel = static_cast<std::int32_t>(static_cast<std::intptr_t>(t.target - (t.site + 5)));
  out[0] = t.jump ? kJmp : kCall;
  std::memcpy(out + 1, &rel, 4);
  return true;
}

void store_byte(std::uintptr_t at, unsigned char v) noexcept {
  __atomic_store_n(reinterpret_cast<unsigned char*>(at), v, __ATOMIC_RELAXED);
}

// Serialise every core running this process. Preferred: membarrier
// PRIVATE_EXPEDITED_SYNC_CORE (IPIs the CPUs running our threads; each
// returns to user space through a serialising instruction). Fallback when the
// kernel lacks it (< 4.16, or disabled): downgrading the protection of a page
// of our own flushes its TLB entry on every CPU that runs this mm, by IPI,
// and returning from that interrupt (iret) serialises the interrupted core.
// Threads not running at the time serialise on their way back from the
// scheduler either way.
std::atomic<int> g_sync_mode{0};  // 0 unknown, 1 membarrier, 2 mprotect fallback
unsigned char* g_sync_page = nullptr;

void sync_cores() noexcept {
  if (g_sync_mode.load(std::memory_order_acquire) == 0) {
    const long cmds = raw_syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    if (cmds > 0 && (cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE) != 0 &&
        raw_syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0) {
      g_sync_mode.store(1, std::memory_order_release);
    } else {
      void* p = sys_mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      g_sync_page = p == MAP_FAILED ? nullptr : static_cast<unsigned char*>(p);
      g_sync_mode.store(2, std::memory_order_release);
    }
  }
  if (g_sync_mode.load(std::memory_order_acquire) == 1) {
    raw_syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0);
    return;
  }
  std::atomic_thread_fence(std::memory_order_seq_cst);
  if (g_sync_page != nullptr) {
    sys_mprotect(g_sync_page, 4096, PROT_READ | PROT_WRITE);
    *static_cast<volatile unsigned char*>(g_sync_page) = 1;  // a TLB entry to shoot down
    sys_mprotect(g_sync_page, 4096, PROT_READ);
  }
}

const Toggle* find_in(const PublishedBatch& b, std::uintptr_t site) noexcept {
  if (site < b.lo || site > b.hi) return nullptr;
  for (std::size_t i = 0; i < b.count; ++i)
    if (b.sites[i].site == site) return &b.sites[i];
  return nullptr;
}

bool looks_like_sled(const unsigned char* p) noexcept {
  return p[0] == kCall || p[0] == kJmp || std::memcmp(p, kNop5, 5) == 0;
}

void chain_trap(int sig, siginfo_t* info, void* ctx) noexcept {
  const struct sigaction& prev = g_previous_trap_action;
  if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
    prev.sa_sigaction(sig, info, ctx);
  } else if (prev.sa_handler == SIG_IGN) {
    return;
  } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != nullptr) {
    prev.sa_handler(sig);
  } else {
    // Default action (core dump) with the original siginfo lost: restore it
    // and re-raise; the signal is blocked until this handler returns.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTRAP, &dfl, nullptr);
    sys_raise(SIGTRAP);
  }
}

// The standalone handler (install_patch_trap_handler): ours, else the
// previous handler's.
void on_trap(int sig, siginfo_t* info, void* ctx) noexcept {
  if (!handle_patch_trap(info, ctx)) chain_trap(sig, info, ctx);
}

}  // namespace

// A thread that executed a transient int3 at site S arrives with RIP = S+1.
// Async-signal-safe: atomics and plain reads only.
bool handle_patch_trap(siginfo_t* info, void* ctx) noexcept {
  auto* uc = static_cast<ucontext_t*>(ctx);
  const auto rip = static_cast<std::uintptr_t>(uc->uc_mcontext.gregs[REG_RIP]);
  // int3 raises SIGTRAP with si_code SI_KERNEL; kill/raise/single-steps do not.
  if (info == nullptr || info->si_code != SI_KERNEL || rip == 0) return false;
  const std::uintptr_t site = rip - 1;
  const auto* code = reinterpret_cast<const unsigned char*>(site);
  // Registered as a reader first, so a batch seen published stays alive
  // (toggle_live waits for readers) and no batch can finish between our
  // reading the int3 and our looking for its site. A few rounds: the batch
  // that wrote the int3 may finish, or the next one start, while we look.
  g_batch_readers.fetch_add(1, std::memory_order_seq_cst);
  std::uintptr_t resume = 0;
  for (int round = 0; round < 4 && resume == 0; ++round) {
    if (__atomic_load_n(code, __ATOMIC_SEQ_CST) != kInt3) {
      // The patch finished after this thread trapped: run the new sled. (A
      // program's own int3 would still be there.)
      if (looks_like_sled(code)) resume = site;
      break;
    }
    const PublishedBatch* b = g_patching.load(std::memory_order_seq_cst);
    // Mid-patch: the sled is a NOP for this call (the call is not traced).
    if (b != nullptr && find_in(*b, site) != nullptr) resume = site + 5;
  }
  g_batch_readers.fetch_sub(1, std::memory_order_release);
  if (resume == 0) return false;
  uc->uc_mcontext.gregs[REG_RIP] = static_cast<greg_t>(resume);
  g_traps_handled.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void set_int3_phase_hook(void (*hook)(unsigned phase)) noexcept { g_int3_phase_hook.store(hook); }

std::uint64_t patch_traps_handled() noexcept { return g_traps_handled.load(std::memory_order_relaxed); }

std::size_t veneer_size() noexcept { return sizeof kVeneerJmp + 8; }

void write_veneer(std::byte* at, std::uintptr_t target) noexcept {
  std::memcpy(at, kVeneerJmp, sizeof kVeneerJmp);
  const std::uint64_t abs = target;
  std::memcpy(at + sizeof kVeneerJmp, &abs, sizeof abs);
}

std::size_t write_diversion(std::byte* entry, std::size_t size, std::uintptr_t target) noexcept {
  constexpr unsigned char kEndbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
  const std::size_t pad = std::memcmp(entry, kEndbr64, sizeof kEndbr64) == 0 ? sizeof kEndbr64 : 0;
  if (size < pad + veneer_size()) return 0;
  write_veneer(entry + pad, target);
  return pad + veneer_size();
}

// int3 padding, endbr64 (the PLT's jmp is indirect), the prepared sled,
// then the veneer: 8 + 5 + 14 = 27 bytes.
std::size_t libcall_stub_size() noexcept { return 32; }

void write_libcall_stub(std::byte* at, std::uintptr_t target) noexcept {
  constexpr unsigned char kEndbr64[4] = {0xf3, 0x0f, 0x1e, 0xfa};
  std::memset(at, kInt3, libcall_stub_size());
  std::memcpy(at + kLibcallStubEntry, kEndbr64, sizeof kEndbr64);
  std::memcpy(at + kLibcallStubSite, kNop5, sizeof kNop5);
  write_veneer(at + kLibcallStubSite + sizeof kNop5, target);
}

std::size_t site_stub_size() noexcept { return 16; }
std::uintptr_t site_stub_entry() noexcept {
  return reinterpret_cast<std::uintptr_t>(&ariadne_trace_stub_entry);
}

bool write_site_stub(std::byte* at, std::uintptr_t record, std::uintptr_t target) noexcept {
  const auto address = reinterpret_cast<std::uintptr_t>(at);
  // movabs $record, %r11 (49 bb imm64); jmp rel32 (e9), from at + 10; int3.
  const std::intptr_t delta = static_cast<std::intptr_t>(target - (address + 15));
  if (delta != static_cast<std::int32_t>(delta)) return false;
  unsigned char code[16] = {0x49, 0xbb};
  const std::uint64_t imm = record;
  std::memcpy(code + 2, &imm, 8);
  code[10] = kJmp;
  const auto rel = static_cast<std::int32_t>(delta);
  std::memcpy(code + 11, &rel, 4);
  code[15] = kInt3;
  std::memcpy(at, code, sizeof code);
  return true;
}

void install_patch_trap_handler() noexcept {
  int expected = 0;
  if (!g_trap_handler_state.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) return;
  struct sigaction sa {};
  sa.sa_sigaction = on_trap;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTRAP, &sa, &g_previous_trap_action);
  g_trap_handler_state.store(2, std::memory_order_release);
}

void toggle_live(std::span<const Toggle> batch) noexcept {
  // Sleds inside one word: one store each, no trap window.
  bool any_stored = false;
  std::size_t crossing = 0;
  std::uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (const Toggle& t : batch) {
    unsigned char insn[5];
    if (!encode(t, insn)) continue;
    if (!sled_inside_one_word(t.site)) {
      ++crossing;
      lo = t.site < lo ? t.site : lo;
      hi = t.site > hi ? t.site : hi;
      continue;
    }
    auto* word = reinterpret_cast<std::uint64_t*>(t.site & ~std::uintptr_t{7});
    std::uint64_t v = __atomic_load_n(word, __ATOMIC_RELAXED);
    std::memcpy(reinterpret_cast<unsigned char*>(&v) + (t.site & 7), insn, 5);
    __atomic_store_n(word, v, __ATOMIC_RELEASE);
    any_stored = true;
  }
  if (crossing == 0) {
    if (any_stored) sync_cores();
    return;
  }

  // The int3 protocol, each phase over the whole batch: three syncs in all.
  const PublishedBatch published{batch.data(), batch.size(), lo, hi};
  g_patching.store(&published, std::memory_order_seq_cst);
  unsigned char insn[5];
  for (const Toggle& t : batch)
    if (!sled_inside_one_word(t.site) && encode(t, insn)) store_byte(t.site, kInt3);
  sync_cores();
  after_phase(1);
  for (const Toggle& t : batch)
    if (!sled_inside_one_word(t.site) && encode(t, insn))
      for (unsigned i = 1; i < 5; ++i) store_byte(t.site + i, insn[i]);
  sync_cores();
  after_phase(2);
  for (const Toggle& t : batch)
    if (!sled_inside_one_word(t.site) && encode(t, insn)) store_byte(t.site, insn[0]);
  sync_cores();
  g_patching.store(nullptr, std::memory_order_seq_cst);
  while (g_batch_readers.load(std::memory_order_acquire) != 0) {
  }
}

}  // namespace ariadne::arch

// x86-64 half of arch/SyscallTrap.hpp: Syscall User Dispatch (Linux 5.11+,
// prctl PR_SET_SYSCALL_USER_DISPATCH).
//
// A thread that turned it on has every `syscall` instruction outside one
// exempt range (raw_syscall.S: the runtime's stub and this handler's
// restorer) checked against a selector byte of its own: "allow" goes to the
// kernel, "block" makes the kernel undo the call and raise SIGSYS at the
// instruction after it, the number in rax, the arguments in their
// registers. The handler runs the call through TrappedSyscall and puts the
// result in rax, as the kernel would have.
//
// The selector blocks only while the thread runs program code: the handler
// itself, a paused thread (the real function of an intercepted call) and a
// stopped one allow. Measured here: +3.1 us a trapped call (docs/replay.md).
#include "arch/SyscallTrap.hpp"

#include <signal.h>
#include <sys/syscall.h>
#include <ucontext.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "arch/RawSyscall.hpp"

extern "C" {
extern const char ariadne_syscall_exempt_begin[];
extern const char ariadne_syscall_exempt_end[];
void ariadne_syscall_trap_restorer();
}

namespace ariadne::arch {
namespace {

constexpr int kSetSyscallUserDispatch = 59;      // PR_SET_SYSCALL_USER_DISPATCH
constexpr long kDispatchOn = 1;                  // PR_SYS_DISPATCH_ON
constexpr char kAllow = 0;                       // SYSCALL_DISPATCH_FILTER_ALLOW
constexpr char kBlock = 1;                       // SYSCALL_DISPATCH_FILTER_BLOCK
constexpr int kUserDispatchCode = 2;             // si_code SYS_USER_DISPATCH
constexpr unsigned long kRestorer = 0x04000000;  // SA_RESTORER (the kernel's, not in libc's headers)

// The calling thread's trap (initial-exec TLS: the handler reads it).
struct ThreadTrap {
  volatile char selector = kAllow;  // read by the kernel at every syscall
  bool started = false;
  bool stopped = false;
  bool paused = false;
  bool in_handler = false;
};
constinit thread_local ThreadTrap t_trap;

constinit TrappedSyscall g_handler = nullptr;
constinit std::atomic<std::uint64_t> g_trapped{0};
struct CodeRange {
  std::uintptr_t begin, end;
};
constinit CodeRange g_exempt[kMaxExemptCode] = {};
constinit int g_exempt_count = 0;

void settle_selector() noexcept {
  ThreadTrap& t = t_trap;
  t.selector = t.started && !t.stopped && !t.paused && !t.in_handler ? kBlock : kAllow;
}

bool exempt(std::uintptr_t pc) noexcept {
  for (int i = 0; i < g_exempt_count; ++i)
    if (pc >= g_exempt[i].begin && pc < g_exempt[i].end) return true;
  return false;
}

// The kernel's struct sigaction (rt_sigaction's, not libc's).
struct KernelAction {
  void (*handler)(int, siginfo_t*, void*);
  unsigned long flags;
  void (*restorer)();
  std::uint64_t mask;
};

// The program's signal handler returned through libc's restorer, whose
// rt_sigreturn trapped: it would restore the frame at the stack pointer
// (the handler's ret popped the frame's return address). That state becomes
// this handler's, and its own rt_sigreturn (the exempt restorer) restores
// it. The FP state stays where the program's frame holds it: the context's
// fpregs pointer is followed by the kernel, not copied.
void return_from_program_frame(ucontext_t* uc) noexcept {
  const auto* program = reinterpret_cast<const ucontext_t*>(uc->uc_mcontext.gregs[REG_RSP]);
  uc->uc_flags = program->uc_flags;
  uc->uc_stack = program->uc_stack;
  std::memcpy(&uc->uc_mcontext, &program->uc_mcontext, sizeof uc->uc_mcontext);
  std::memcpy(&uc->uc_sigmask, &program->uc_sigmask, sizeof(std::uint64_t));  // the kernel's 64 bits
}

void on_sigsys(int, siginfo_t* info, void* context) {
  if (info->si_code != kUserDispatchCode) return;  // a SIGSYS sent by someone: not ours
  auto* uc = static_cast<ucontext_t*>(context);
  greg_t* g = uc->uc_mcontext.gregs;
  const long nr = g[REG_RAX];
  g_trapped.fetch_add(1, std::memory_order_relaxed);
  if (nr == SYS_rt_sigreturn) {
    return_from_program_frame(uc);
    return;
  }
  const long args[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
  const int saved_errno = errno;
  ThreadTrap& t = t_trap;
  t.in_handler = true;
  settle_selector();
  const long r = exempt(static_cast<std::uintptr_t>(g[REG_RIP]))
                     ? ariadne_raw_syscall(nr, args[0], args[1], args[2], args[3], args[4], args[5])
                     : g_handler(nr, args);
  t.in_handler = false;
  settle_selector();
  errno = saved_errno;
  g[REG_RAX] = r;
}

}  // namespace

bool install_syscall_trap(TrappedSyscall handler) noexcept {
  if (handler == nullptr) return false;
  g_handler = handler;
  // SA_RESTORER: the return must be made from the exempt range. SIGSYS is
  // blocked while the handler runs, and the kernel delivers a trap's SIGSYS
  // even where the program blocked it.
  const KernelAction action{on_sigsys, SA_SIGINFO | kRestorer, ariadne_syscall_trap_restorer, 0};
  return raw_syscall(SYS_rt_sigaction, SIGSYS, &action, nullptr, sizeof(std::uint64_t)) == 0;
}

bool start_syscall_trap() noexcept {
  if (g_handler == nullptr) return false;
  ThreadTrap& t = t_trap;
  t.selector = kAllow;
  const auto begin = reinterpret_cast<std::uintptr_t>(ariadne_syscall_exempt_begin);
  const auto length = reinterpret_cast<std::uintptr_t>(ariadne_syscall_exempt_end) - begin;
  if (raw_syscall(SYS_prctl, kSetSyscallUserDispatch, kDispatchOn, begin, length, &t.selector) != 0)
    return false;
  t.started = true;
  t.stopped = false;
  settle_selector();
  return true;
}

void stop_syscall_trap() noexcept {
  t_trap.stopped = true;
  settle_selector();
}

int syscall_trap_signal() noexcept { return g_handler != nullptr ? SIGSYS : 0; }

bool syscall_trap_started() noexcept { return t_trap.started && !t_trap.stopped; }

bool pause_syscall_trap(bool paused) noexcept {
  const bool was = t_trap.paused;
  t_trap.paused = paused;
  settle_selector();
  return was;
}

bool exempt_code(std::uintptr_t begin, std::uintptr_t end) noexcept {
  if (g_exempt_count == kMaxExemptCode || begin >= end) return false;
  g_exempt[g_exempt_count++] = {begin, end};
  return true;
}

std::uint64_t trapped_syscalls() noexcept { return g_trapped.load(std::memory_order_relaxed); }

}  // namespace ariadne::arch

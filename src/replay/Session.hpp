// The replay session inside the target (libariadne-replay.so): one thread of
// the program runs at a time, the baton passes at deterministic points, and
// every such point is logged (record) or followed from the log (replay).
// docs/replay.md is the design; this is its first version, which intercepts
// at the libc boundary (the interposers in *Interposers.cpp).
//
// Everything here runs on the program's threads, inside its calls: no
// allocation, no locks of libc, no exceptions; the runtime's own system
// calls go through the raw layer (arch/RawSyscall.hpp).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "replay/ReplayFormat.hpp"

namespace ariadne::replay {

enum class Mode { off, record, replay };

inline constexpr std::uint32_t kMaxThreads = 1024;
// ARIADNE_REPLAY's value is padded to exactly this length (see Session.cpp).
inline constexpr std::size_t kReplaySettingsLength = 3000;

struct ReplayThread {
  std::uint32_t index = 0;
  std::atomic<std::uint32_t> go{0};  // futex word: the baton was handed to this thread
  std::atomic<std::uint32_t> state{0};
  std::uint64_t points = 0;  // runtime points passed (calls intercepted)
  std::uint64_t budget = 0;  // tick at which the thread's turn ends
  // Virtual waits (mutex, condvar, futex, join...): the object waited on and
  // the order of the wait among all waits (a waker's choice makes it kRunnable).
  const void* wait_addr = nullptr;
  std::uint64_t wait_seq = 0;
  std::uint64_t calls_unchecked = 0;  // record: intercepted calls since held signals were looked for
  // The held signals (Signals.hpp) the program has blocked on this thread:
  // the kernel blocks them all the time; this is the program's own mask.
  std::uint64_t program_blocked = 0;
  // Record: the thread waits in a call with held signals let through
  // (Signals.hpp open_signals_for_wait), and those of them with a handler
  // that arrived meanwhile, to be sent again once the call returned.
  std::atomic<bool> in_wait{false};
  std::atomic<std::uint64_t> deferred{0};
  std::uint32_t in_stream = 0;  // in a stdio stream's function (StdioInterposers.cpp)
  // In the real function of an intercepted call: what it calls on its way
  // (libc's own clock reads, through the diverted vDSO) is part of that call,
  // not a call of its own (ClockInterposers.cpp).
  bool in_real_call = false;
  bool trap_pending = false;  // its system calls are trapped from its next point (Session.cpp)
  bool exit_seen = false;
  bool exit_deferred = false;  // the exit key's destructor ran once (Session.cpp)
  // pthread_create's start routine and argument, kept here (no allocation).
  void* (*start)(void*) = nullptr;
  void* arg = nullptr;
  unsigned long handle = 0;  // pthread_t
};

enum ThreadState : std::uint32_t { kUnused = 0, kRunning, kRunnable, kWaiting, kBlocked, kExited };

struct OutBuf {
  void* p;
  std::size_t n;
};
// The most memory ranges one call writes (readv's iovecs; more are refused).
inline constexpr int kMaxOutBufs = 8;

Mode mode() noexcept;
// The calling thread's state, or nullptr for a thread replay does not manage
// (the session is off, or a thread made by other means than pthread_create).
ReplayThread* self() noexcept;

// Starts from the environment (ARIADNE_REPLAY): called from the library's
// constructor.
void start_from_environment() noexcept;
// Diverts the nondeterministic instructions of every instrumented module,
// now and at each dlopen (NondetInsns.cpp); how many are diverted.
void divert_nondet_instructions() noexcept;
// The vDSO's clock functions diverted into the logged clock calls
// (ClockInterposers.cpp): libc's internal calls reach them without passing
// its exported functions. Before main, single-threaded.
void divert_vdso() noexcept;
std::size_t nondet_sites() noexcept;
// stdin as a stream whose reads are intercepted (StdioInterposers.cpp).
void replace_stdin() noexcept;

// The tick handler's slow path: the thread's budget ran out.
void tick_point(ReplayThread* me, std::uint64_t ticks) noexcept;
// A new thread's system calls are trapped from its first intercepted call on.
void start_pending_trap(ReplayThread* me) noexcept;

// An intercepted call. Record: runs `real` (without the baton when
// `blocking`), logs its result, errno and the memory `outs` says it wrote.
// Replay: checks the call against the log and hands back the logged result,
// errno and memory; runs `real` only when `execute` (writes to the
// terminal, calls that change the process itself). With `reimpose`, replay
// calls it instead (given the logged event) and the call's result must be
// the logged one, else the replay diverges: calls whose result replay cannot
// hand back but must reproduce (mmap's address: MemoryInterposers.cpp).
struct CallSpec {
  std::uint64_t nr;
  std::uint64_t digest;
  bool blocking;
  bool execute_in_replay;
  long (*reimpose)(void* ctx, const EventView& logged) = nullptr;
  // Replay makes it and compares its result with the logged one (a call
  // whose outputs replay does not know: libc's syscall() with a number it
  // has no interposer for).
  bool compare_result = false;
};
using RealCall = long (*)(void* ctx);
using CallOutputs = int (*)(void* ctx, long result, OutBuf out[kMaxOutBufs]);
long intercept(ReplayThread* me, const CallSpec& spec, RealCall real, CallOutputs outs, void* ctx) noexcept;

// Thread life, from the pthread interposers.
std::uint32_t reserve_thread(ReplayThread* parent) noexcept;  // a slot for a new thread (holder only)
ReplayThread* thread_slot(std::uint32_t index) noexcept;
void thread_created(ReplayThread* parent, std::uint32_t child, int result) noexcept;
void thread_started(ReplayThread* me) noexcept;  // on the new thread: wait for the baton
void thread_ending(ReplayThread* me) noexcept;   // the thread's last program code has run
ReplayThread* thread_by_handle(unsigned long handle) noexcept;
void process_exiting(ReplayThread* me, int status, bool status_known) noexcept;

// Virtual waits, for the holder: wait until a wake() on addr chooses this
// thread. wake(addr, n) chooses up to n waiters, oldest first; returns how many.
void wait_on(ReplayThread* me, const void* addr) noexcept;
int wake(const void* addr, int n) noexcept;
// Moves up to n waiters on `from` to `to` (FUTEX_CMP_REQUEUE); returns how many.
int requeue(const void* from, const void* to, int n) noexcept;
// Lets the other runnable threads run (sched_yield, and polling waits);
// false when no other thread was runnable.
bool yield(ReplayThread* me, Reason why) noexcept;
// A runtime point where chaos mode (Chaos.hpp) may hand the baton to a
// queued thread of higher priority: after an intercepted call, a thread
// made, a waiter woken. Counted as a point in every run; replay hands over
// where the log says the recording did.
void chaos_point(ReplayThread* me) noexcept;

// 64-bit FNV-1a, for argument digests.
inline std::uint64_t digest(std::uint64_t h, const void* p, std::size_t n) noexcept {
  const auto* b = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}
inline std::uint64_t digest_words(std::initializer_list<std::uint64_t> words) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (std::uint64_t w : words) h = digest(h, &w, sizeof w);
  return h;
}

}  // namespace ariadne::replay

// Preemption: the ticker, the level-1 tick handler and entry hook, the
// level-2 signal handler (Preempt.hpp says how they fit).
#include "fiber/Preempt.hpp"

#include <dlfcn.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "arch/PreemptContext.hpp"
#include "ariadne/trace.hpp"
#include "fiber/FiberControl.hpp"
#include "fiber/SchedulerCore.hpp"
#include "fiber/Waiter.hpp"
#include "fiber/Worker.hpp"

namespace ariadne::fiber::detail {

namespace {

namespace trace = ariadne::trace;

// libariadne-rt.so's API, looked up by (mangled) name: the fiber library
// links and runs without the runtime (as StackSwitchHook.cpp).
struct Runtime {
  int (*add_tick_handler)(trace::EntryHandler, void*) = nullptr;
  void (*set_tick_budget)(const std::uint64_t*) = nullptr;
  long (*enable)(trace::Selector) = nullptr;
  const trace::Site* (*find_site)(std::uintptr_t) = nullptr;
  bool (*runtime_busy)() = nullptr;
  std::atomic<bool> found{false};  // read by workers of any scheduler
};
Runtime g_rt;

template <class Fn>
void look_up(Fn& fn, const char* name) {
  fn = reinterpret_cast<Fn>(::dlsym(RTLD_DEFAULT, name));
}

bool g_drop_fp_simd = false;  // the torture test's mutant
int g_signal = 0;             // the level-2 signal, once installed

// The interrupted PCs of asynchronous preemptions (for tests).
std::uintptr_t g_pc_log[kPreemptPcLog];
std::atomic<std::uint64_t> g_pc_count{0};  // also: asynchronous preemptions in all
std::atomic<std::uint64_t> g_total_entry{0}, g_total_deferred{0};

void count_deferred(Worker& w) noexcept {
  w.sched().preempt_deferred.fetch_add(1, std::memory_order_relaxed);
  g_total_deferred.fetch_add(1, std::memory_order_relaxed);
}

std::int64_t now_ns() noexcept {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Set while this thread runs the signal handler's own code: at -O0 the
// std::atomic members it calls may be instrumented copies (the linker's
// pick among the COMDAT copies), and their entries must not be preemption
// points (on_tick runs for them). Only plain thread-local reads and writes
// come before it is set.
thread_local int t_in_signal_handler = 0;

enum class Verdict { not_due, unsafe, preempt };

// Whether the fiber running on w may leave it now, at stack pointer sp.
// Called from the tick handler and the signal handler: reads only.
Verdict judge(Worker* w, std::uintptr_t sp) noexcept {
  if (w == nullptr || !w->running.load(std::memory_order_relaxed)) return Verdict::not_due;
  FiberControl* f = w->current();
  if (f == nullptr) return Verdict::not_due;
  if (w->due_seq.load(std::memory_order_relaxed) != w->run_seq.load(std::memory_order_relaxed))
    return Verdict::not_due;
  if (t_spin_depth != 0 || f->no_preempt.load(std::memory_order_relaxed) != 0) return Verdict::unsafe;
  // On the fiber's own stack, not the worker's (the scheduler's loop).
  const auto lo = reinterpret_cast<std::uintptr_t>(f->target.stack_bottom);
  if (sp < lo || sp >= lo + f->target.stack_size) return Verdict::unsafe;
  return Verdict::preempt;
}

void slice_taken(Worker& w) noexcept {
  w.due_seq.store(~std::uint64_t{0}, std::memory_order_relaxed);
  w.tick_budget.store(~std::uint64_t{0}, std::memory_order_relaxed);
}

// Level 1: the runtime calls this at entries once the worker's budget (0
// when the slice is over) is reached, and at every entry of a thread that
// is not a worker. It runs inside the runtime, so it does not switch: it
// sends the entry on to ariadne_preempt_entry_stub, which yields once the
// runtime is done with the call.
void on_tick(const trace::Site&, trace::Frame& frame, void*) {
  if (t_in_signal_handler != 0) return;  // an entry the signal handler made
  Worker* w = current_worker();
  if (w == nullptr) return;
  switch (judge(w, arch::preempt_entry_sp(frame))) {
    case Verdict::not_due:
      // A stale budget (the slice was taken by the signal, or ended).
      if (w->due_seq.load(std::memory_order_relaxed) != w->run_seq.load(std::memory_order_relaxed))
        w->tick_budget.store(~std::uint64_t{0}, std::memory_order_relaxed);
      return;
    case Verdict::unsafe:
      count_deferred(*w);
      return;  // the budget stays 0: the next entry asks again
    case Verdict::preempt:
      break;
  }
  // Only an entry called from instrumented code: in a -O0 build the
  // library's own calls to inline functions (std::move, std::atomic's
  // members) may reach the instrumented copies the linker kept, and such an
  // entry is inside the scheduler (or another library), not a safe point.
  if (g_rt.find_site(arch::preempt_return_address(frame)) == nullptr) {
    count_deferred(*w);
    return;
  }
  slice_taken(*w);
  w->current()->entry_resume = frame.resume;
  frame.resume = reinterpret_cast<std::uintptr_t>(&ariadne_preempt_entry_stub);
  w->sched().preempt_entry.fetch_add(1, std::memory_order_relaxed);
  g_total_entry.fetch_add(1, std::memory_order_relaxed);
}

void set_to_current_thread(void* ucontext) noexcept {
  // The signal frame restores the mask and the alternate signal stack of
  // the thread the fiber was interrupted on; it may go on on another one,
  // whose own must stay.
  auto* uc = static_cast<ucontext_t*>(ucontext);
  syscall(SYS_rt_sigprocmask, SIG_BLOCK, nullptr, &uc->uc_sigmask, 8);
  stack_t ss{};
  if (syscall(SYS_sigaltstack, nullptr, &ss) == 0) uc->uc_stack = ss;
}

// Level 2. The signal is blocked while the handler runs (no nesting of
// queued instances); it is unblocked just before the fiber switches away,
// so that the worker takes the next one. One in flight per worker
// (signal_sent), so instances never pile up.
[[maybe_unused]] void on_signal(int sig, siginfo_t*, void* ucontext) {
  ++t_in_signal_handler;
  const int saved_errno = errno;
  Worker* w = current_worker();
  if (w != nullptr) w->signal_sent.store(false, std::memory_order_relaxed);
  const Verdict v = judge(w, arch::interrupted_sp(ucontext));
  if (v == Verdict::not_due) {
    errno = saved_errno;
    --t_in_signal_handler;
    return;
  }
  const std::uintptr_t pc = arch::interrupted_pc(ucontext);
  // Only code the runtime knows as a site's function, and not while the
  // runtime itself works on this thread (a handler calling such code).
  if (v == Verdict::unsafe || g_rt.find_site(pc) == nullptr || g_rt.runtime_busy()) {
    count_deferred(*w);
    errno = saved_errno;
    --t_in_signal_handler;
    return;
  }
  slice_taken(*w);
  const std::uint64_t n = g_pc_count.fetch_add(1, std::memory_order_relaxed);
  g_pc_log[n % kPreemptPcLog] = pc;
  w->sched().preempt_async.fetch_add(1, std::memory_order_relaxed);
  sigset_t self;
  sigemptyset(&self);
  sigaddset(&self, sig);
  syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &self, nullptr, 8);
  // The fiber goes with its own guard (the thread's stays with the thread).
  FiberControl* f = w->current();
  f->no_preempt.fetch_add(1, std::memory_order_relaxed);
  --t_in_signal_handler;
  PostAction action{PostAction::yield};
  w->suspend_current(action);
  // Running again, perhaps on another worker.
  ++t_in_signal_handler;
  f->no_preempt.fetch_sub(1, std::memory_order_relaxed);
  set_to_current_thread(ucontext);
  if (g_drop_fp_simd) arch::drop_fp_simd(ucontext);
  errno = saved_errno;
  --t_in_signal_handler;
}

using SigactionFn = int (*)(int, const struct sigaction*, struct sigaction*);

// libc's own sigaction: the runtime's signal broker, which interposes
// sigaction, would run the handler inside its own frames, and a fiber must
// not carry runtime frames to another thread.
[[maybe_unused]] SigactionFn libc_sigaction() noexcept {
  if (void* libc = ::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD)) {
    auto fn = reinterpret_cast<SigactionFn>(::dlsym(libc, "sigaction"));
    ::dlclose(libc);
    if (fn != nullptr) return fn;
  }
  return &::sigaction;
}

bool find_runtime() noexcept {
  static const bool found = [] {
    look_up(g_rt.add_tick_handler, "_ZN7ariadne5trace16add_tick_handlerEPFvRKNS0_4SiteERNS0_5FrameEPvES6_");
    look_up(g_rt.set_tick_budget, "_ZN7ariadne5trace15set_tick_budgetEPKm");
    look_up(g_rt.enable, "_ZN7ariadne5trace6enableENS0_8SelectorE");
    look_up(g_rt.find_site, "_ZN7ariadne5trace9find_siteEm");
    look_up(g_rt.runtime_busy, "_ZN7ariadne5trace12runtime_busyEv");
    if (!g_rt.add_tick_handler || !g_rt.set_tick_budget || !g_rt.enable || !g_rt.find_site ||
        !g_rt.runtime_busy)
      return false;
    if (!arch::preempt_arch_init()) return false;
    const char* mutant = std::getenv("ARIADNE_PREEMPT_MUTANT");
    g_drop_fp_simd = mutant != nullptr && std::strcmp(mutant, "skip_fp") == 0;
    if (g_rt.add_tick_handler(&on_tick, nullptr) < 0) return false;
    g_rt.enable(trace::all());
#if !defined(ARIADNE_TSAN)
    // TSan runs a program's handler later, from its own interceptors, with
    // a copy of the context: switching there would carry TSan's frames to
    // another thread. Under TSan only level 1 preempts.
    struct sigaction sa {};
    sa.sa_sigaction = &on_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    const int sig = SIGRTMIN + 7;
    if (libc_sigaction()(sig, &sa, nullptr) == 0) g_signal = sig;
#endif
    g_rt.found.store(true, std::memory_order_release);
    return true;
  }();
  return found;
}

}  // namespace

PreemptTicker::PreemptTicker(SchedulerCore& sched) : sched_(sched), thread_([this] { loop(); }) {}

PreemptTicker::~PreemptTicker() {
  {
    std::lock_guard g(lock_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

// Every half slice: a worker whose fiber has run a whole slice gets its
// budget set to 0 (level 1) and the signal (level 2), again at each look
// while the fiber stays (the handler may have had to let it go on).
void PreemptTicker::loop() {
  const auto slice = sched_.options.time_slice;
  const std::int64_t slice_ns = slice.count();
  const auto period = std::max<std::chrono::nanoseconds>(slice / 2, std::chrono::microseconds(50));
  const pid_t pid = ::getpid();
  std::unique_lock lk(lock_);
  while (!stop_cv_.wait_for(lk, period, [this] { return stop_; })) {
    const std::int64_t now = now_ns();
    for (auto& w : sched_.workers) {
      if (!w->running.load(std::memory_order_acquire)) continue;
      const std::uint64_t seq = w->run_seq.load(std::memory_order_acquire);
      if (now - w->slice_start_ns.load(std::memory_order_relaxed) < slice_ns) continue;
      w->due_seq.store(seq, std::memory_order_relaxed);
      w->tick_budget.store(0, std::memory_order_relaxed);
      if (g_signal != 0 && w->tid() != 0 && !w->signal_sent.exchange(true, std::memory_order_relaxed))
        syscall(SYS_tgkill, pid, w->tid(), g_signal);
    }
  }
}

std::unique_ptr<PreemptTicker> start_preemption(SchedulerCore& sched) {
  if (sched.options.time_slice.count() <= 0 || !find_runtime()) return nullptr;
  return std::make_unique<PreemptTicker>(sched);
}

void preempt_worker_started(Worker& w) noexcept {
  if (w.sched().options.time_slice.count() > 0 && g_rt.found.load(std::memory_order_acquire))
    g_rt.set_tick_budget(reinterpret_cast<const std::uint64_t*>(&w.tick_budget));
}

void preempt_slice_begins(Worker& w) noexcept {
  w.tick_budget.store(~std::uint64_t{0}, std::memory_order_relaxed);
  w.slice_start_ns.store(now_ns(), std::memory_order_relaxed);
  w.run_seq.fetch_add(1, std::memory_order_release);
  w.running.store(true, std::memory_order_release);
}

void preempt_slice_ends(Worker& w) noexcept { w.running.store(false, std::memory_order_release); }

PreemptTotals preempt_totals() noexcept {
  return {g_total_entry.load(std::memory_order_relaxed), g_pc_count.load(std::memory_order_relaxed),
          g_total_deferred.load(std::memory_order_relaxed)};
}

std::size_t preempted_pcs(std::uintptr_t* out, std::size_t max) noexcept {
  const std::uint64_t n = g_pc_count.load(std::memory_order_acquire);
  const std::uint64_t first = n > kPreemptPcLog ? n - kPreemptPcLog : 0;
  std::size_t k = 0;
  for (std::uint64_t i = first; i < n && k < max; ++i) out[k++] = g_pc_log[i % kPreemptPcLog];
  return k;
}

}  // namespace ariadne::fiber::detail

using namespace ariadne::fiber::detail;

// Level 1, from src/arch/<arch>/preempt.S on the fiber's stack with its
// entry registers saved: yield, then tell the stub where the function goes on.
extern "C" std::uintptr_t ariadne_preempt_at_entry() {
  FiberControl* f = current_fiber();
  const std::uintptr_t resume = f->entry_resume;
  // The switch is library code too (a preemption inside it, at an
  // instrumented copy of an inline it calls, would nest switches).
  f->no_preempt.fetch_add(1, std::memory_order_relaxed);
  PostAction action{PostAction::yield};
  current_worker()->suspend_current(action);
  f->no_preempt.fetch_sub(1, std::memory_order_relaxed);
  return resume;
}

namespace ariadne::fiber {

NoPreempt::NoPreempt() noexcept : fiber_(detail::current_fiber()) {
  if (fiber_ != nullptr) fiber_->no_preempt.fetch_add(1, std::memory_order_relaxed);
}

NoPreempt::~NoPreempt() {
  if (fiber_ != nullptr) fiber_->no_preempt.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace ariadne::fiber

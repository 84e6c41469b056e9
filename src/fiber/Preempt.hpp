// Preemption (SchedulerOptions::time_slice): a ticker thread per scheduler
// marks a worker's slice over; the fiber then leaves its worker at the first
// safe point, by one of two paths:
//  * level 1, at its next instrumented function entry: libariadne-rt.so's
//    tick handler (trace::add_tick_handler) redirects the entry into
//    src/arch/<arch>/preempt.S, which saves the frame (PreemptFrame.hpp),
//    yields, restores it and goes on into the function;
//  * level 2, in call-free code: the ticker sends the worker a signal whose
//    handler, where the interrupted PC is instrumented code, yields from the
//    signal context; the kernel's signal frame on the fiber's stack (below
//    the red zone) holds every register, and rt_sigreturn restores them all
//    when the fiber runs again, on whichever worker.
// Never inside the runtime, libc or any code without a site, the scheduler,
// a held SpinLock or a NoPreempt region: there the preemption waits. The
// library's entry points that run on a fiber (spawn, join, Mutex, ...) hold
// a NoPreempt: an inline or template function they call may be the copy the
// linker took from an instrumented unit (in -O0 builds, std::atomic's
// members), which is instrumented code running inside the scheduler.
#ifndef ARIADNE_FIBER_PREEMPT_HPP
#define ARIADNE_FIBER_PREEMPT_HPP

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace ariadne::fiber::detail {

struct SchedulerCore;
class Worker;

class PreemptTicker {
 public:
  explicit PreemptTicker(SchedulerCore& sched);
  ~PreemptTicker();
  PreemptTicker(const PreemptTicker&) = delete;
  PreemptTicker& operator=(const PreemptTicker&) = delete;

 private:
  void loop();
  SchedulerCore& sched_;
  std::mutex lock_;
  std::condition_variable stop_cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Starts preemption for `sched` (time_slice > 0) when libariadne-rt.so is
// loaded: registers the tick handler, enables every site, installs the
// signal handler (once per process) and returns the ticker. nullptr when
// the runtime is absent: the scheduler stays cooperative.
std::unique_ptr<PreemptTicker> start_preemption(SchedulerCore& sched);
// On the worker's thread, before it runs fibers: its tick budget.
void preempt_worker_started(Worker& w) noexcept;
// A fiber starts a slice on w.
void preempt_slice_begins(Worker& w) noexcept;
void preempt_slice_ends(Worker& w) noexcept;

// For tests: preemptions of every scheduler in the process so far.
struct PreemptTotals {
  std::uint64_t at_entry, async, deferred;
};
PreemptTotals preempt_totals() noexcept;

// For tests: the interrupted PCs of the last (up to) kPreemptPcLog
// asynchronous preemptions, oldest first; returns how many were written.
inline constexpr std::size_t kPreemptPcLog = 4096;
std::size_t preempted_pcs(std::uintptr_t* out, std::size_t max) noexcept;

}  // namespace ariadne::fiber::detail

#endif

// Ariadne fibers: M:N cooperative threads on a pool of worker OS threads.
//
//   ariadne::fiber::Scheduler sched;            // N workers (default: hardware_concurrency)
//   sched.run([] {                              // runs main_fn as a fiber, joins it
//     auto f = ariadne::fiber::spawn("child", [] { ... });
//     f.join();                                 // rethrows what the child threw
//   });                                         // ~Scheduler waits for every fiber, stops workers
//
// Blocking calls (join, Mutex::lock, ConditionVariable::wait, Channel send/receive)
// suspend the calling fiber, never its worker. Called from a plain OS thread
// (not a fiber), they block that thread on a futex instead, so a thread can
// feed a Channel or join a Fiber. this_fiber::yield/sleep fall back to
// std::this_thread outside a fiber. See docs/fibers-scheduler.md.
//
// Preemption (opt-in): Scheduler(n, {.time_slice = 10ms}) takes a fiber off
// its worker once it has run for a slice -- at its next instrumented function
// entry, or asynchronously (a timer signal) inside call-free code built with
// `ariadne flags`, never inside libc, the runtime or the scheduler, nor in a
// NoPreempt region. Needs libariadne-rt.so loaded; without it the scheduler
// stays cooperative. See docs/fibers-scheduler.md, "Preemption".
#ifndef ARIADNE_FIBER_HPP
#define ARIADNE_FIBER_HPP

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ariadne::fiber {

inline constexpr std::size_t kDefaultStackSize = 256 * 1024;

namespace detail {
struct FiberControl;
struct SchedulerCore;
struct Waiter;

// Guards the short critical sections of the wait lists. Held for a handful of
// instructions only; it is also what makes "switch then publish" safe: a
// blocking fiber's worker releases it only after the fiber has switched out.
// Spin locks held by this thread: preemption never takes a fiber off its
// worker while it holds one (the worker that unlocks after a switch is the
// thread that locked, so the count stays per thread).
inline thread_local unsigned t_spin_depth = 0;

class SpinLock {
 public:
  void lock() noexcept {
    ++t_spin_depth;
    if (!held_.exchange(true, std::memory_order_acquire)) return;
    lock_slow();
  }
  bool try_lock() noexcept {
    ++t_spin_depth;
    if (!held_.exchange(true, std::memory_order_acquire)) return true;
    --t_spin_depth;
    return false;
  }
  void unlock() noexcept {
    held_.store(false, std::memory_order_release);
    --t_spin_depth;
  }

 private:
  void lock_slow() noexcept;
  std::atomic<bool> held_{false};
};

// Intrusive FIFO of blocked waiters (fibers or threads).
struct WaitList {
  Waiter* head = nullptr;
  Waiter* tail = nullptr;
  void push(Waiter* w) noexcept;
  Waiter* pop() noexcept;
};

void* fls_get(const void* key) noexcept;
void fls_set(const void* key, void* value, void (*destroy)(void*));
}  // namespace detail

// A joinable handle on a spawned fiber. Destroying a joinable handle detaches
// the fiber (it keeps running; an exception it throws is then dropped).
class Fiber {
 public:
  Fiber() noexcept = default;
  Fiber(Fiber&& o) noexcept : c_(std::exchange(o.c_, nullptr)) {}
  Fiber& operator=(Fiber&& o) noexcept;
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;
  ~Fiber();

  bool joinable() const noexcept { return c_ != nullptr; }
  // Waits for the fiber to finish; rethrows the exception that escaped it.
  // Throws std::logic_error if not joinable.
  void join();
  void detach() noexcept;
  std::uint64_t id() const noexcept;

 private:
  friend class Scheduler;
  explicit Fiber(detail::FiberControl* c) noexcept : c_(c) {}
  detail::FiberControl* c_ = nullptr;
};

struct SchedulerStats {
  std::uint64_t fibers_spawned = 0;
  std::uint64_t switches = 0;     // worker -> fiber switches
  std::uint64_t steals = 0;       // fibers taken from another worker's queue
  std::uint64_t futex_waits = 0;  // times an idle worker parked on the futex
  // Preemption (SchedulerOptions::time_slice):
  std::uint64_t preemptions_at_entry = 0;  // taken off at an instrumented function entry
  std::uint64_t preemptions_async = 0;     // taken off by the timer signal in call-free code
  std::uint64_t preemptions_deferred = 0;  // slice over but not safe there (libc, NoPreempt...)
};

struct SchedulerOptions {
  // > 0: a fiber that runs this long without blocking or yielding is
  // preempted at the next safe point. 0: cooperative only.
  std::chrono::nanoseconds time_slice{0};
};

class Scheduler {
 public:
  // workers == 0: std::thread::hardware_concurrency().
  explicit Scheduler(unsigned workers = 0);
  Scheduler(unsigned workers, SchedulerOptions options);
  // Waits until every fiber has finished, then stops and joins the workers.
  // Must not be called from one of this scheduler's own fibers.
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Callable from any thread or fiber.
  Fiber spawn(std::string name, std::function<void()> fn, std::size_t stack_size = kDefaultStackSize);
  // Runs main_fn as fiber "main" and blocks the calling thread until it
  // returns; rethrows its exception. Other fibers may still be running after.
  void run(std::function<void()> main_fn);

  unsigned worker_count() const noexcept;
  SchedulerStats stats() const noexcept;
  // The scheduler whose worker runs the caller, or nullptr.
  static Scheduler* current() noexcept;

 private:
  std::unique_ptr<detail::SchedulerCore> core_;
};

// While one lives, the fiber that made it is not preempted (a preemption
// that falls due waits for the next safe point after it). Nests; it may span
// blocking calls. Outside a fiber it does nothing.
class NoPreempt {
 public:
  NoPreempt() noexcept;
  ~NoPreempt();
  NoPreempt(const NoPreempt&) = delete;
  NoPreempt& operator=(const NoPreempt&) = delete;

 private:
  detail::FiberControl* fiber_;
};

// Spawns on Scheduler::current(); std::logic_error outside a scheduler's workers.
Fiber spawn(std::string name, std::function<void()> fn, std::size_t stack_size = kDefaultStackSize);

namespace this_fiber {
void yield();
void sleep_until(std::chrono::steady_clock::time_point deadline);
template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d) {
  sleep_until(std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(d));
}
bool in_fiber() noexcept;
std::uint64_t id() noexcept;       // 0 outside a fiber
std::string_view name() noexcept;  // "" outside a fiber
int worker_index() noexcept;       // the worker running the caller, -1 outside
}  // namespace this_fiber

// Fiber-aware mutex: contended lock() suspends the fiber; unlock hands the
// mutex directly to the first waiter (FIFO, no barging).
class Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;
  void lock();
  bool try_lock() noexcept;
  void unlock() noexcept;

 private:
  detail::SpinLock spin_;
  bool locked_ = false;
  detail::WaitList waiters_;
};

class ConditionVariable {
 public:
  ConditionVariable() = default;
  ConditionVariable(const ConditionVariable&) = delete;
  ConditionVariable& operator=(const ConditionVariable&) = delete;
  void wait(std::unique_lock<Mutex>& lock);
  template <class Pred>
  void wait(std::unique_lock<Mutex>& lock, Pred pred) {
    while (!pred()) wait(lock);
  }
  void notify_one() noexcept;
  void notify_all() noexcept;

 private:
  detail::SpinLock spin_;
  detail::WaitList waiters_;
};

enum class ChannelStatus { ok, full, empty, closed };

// Bounded MPMC channel. send blocks while full, receive while empty; after
// close() sends fail and receives drain what is left, then return nullopt.
template <class T>
class Channel {
 public:
  explicit Channel(std::size_t capacity) : capacity_(capacity ? capacity : 1) {}

  bool send(T value) {
    std::unique_lock lk(m_);
    not_full_.wait(lk, [&] { return closed_ || q_.size() < capacity_; });
    if (closed_) return false;
    q_.push_back(std::move(value));
    not_empty_.notify_one();
    return true;
  }
  std::optional<T> receive() {
    std::unique_lock lk(m_);
    not_empty_.wait(lk, [&] { return closed_ || !q_.empty(); });
    return take_locked();
  }
  ChannelStatus try_send(T& value) {
    std::unique_lock lk(m_);
    if (closed_) return ChannelStatus::closed;
    if (q_.size() >= capacity_) return ChannelStatus::full;
    q_.push_back(std::move(value));
    not_empty_.notify_one();
    return ChannelStatus::ok;
  }
  ChannelStatus try_receive(T& out) {
    std::unique_lock lk(m_);
    if (q_.empty()) return closed_ ? ChannelStatus::closed : ChannelStatus::empty;
    out = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return ChannelStatus::ok;
  }
  void close() {
    std::unique_lock lk(m_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }
  bool closed() const {
    std::unique_lock lk(m_);
    return closed_;
  }
  std::size_t size() const {
    std::unique_lock lk(m_);
    return q_.size();
  }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  std::optional<T> take_locked() {
    if (q_.empty()) return std::nullopt;
    std::optional<T> v(std::move(q_.front()));
    q_.pop_front();
    not_full_.notify_one();
    return v;
  }
  const std::size_t capacity_;
  mutable Mutex m_;
  ConditionVariable not_full_, not_empty_;
  std::deque<T> q_;
  bool closed_ = false;
};

// One T per fiber (per thread outside fibers), default-constructed on first
// use, destroyed when the fiber finishes. The FiberLocal object must outlive
// the fibers that use it.
template <class T>
class FiberLocal {
 public:
  FiberLocal() = default;
  FiberLocal(const FiberLocal&) = delete;
  FiberLocal& operator=(const FiberLocal&) = delete;
  T& get() {
    if (void* p = detail::fls_get(this)) return *static_cast<T*>(p);
    auto owned = std::make_unique<T>();
    T* raw = owned.get();
    detail::fls_set(this, raw, [](void* v) { delete static_cast<T*>(v); });
    owned.release();
    return *raw;
  }
  T& operator*() { return get(); }
  T* operator->() { return &get(); }
};

}  // namespace ariadne::fiber

#endif

// The session: start-up from the environment, the tick handler, intercepted
// calls, thread life and the end of the process, and divergence reports.
#include "replay/Session.hpp"

#include <pthread.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "arch/RawSyscall.hpp"
#include "arch/SyscallTrap.hpp"
#include "ariadne/trace.hpp"
#include "record/Recorder.hpp"
#include "replay/Baton.hpp"
#include "replay/CallNames.hpp"
#include "replay/Chaos.hpp"
#include "replay/ReplayLog.hpp"
#include "replay/Signals.hpp"
#include "replay/SyscallRouting.hpp"
#include "trace/RuntimeMappings.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

constinit Mode g_mode = Mode::off;
constinit std::uint64_t g_quantum = 20000;
constinit std::atomic<std::uint32_t> g_threads_made{0};
constinit const char* g_result_path = nullptr;
constinit bool g_exit_logged = false;
// Test-only (mode=replay-ignoring-results, from `ARIADNE_REPLAY_IGNORE_RESULTS=1
// ariadne replay`): replay makes every call again and
// keeps what it returns now, to show that the suite fails without the log.
constinit bool g_ignore_results = false;

thread_local ReplayThread* t_self __attribute__((tls_model("initial-exec"))) = nullptr;

// The result the CLI reads (ARIADNE_REPLAY_RESULT): one line.
void write_result(const char* text) noexcept {
  if (g_result_path == nullptr) return;
  const int fd = sys_open(g_result_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return;
  sys_write_all(fd, text, std::strlen(text));
  sys_close(fd);
}

const char* function_at(std::uintptr_t pc) noexcept {
  if (pc == 0) return "(no instrumented call yet)";
  const trace::Site* s = trace::find_site(pc);
  return s != nullptr && s->name[0] != '\0' ? s->name : "(unnamed)";
}

// The tick handler: the runtime's tick path (trace::add_tick_handler) calls
// it only at entries that reach the thread's budget, but also for all
// entries of a thread it has no budget for yet, so the budget is checked.
void on_entry(const trace::Site&, trace::Frame&, void*) {
  ReplayThread* me = t_self;
  if (me == nullptr || me->state.load(std::memory_order_relaxed) != kRunning) return;
  const std::uint64_t ticks = trace::thread_ticks();
  if (ticks >= me->budget) tick_point(me, ticks);
}

}  // namespace

// Compiler-inserted ticks (`ariadne flags --replayable`: GCC's
// -fsanitize-coverage=trace-pc calls this at every basic block), so that a
// loop with no calls reaches scheduling points: one tick, as an instrumented
// entry counts, in record and replay alike, and on_entry's budget check.
// Programs built with the flags link libariadne-cov.so's empty definition;
// this one, preloaded, comes first in symbol lookup. The common case is a
// call, an increment and two compares: no lock, no allocation, no libc.
extern "C" __attribute__((visibility("default"))) void __sanitizer_cov_trace_pc() {
  const std::uint64_t ticks = trace::count_tick();
  ReplayThread* me = t_self;
  if (me != nullptr && ticks >= me->budget && me->state.load(std::memory_order_relaxed) == kRunning &&
      !trace::runtime_busy())
    tick_point(me, ticks);
}

namespace {

void at_exit_hook() { process_exiting(t_self, 0, false); }

// A thread's end, seen as late as the program's code can run on it: after
// its start routine returned or pthread_exit unwound it (cleanup handlers),
// and after the other keys' destructors -- the first call puts the value
// back, so the destructor runs again in the next round, after theirs. Until
// then the thread holds the baton, so that code runs serialised too.
pthread_key_t g_exit_key;
void exit_key_destructor(void* value) {
  auto* t = static_cast<ReplayThread*>(value);
  if (!t->exit_deferred) {
    t->exit_deferred = true;
    pthread_setspecific(g_exit_key, t);
    return;
  }
  // Where its calls are trapped, the thread's end is its exit system call
  // (SyscallRouting.cpp): what libc does before it (freeing the thread's
  // malloc arena and cache, its stack) runs with the baton too, or another
  // thread's malloc would find the arenas as timing left them.
  if (arch::syscall_trap_started()) return;
  thread_ending(t);
}

}  // namespace

Mode mode() noexcept { return g_mode; }
ReplayThread* self() noexcept {
  // The runtime's own calls (a module scan after dlopen) are not the program's.
  return g_mode == Mode::off || trace::runtime_busy() ? nullptr : t_self;
}
std::uint64_t current_ticks() noexcept { return trace::thread_ticks(); }
std::uint64_t quantum() noexcept { return g_quantum; }
std::uint32_t thread_count() noexcept { return g_threads_made.load(std::memory_order_acquire); }
bool exit_logged() noexcept { return g_exit_logged; }

namespace {

// ARIADNE_REPLAY=mode=record|log=PATH|result=PATH|ticks=N|...... padded to a
// fixed length by the CLI (Replayable.hpp): the environment is on the
// program's stack, and its size must not differ between record and replay.
char g_settings[kReplaySettingsLength + 1];
// The value of `name` in g_settings (each field ends with '|'), or nullptr.
// Cut out in place, so each is looked up once.
const char* field(const char* name) noexcept {
  const std::size_t n = std::strlen(name);
  for (char* p = g_settings; p < g_settings + kReplaySettingsLength && *p != '\0';) {
    char* end = static_cast<char*>(
        std::memchr(p, '|', static_cast<std::size_t>(g_settings + kReplaySettingsLength - p)));
    if (end == nullptr) break;
    if (std::strncmp(p, name, n) == 0 && p[n] == '=') {
      *end = '\0';
      return p + n + 1;
    }
    p = end + 1;
  }
  return nullptr;
}

// `replay --trace-to TDIR`: the recorder's options, from the file the CLI
// wrote them to (they may be longer than the settings and hold any byte).
char g_trace_options[1 << 16];

bool read_trace_options(const char* path) noexcept {
  const int fd = sys_open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  std::size_t got = 0;
  long n = 0;
  while (got < sizeof g_trace_options - 1 &&
         (n = sys_read(fd, g_trace_options + got, sizeof g_trace_options - 1 - got)) > 0)
    got += static_cast<std::size_t>(n);
  sys_close(fd);
  g_trace_options[got] = '\0';
  return n >= 0 && got < sizeof g_trace_options - 1;
}

}  // namespace

void start_from_environment() noexcept {
  const char* settings = std::getenv("ARIADNE_REPLAY");
  if (settings == nullptr || std::strlen(settings) > kReplaySettingsLength) return;
  std::memcpy(g_settings, settings, std::strlen(settings) + 1);
  // Later fields first: cutting one out ends the string there.
  const char* stop_call_regex = field("stop-call-regex");
  const char* stop_call = field("stop-call");
  const char* stop_at = field("stop-at");
  const char* trace_options = field("trace-options");
  const char* trace_dir = field("trace");
  const char* crash = field("crash");
  const char* chaos_seed = field("chaos");
  const char* ticks = field("ticks");
  const char* result = field("result");
  const char* path = field("log");
  const char* m = field("mode");
  if (m == nullptr || path == nullptr) return;
  // Before anything of ours is mapped or opened for this run: what replay
  // adds (a recorder) must not move the program's mappings or descriptors.
  trace::detail::set_runtime_resources_apart();
  g_result_path = result != nullptr && result[0] != '\0' ? result : nullptr;
  if (std::strcmp(m, "record") == 0) {
    if (ticks != nullptr && std::atoll(ticks) > 0) g_quantum = static_cast<std::uint64_t>(std::atoll(ticks));
    if (chaos_seed != nullptr) chaos::start(std::strtoull(chaos_seed, nullptr, 10), g_quantum);
    if (!open_log_for_writing(path, g_quantum)) sys_exit_group(125);
    g_mode = Mode::record;
  } else if (std::strcmp(m, "replay") == 0 || std::strcmp(m, "replay-ignoring-results") == 0) {
    g_ignore_results = m[6] != '\0';
    if (!open_log_for_reading(path)) {
      write_result("bad-input cannot read the replay log\n");
      sys_exit_group(125);
    }
    g_quantum = logged_quantum();
    g_mode = Mode::replay;
    if (crash != nullptr && crash[0] == '1') set_ends_in_crash();
    if (stop_at != nullptr) stop_after_event(std::strtoull(stop_at, nullptr, 10));
  } else {
    return;
  }
  // Before anything that differs between a recording and a traced replay
  // (the trace recorder's start below): the loader's lookup it makes
  // allocates from the program's heap, which must be left as recorded.
  divert_vdso();
  ReplayThread* main_thread = thread_slot(0);
  main_thread->index = 0;
  main_thread->state.store(kRunning, std::memory_order_relaxed);
  chaos::thread_made(0);
  main_thread->budget = chaos::turn_budget(g_quantum);
  g_threads_made.store(1, std::memory_order_release);
  t_self = main_thread;
  trace::set_tick_budget(&main_thread->budget);
  main_thread->handle = pthread_self();
  set_first_holder(main_thread);
  pthread_key_create(&g_exit_key, exit_key_destructor);
  pthread_setspecific(g_exit_key, main_thread);
  // Every site counts, from before main to the end, never toggled.
  hold_async_signals();
  trace::add_tick_handler(on_entry, nullptr);
  trace::enable(trace::all());
  trace::detail::pin_sites();
  if (g_mode == Mode::replay && trace_dir != nullptr && trace_dir[0] != '\0') {
    if (trace_options == nullptr || !read_trace_options(trace_options)) {
      write_result("bad-input cannot read the --trace-to options\n");
      sys_exit_group(125);
    }
    record::start_recorder(trace_dir, g_trace_options, "replay --trace-to");
  }
  if (g_mode == Mode::replay && stop_call != nullptr && stop_call_regex != nullptr &&
      !stop_at_call(stop_call_regex, std::strtoull(stop_call, nullptr, 10))) {
    write_result("bad-input --at-call: no instrumented function of the program matches\n");
    sys_exit_group(125);
  }
  divert_nondet_instructions();
  std::atexit(at_exit_hook);
  replace_stdin();
  if (g_mode == Mode::replay) set_replay_budget(main_thread);
  // Last: what the session did to start is not the program's.
  start_trapping_syscalls();
}

// ---------------------------------------------------------------- divergence

void diverge(ReplayThread* me, const EventView& ev, const char* fmt, ...) noexcept {
  char what[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  char line[1024];
  std::snprintf(
      line, sizeof line,
      "diverged at event %llu (log offset %zu; thread %u, tick %llu, call %llu): %s; the thread is in "
      "%s\n",
      static_cast<unsigned long long>(events_consumed() + 1), ev.offset, me ? me->index : 0u,
      static_cast<unsigned long long>(current_ticks()), static_cast<unsigned long long>(me ? me->points : 0),
      what, function_at(trace::last_entry_site()));
  write_result(line);
  sys_print(2, "ariadne replay: %s", line);
  sys_exit_group(125);
}

void log_ended(ReplayThread* me) noexcept {
  const char* why = log_end_reason();
  char line[512];
  if (why[0] == '\0') {
    std::snprintf(line, sizeof line,
                  "cut %llu the log ends here (thread %u needs more): the recorded run was killed\n",
                  static_cast<unsigned long long>(events_consumed()), me ? me->index : 0u);
  } else {
    std::snprintf(line, sizeof line,
                  "cut %llu the log ends at offset %zu (%s): the recorded run was killed\n",
                  static_cast<unsigned long long>(events_consumed()), log_offset(), why);
  }
  write_result(line);
  // Ends as the recorded run ended: killed, its buffered output unwritten.
  raw_syscall(SYS_kill, sys_getpid(), 9);
  sys_exit_group(137);
}

EventHead event_by(ReplayThread* me, EventKind kind) noexcept {
  EventHead h{};
  h.kind = kind;
  h.thread = me->index;
  h.ticks = current_ticks();
  h.points = me->points;
  return h;
}

void check_position(ReplayThread* me, const EventView& ev) noexcept {
  const std::uint64_t ticks = current_ticks();
  if (ev.head.ticks != ticks || ev.head.points != me->points)
    diverge(me, ev, "expected %s%s%s at tick %llu (call %llu), found it at tick %llu (call %llu)",
            event_name(ev.head.kind), ev.head.kind == EventKind::call ? " " : "",
            ev.head.kind == EventKind::call ? call_name(ev.head.a) : "",
            static_cast<unsigned long long>(ev.head.ticks), static_cast<unsigned long long>(ev.head.points),
            static_cast<unsigned long long>(ticks), static_cast<unsigned long long>(me->points));
}

void expect_event(ReplayThread* me, EventKind kind, EventView& ev) noexcept {
  if (!peek_event(ev)) log_ended(me);
  if (ev.head.thread != me->index || ev.head.kind != kind)
    diverge(me, ev, "the log has %s by thread %u next; thread %u came to %s", event_name(ev.head.kind),
            ev.head.thread, me->index, event_name(kind));
  check_position(me, ev);
}

// ---------------------------------------------------------------- ticks

namespace {
// Signals held for a budget point, delivered from inside the tick handler:
// the program's handler runs as the program's code (its calls ticked and
// intercepted, as at any other point), not as the runtime's.
void deliver_at_budget(ReplayThread* me) noexcept {
  const bool saved = trace::begin_program_code();
  deliver_pending_signals(me, Reason::budget);
  trace::end_program_code(saved);
}
}  // namespace

void tick_point(ReplayThread* me, std::uint64_t ticks) noexcept {
  if (g_mode == Mode::record) {
    me->budget = ticks + chaos::turn_budget(g_quantum);
    yield(me, Reason::budget);
    deliver_at_budget(me);
    return;
  }
  EventView ev;
  if (!peek_event(ev)) log_ended(me);
  const bool mine = ev.head.thread == me->index && ev.head.ticks == ticks;
  if (mine && ev.head.kind == EventKind::handoff && ev.head.reason == Reason::budget) {
    check_position(me, ev);
    consume(me, ev);
    replay_turn(me);
    deliver_at_budget(me);
    return;
  }
  if (mine && ev.head.kind == EventKind::signal && ev.head.reason == Reason::budget) {
    deliver_at_budget(me);
    return;
  }
  diverge(me, ev, "the thread's turn should have ended by tick %llu",
          static_cast<unsigned long long>(me->budget));
}

// ---------------------------------------------------------------- calls

namespace {
// The real function of an intercepted call: what it calls on its way is
// part of the call (libc's own clock reads, its own system calls), not a
// call of the program's own to trap or log again.
bool enter_real_call(ReplayThread* me) noexcept {
  me->in_real_call = true;
  return arch::pause_syscall_trap(true);
}
void leave_real_call(ReplayThread* me, bool was_paused) noexcept {
  arch::pause_syscall_trap(was_paused);
  me->in_real_call = false;
}
}  // namespace

void start_pending_trap(ReplayThread* me) noexcept {
  if (!me->trap_pending) return;
  me->trap_pending = false;
  arch::start_syscall_trap();
}

long intercept(ReplayThread* me, const CallSpec& spec, RealCall real, CallOutputs outs, void* ctx) noexcept {
  start_pending_trap(me);
  ++me->points;
  // A call alone in the process cannot wait for another thread of it.
  const bool blocking = spec.blocking && thread_count() > 1;
  if (g_mode == Mode::record) {
    if (blocking) release_for_blocking_call(me);
    const std::uint64_t opened = spec.blocking ? open_signals_for_wait(me) : 0;
    const bool was_paused = enter_real_call(me);
    const long r = real(ctx);
    const int err = errno;
    leave_real_call(me, was_paused);
    close_signals_after_wait(me, opened);
    if (blocking) reacquire_after_blocking_call(me);
    OutBuf ob[kMaxOutBufs];
    const int n = outs != nullptr ? outs(ctx, r, ob) : 0;
    EventHead h = event_by(me, EventKind::call);
    h.reserved = static_cast<std::uint16_t>(err);
    h.a = spec.nr;
    h.b = static_cast<std::uint64_t>(r);
    h.c = spec.digest;
    append_event(h, ob, n);
    if (check_signals_now(me, spec.blocking)) deliver_pending_signals(me, Reason::none);
    chaos_point(me);
    errno = err;
    return r;
  }
  if (blocking) {
    release_for_blocking_call(me);
    reacquire_after_blocking_call(me);
  }
  EventView ev;
  expect_event(me, EventKind::call, ev);
  if (ev.head.a != spec.nr || ev.head.c != spec.digest)
    diverge(me, ev, "expected %s (call %llu, arguments %016llx), found %s (call %llu, arguments %016llx)",
            call_name(ev.head.a), static_cast<unsigned long long>(ev.head.a),
            static_cast<unsigned long long>(ev.head.c), call_name(spec.nr),
            static_cast<unsigned long long>(spec.nr), static_cast<unsigned long long>(spec.digest));
  if (g_ignore_results) {
    consume(me, ev);
    set_replay_budget(me);
    const bool was_paused = enter_real_call(me);
    const long again = real(ctx);
    leave_real_call(me, was_paused);
    chaos_point(me);
    return again;
  }
  const long r = static_cast<long>(ev.head.b);
  if (spec.reimpose != nullptr || spec.execute_in_replay) {
    const bool was_paused = enter_real_call(me);
    const long now = spec.reimpose != nullptr ? spec.reimpose(ctx, ev) : real(ctx);
    leave_real_call(me, was_paused);
    if (spec.reimpose != nullptr && now != r)
      diverge(me, ev, "%s returned %#llx when recorded, now %#llx", call_name(spec.nr),
              static_cast<unsigned long long>(r), static_cast<unsigned long long>(now));
    if (spec.compare_result && now != r)
      diverge(me, ev, "%s (call %llu) returned %lld when recorded, %ld now", call_name(spec.nr),
              static_cast<unsigned long long>(spec.nr), static_cast<long long>(r), now);
  }
  OutBuf ob[kMaxOutBufs];
  const int n = outs != nullptr ? outs(ctx, r, ob) : 0;
  for (int i = 0; i < n; ++i) {
    std::uint64_t addr = 0, len = 0;
    const std::uint8_t* bytes = nullptr;
    if (!logged_output(ev, i, addr, len, bytes) || addr != reinterpret_cast<std::uint64_t>(ob[i].p) ||
        len != ob[i].n)
      diverge(me, ev, "call %llu wrote %llu bytes at %#llx when recorded, now %zu bytes at %p",
              static_cast<unsigned long long>(spec.nr), static_cast<unsigned long long>(len),
              static_cast<unsigned long long>(addr), ob[i].n, ob[i].p);
    std::memcpy(ob[i].p, bytes, len);
  }
  const int err = ev.head.reserved;
  consume(me, ev);
  set_replay_budget(me);
  deliver_pending_signals(me, Reason::none);
  chaos_point(me);
  errno = err;
  return r;
}

// ---------------------------------------------------------------- threads

std::uint32_t reserve_thread(ReplayThread*) noexcept {
  const std::uint32_t index = g_threads_made.load(std::memory_order_relaxed);
  if (index >= kMaxThreads) return kNoThread;
  ReplayThread* t = thread_slot(index);
  t->index = index;
  t->state.store(kRunnable, std::memory_order_relaxed);
  chaos::thread_made(index);
  g_threads_made.store(index + 1, std::memory_order_release);
  return index;
}

void thread_created(ReplayThread* parent, std::uint32_t child, int result) noexcept {
  ++parent->points;
  if (g_mode == Mode::record) {
    EventHead h = event_by(parent, EventKind::thread_create);
    h.a = child;
    h.b = static_cast<std::uint64_t>(result);
    append_event(h, nullptr, 0);
    if (result == 0) record_queue_new_thread(child);
    chaos_point(parent);
    return;
  }
  EventView ev;
  expect_event(parent, EventKind::thread_create, ev);
  if (ev.head.a != child)
    diverge(parent, ev, "expected thread %llu to be made, found thread %u",
            static_cast<unsigned long long>(ev.head.a), child);
  consume(parent, ev);
  set_replay_budget(parent);
  chaos_point(parent);
}

void thread_started(ReplayThread* me) noexcept {
  t_self = me;
  trace::set_tick_budget(&me->budget);
  pthread_setspecific(g_exit_key, me);
  if (g_mode == Mode::record) {
    record_first_turn(me);
  } else {
    replay_turn(me);
  }
  // Trapped from its first intercepted call on (a point that is the same in
  // record and replay; a budget's end is not, replay ends turns by the log):
  // what runs before it is the runtime's thread start (the tracer's, around
  // the program's routine: its stack lookup allocates from the heap, which a
  // traced replay's tracer has used otherwise), not the program's.
  me->trap_pending = true;
}

void thread_ending(ReplayThread* me) noexcept {
  // What libc does after the program's code (freeing the thread's stack,
  // its exit) is libc's, and the thread no longer holds the baton.
  arch::stop_syscall_trap();
  if (me->exit_seen) return;
  me->exit_seen = true;
  ++me->points;
  if (g_mode == Mode::record) {
    EventHead h = event_by(me, EventKind::thread_exit);
    append_event(h, nullptr, 0);
  } else {
    EventView ev;
    expect_event(me, EventKind::thread_exit, ev);
    consume(me, ev);
  }
  wake(me, 1 << 30);  // its joiners
  thread_exit_handoff(me);
}

ReplayThread* thread_by_handle(unsigned long handle) noexcept {
  // Newest first: a pthread_t is reused once its thread is joined.
  for (std::uint32_t i = thread_count(); i-- > 0;)
    if (thread_slot(i)->handle == handle) return thread_slot(i);
  return nullptr;
}

void process_exiting(ReplayThread* me, int status, bool status_known) noexcept {
  if (g_mode == Mode::off || me == nullptr || g_exit_logged) return;
  g_exit_logged = true;
  arch::stop_syscall_trap();  // libc's exit (flushing stdio...) after the logged end
  if (me->state.load(std::memory_order_relaxed) != kRunning) reacquire_after_blocking_call(me);
  ++me->points;
  if (g_mode == Mode::record) {
    EventHead h = event_by(me, EventKind::exit);
    h.b = static_cast<std::uint64_t>(status);
    h.c = status_known ? 1 : 0;
    append_event(h, nullptr, 0);
    return;
  }
  EventView ev;
  expect_event(me, EventKind::exit, ev);
  consume(me, ev);
  char line[128];
  std::snprintf(line, sizeof line, "ok %llu %u\n", static_cast<unsigned long long>(events_consumed()),
                thread_count());
  write_result(line);
}

}  // namespace ariadne::replay

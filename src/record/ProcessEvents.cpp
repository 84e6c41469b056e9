// Process-level events of a recording: fork (the parent writes `fork`, the
// child starts its own process directory and streams) and signals delivered
// (`signal` before the program's handler runs; for the fatal signals left at
// their default action, a recorder that writes `signal`, seals the thread's
// segment, writes process_end and dies of the same signal). exec is in
// ExecInterposers.cpp.
//
// fork is interposed (exported from libariadne-rt.so, forwarding to libc's
// definition; when not recording it only forwards); signals come through the
// runtime's signal broker (trace/SignalBroker.hpp).
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "record/ProcessLog.hpp"
#include "record/Recorder.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"
#include "trace/SignalBroker.hpp"
#include "trace/StackRegions.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTERM, SIGINT};

bool g_active = false;

// Every event written here is written in an UntracedScope: traced calls a
// signal handler makes must stay out of the half-written event this thread
// may be in the middle of (the core skips calls while in_handler is set,
// and so do the events below when they interrupt a handler).
using trace::detail::UntracedScope;

ThreadLog* thread_log() noexcept {
  ThreadLog* t = t_log;
  return t != nullptr ? t : start_thread();
}

// true: written; false: this thread was inside a handler (counted as lost).
bool record_signal(int sig) noexcept {
  UntracedScope quiet;
  ThreadLog* t = thread_log();
  if (quiet.nested()) {
    // signal_lost, not lost: the writer this signal interrupted may be
    // between reading `lost` for a marker and clearing it.
    __atomic_fetch_add(&t->signal_lost, 1, __ATOMIC_RELAXED);
    return false;
  }
  const std::uint64_t value = static_cast<std::uint64_t>(sig);
  write_simple_event(t, Event::signal, &value, 1);
  return true;
}

// The signal broker (trace/SignalBroker.hpp) tells the recorder, in the
// signal handler: a signal delivered to a program handler, a fatal one about
// to kill the process, the calls a handler made while it interrupted the
// runtime (not traced: counted as lost, two events each).
void on_signal_delivered(int sig) { record_signal(sig); }

void on_fatal_signal(int sig) {
  UntracedScope quiet;
  ThreadLog* t = thread_log();
  if (!quiet.nested()) {
    const std::uint64_t value = static_cast<std::uint64_t>(sig);
    write_simple_event(t, Event::signal, &value, 1);
    write_lost_marker(t);
    seal_segment(t);  // the other threads' segments stay open: the reader takes them as they are
  }
  write_process_end(1, static_cast<std::uint32_t>(sig));
}

void on_calls_lost(std::uint64_t calls) {
  ThreadLog* t = t_log;
  if (t != nullptr) __atomic_fetch_add(&t->signal_lost, 2 * calls, __ATOMIC_RELAXED);
}

const trace::detail::SignalObserver g_observer{
    on_signal_delivered, on_fatal_signal, on_calls_lost, kFatalSignals,
    static_cast<int>(sizeof kFatalSignals / sizeof kFatalSignals[0])};

}  // namespace

void install_process_events() noexcept {
  g_active = true;
  pthread_atfork(nullptr, nullptr, [] { after_fork_in_child(static_cast<std::uint32_t>(sys_getppid())); });
  trace::detail::set_signal_observer(&g_observer);
  // The interposed pthread_create (trace/StackRegions.cpp) tells each new
  // thread its creator: its thread_start names it.
  trace::detail::set_thread_start_observer([](std::uint32_t creator_tid) { t_parent_tid = creator_tid; });
}

}  // namespace ariadne::record

using namespace ariadne::record;

ARIADNE_RT_EXPORT pid_t fork() {
  static auto real = ariadne::trace::detail::next_definition<pid_t (*)()>("fork");
  const pid_t pid = real();
  if (pid > 0 && g_active) {
    UntracedScope quiet;
    const std::uint64_t child = static_cast<std::uint64_t>(pid);
    write_simple_event(thread_log(), ariadne::tracefile::Event::fork, &child, 1);
  }
  return pid;
}

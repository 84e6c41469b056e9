// The one owner of signal dispositions and masks in a traced process.
//
// The runtime needs some signals for itself (SIGTRAP: x86-64's live patching
// plants transient int3s; later SIGSYS for replay) while the program may use
// the same signals and any other. The broker interposes sigaction, signal,
// bsd_signal, sysv_signal, siginterrupt, sigprocmask and pthread_sigmask
// always (SignalBroker.cpp), keeps the program's view of every disposition
// it set, and installs in the kernel what serves both:
//   * the runtime's signals: the broker's handler, always. It handles the
//     runtime's own traps and forwards everything else to the program's
//     disposition (handler with its flags and mask, SIG_IGN, or the default
//     action re-raised);
//   * the program's handlers: a wrapper that tells the observer (the
//     recorder's `signal` event) and counts the traced calls a handler makes
//     when it interrupted the runtime on its thread (they cannot be traced:
//     the runtime was mid-event);
//   * the observer's fatal signals left at SIG_DFL: a handler that lets the
//     observer close its files, then dies of the same signal.
// No mask the program sets, in sigprocmask, pthread_sigmask or a handler's
// sa_mask, ever blocks a runtime signal in the kernel; the program still
// sees the mask it asked for, and a runtime signal sent to it (raise, kill)
// while its view blocks it waits until the view unblocks it.
//
// Everything that runs in a handler is async-signal-safe: no allocation, no
// locks (writers of the program's view publish copies; readers never wait).
#pragma once

#include <cstdint>

namespace ariadne::trace::detail {

// What an observer (the recorder) is told. Every callback runs in a signal
// handler on the thread that received the signal, with errno saved around it.
struct SignalObserver {
  // Before the program's handler for `sig` runs (nullptr: not told).
  void (*delivered)(int sig);
  // `sig`, one of fatal_signals, left at its default action, is about to kill the
  // process: the last moment to write anything.
  void (*fatal)(int sig);
  // A program handler that interrupted the runtime on this thread made
  // `calls` calls to enabled sites; none was traced.
  void (*lost_calls)(std::uint64_t calls);
  const int* fatal_signals;  // the signals `fatal` is told about
  int fatal_count;
};

// Installs the broker's handler for the runtime's signals, the program's
// earlier dispositions kept as its view. Idempotent; called by the tracer's
// initialisation (single-threaded, before the program's main).
void start_signal_broker() noexcept;

// One observer at a time (nullptr: none). Re-installs the observer's fatal
// signals that are at their default action.
void set_signal_observer(const SignalObserver* observer) noexcept;

// Signals the broker delivered to a program handler since the process began
// (diagnostics and tests).
std::uint64_t signals_forwarded() noexcept;

}  // namespace ariadne::trace::detail

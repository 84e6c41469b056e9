// Asynchronous signals held and let through at the runtime's points
// (Signals.cpp).
#pragma once

#include "replay/ReplayFormat.hpp"
#include "replay/Session.hpp"

namespace ariadne::replay {

// At the start, on the only thread: the threads it makes inherit the mask.
void hold_async_signals() noexcept;
// Whether `sig` is one of the held signals.
bool held_signal(int sig) noexcept;

// Record, around a call that may block: the held signals the program has not
// blocked are let through while the call waits, as natively. One whose
// action is still the default, fatal one (SIGINT, SIGTERM... with no handler)
// ends the program at once -- Ctrl-C or a kill stops a program blocked in
// `read` or `accept` -- and the log up to the call replays, as for any killed
// run. One with a handler interrupts the call (EINTR unless SA_RESTART) but
// its handler does not run there, on a thread without the baton: it is sent
// again after the call and delivered at the call's end, logged, like any
// held signal. Returns what close_signals_after_wait needs.
std::uint64_t open_signals_for_wait(ReplayThread* me) noexcept;
void close_signals_after_wait(ReplayThread* me, std::uint64_t opened) noexcept;
// The program changed a signal's action (its sigaction): the set of signals
// that are fatal by default is looked up again.
void note_signal_action_change() noexcept;

// A point of `me` (where: Reason::none at the end of an intercepted call,
// Reason::budget at a tick budget): record lets the held signals that are
// pending through, one by one, logging each; replay re-sends the ones the
// log has at this point.
void deliver_pending_signals(ReplayThread* me, Reason where) noexcept;

// Record: whether the end of this intercepted call looks for held signals
// (a system call, rt_sigpending, each time it does). Always after a call that
// may block or once a signal source is known (a timer armed, a signal sent:
// note_signal_source), else every 64th call -- an outside SIGTERM then waits
// at most that long, or a tick budget. Replay follows the log and needs no
// such choice.
bool check_signals_now(ReplayThread* me, bool blocking_call) noexcept;
void note_signal_source() noexcept;

}  // namespace ariadne::replay

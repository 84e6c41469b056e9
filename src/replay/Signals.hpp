// Asynchronous signals held and let through at the runtime's points
// (Signals.cpp).
#pragma once

#include "replay/ReplayFormat.hpp"
#include "replay/Session.hpp"

namespace ariadne::replay {

// At the start, on the only thread: the threads it makes inherit the mask.
void hold_async_signals() noexcept;

// A point of `me` (where: Reason::none at the end of an intercepted call,
// Reason::budget at a tick budget): record lets the held signals that are
// pending through, one by one, logging each; replay re-sends the ones the
// log has at this point.
void deliver_pending_signals(ReplayThread* me, Reason where) noexcept;

}  // namespace ariadne::replay

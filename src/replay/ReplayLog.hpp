// The log as the session inside the target sees it: appended to by the baton
// holder (record), followed by a cursor (replay). Not thread-safe on its own:
// the baton makes one writer / one reader at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "replay/ReplayFormat.hpp"
#include "replay/Session.hpp"

namespace ariadne::replay {

// Record: creates `path` (it must not exist) and writes the header. False
// and a line on stderr when it cannot.
bool open_log_for_writing(const char* path, std::uint64_t quantum) noexcept;
// One event; `outs` (syscall events) are logged as (address, length, bytes).
void append_event(const EventHead& head, const OutBuf* outs, int n_outs) noexcept;

// Replay: maps `path` and checks its header. False and a line on stderr
// when it cannot.
bool open_log_for_reading(const char* path) noexcept;
std::uint64_t logged_quantum() noexcept;
// The next event: true with it in `out`; false at the end of the log (why()
// says whether it ended cleanly, was torn or damaged).
bool peek_event(EventView& out) noexcept;
void advance_event(const EventView& ev) noexcept;
std::uint64_t events_consumed() noexcept;
const char* log_end_reason() noexcept;  // "" at a clean end
std::size_t log_offset() noexcept;

// logged_output (a syscall event's logged memory) is in ReplayFormat.hpp.

}  // namespace ariadne::replay

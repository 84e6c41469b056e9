// The baton and the virtual waits (Baton.cpp), and what they need of the
// session (Session.cpp). Internal to libariadne-replay.
#pragma once

#include <cstdint>

#include "replay/ReplayFormat.hpp"
#include "replay/Session.hpp"

namespace ariadne::replay {

// Session.cpp
std::uint64_t current_ticks() noexcept;
std::uint64_t quantum() noexcept;
std::uint32_t thread_count() noexcept;
bool exit_logged() noexcept;  // the process's exit event is in the log
// An event by `me` at its position now (thread, ticks, calls), of `kind`.
EventHead event_by(ReplayThread* me, EventKind kind) noexcept;
// Replay: the next event must be `kind`, by `me`, at me's position (else
// divergence, which does not return).
void expect_event(ReplayThread* me, EventKind kind, EventView& ev) noexcept;
void check_position(ReplayThread* me, const EventView& ev) noexcept;
// Replay ran out of log: ends the process as the recorded run ended.
[[noreturn]] void log_ended(ReplayThread* me) noexcept;
[[noreturn]] void diverge(ReplayThread* me, const EventView& ev, const char* fmt, ...) noexcept
    __attribute__((format(printf, 3, 4)));

// DebuggerStops.cpp: `replay --gdb`. after_event is called as each event has
// been replayed; the debugger stops after the one stop_after_event named.
// stop_at_call: at the call-th call of the sites matching the regex (false
// when none does).
void stop_after_event(std::uint64_t event) noexcept;
// Where the program resumes after the event being replayed, when that is
// not the return of a call it made (a diverted instruction); 0 after it.
void set_resume_address(std::uintptr_t pc) noexcept;
bool stop_at_call(const char* regex, std::uint64_t call) noexcept;
void after_event(ReplayThread* me, const EventView& ev) noexcept;

// Baton.cpp
void set_first_holder(ReplayThread* main_thread) noexcept;
// Replay: the recorded run was killed by a fault of its own (Baton.cpp).
void set_ends_in_crash() noexcept;
void record_release(ReplayThread* me, Reason why) noexcept;
void record_acquire(ReplayThread* me) noexcept;
// A new thread is queued by its maker, in the order of creation, not when
// the kernel starts it: the schedule must not depend on how fast that is.
void record_queue_new_thread(std::uint32_t index) noexcept;
void record_first_turn(ReplayThread* me) noexcept;  // on the new thread
void replay_turn(ReplayThread* me) noexcept;        // waits for the thread's turn
void consume(ReplayThread* me, const EventView& ev) noexcept;
void set_replay_budget(ReplayThread* me) noexcept;
bool yield(ReplayThread* me, Reason why) noexcept;
void release_for_blocking_call(ReplayThread* me) noexcept;
void reacquire_after_blocking_call(ReplayThread* me) noexcept;
void thread_exit_handoff(ReplayThread* me) noexcept;

}  // namespace ariadne::replay

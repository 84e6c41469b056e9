// Chaos mode (`ariadne chaos`, docs/replay.md "Chaos mode"): the recorder's
// scheduling decisions made at random from a seeded generator instead of
// round robin, so that rare interleavings come up. Record only: every
// decision shows in the log as a hand-off (who, at which tick and point),
// which replay follows as it follows any recording; replay draws nothing.
//
// The ideas are rr's chaos mode (its src/Scheduler.cc), re-made for a baton
// that passes at ticks and runtime points:
// * the budget of each turn is drawn anew: tiny (under 64 ticks) one time
//   in ten, short (under 2048) one in ten, else anything up to the run's
//   longest turn, itself drawn per run from 16 ticks to twice the --ticks
//   budget (log-uniform: some runs switch every few ticks, some seldom);
// * every thread has a priority, drawn when it is made and drawn again for
//   all after a random number of ticks (up to 10^7): low with probability 0.1 (0.3
//   for the main thread), and a fifth of those "medium" until their first
//   turn ends. A lower-priority thread runs only when no higher one is
//   runnable, and a runtime point (the end of an intercepted call, a thread
//   made, a waiter woken) hands the baton to a queued thread of higher
//   priority at once -- so a thread can be starved at any such point;
// * threads of equal priority are picked at random, and at the end of a
//   turn the running thread is one of the candidates; a runtime point also
//   switches to a queued thread of equal priority, with a chance drawn per
//   run (never, 3%, 12.5% or 50% of the points);
// * the program is told it has 1 to 8 processors (sysconf, get_nprocs).
//
// Everything here is called by the baton's holder (under the run queue's
// lock where the queue is read): the generator's draws happen in the order
// of the holder's decisions, so one seed gives one schedule for a program
// whose threads meet only in the runtime's waits.
#pragma once

#include <cstdint>

namespace ariadne::replay::chaos {

// Turns chaos mode on (record only); seed 0 leaves it off. quantum: --ticks.
void start(std::uint64_t seed, std::uint64_t quantum) noexcept;
bool on() noexcept;

// Ticks of a new turn: `quantum` when off.
std::uint64_t turn_budget(std::uint64_t quantum) noexcept;

// A thread was made (index 0: the main thread): its priority.
void thread_made(std::uint32_t index) noexcept;

// Which queued thread takes the baton from `me`: its position in
// queue[0..len), or -1 for `me` to run on (only when me_may_continue, or
// for an empty queue). Off: the head of the queue (round robin).
int choose(const std::uint32_t* queue, std::uint32_t len, std::uint32_t me, bool me_may_continue) noexcept;

// At a runtime point: should `me` hand over -- a queued thread outranks it,
// or one of its own priority wins the run's draw? (false when off)
bool switch_at_point(const std::uint32_t* queue, std::uint32_t len, std::uint32_t me) noexcept;

// The processor count the program is told: 0 when off (the real one).
long pretend_cores() noexcept;

}  // namespace ariadne::replay::chaos

// ariadne_stack_switch (include/ariadne/stack_switch.h): a fiber library
// tells the recorder which stack the thread runs next. The thread's counters
// of open calls (open, depth, -t's overflow) belong to the stack, not the
// thread: they are put away in the stack's state and the next stack's are
// taken out, and a stack_switch event names the stack and its run, so the
// readers pair a fiber's calls across the threads it migrates between and
// order its runs (docs/format.md). Called on the fiber library's switch path:
// no allocation, no lock, no system call but the stacks chunk, once.
#include <cstdint>

#include "arch/Timestamp.hpp"
#include "ariadne/stack_switch.h"
#include "record/ProcessLog.hpp"
#include "record/Recorder.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

void write_switch(ThreadLog* t, std::uint64_t now) noexcept {
  const ariadne_stack_state* s = t->stack;
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(Event::stack_switch);
  p += put_varint(p, now - t->last);
  p += put_varint(p, s != nullptr ? s->id : 0);
  p += put_varint(p, s != nullptr ? s->runs : 0);
  p += put_varint(p, t->open);
  t->pos = p;
  t->last = now;
}

constexpr std::size_t kSwitchBytes = 1 + 4 * kMaxVarint;

}  // namespace

// roll_over made room for more than this (segments are at least 4 KiB).
void restate_stack(ThreadLog* t) noexcept {
  if (t->pos + kSwitchBytes > t->limit) return;
  write_switch(t, arch::timestamp());
}

namespace {

void switch_stack(ariadne_stack_state* to) noexcept {
  if (record_root() == nullptr) return;
  // Traced calls a signal handler makes meanwhile stay out of the event.
  trace::detail::UntracedScope quiet;
  ThreadLog* t = t_log != nullptr ? t_log : start_thread();
  if (t->dead) return;
  ariadne_stack_state* from = t->stack != nullptr ? t->stack : &t->own;
  ariadne_stack_state* next = to != nullptr ? to : &t->own;
  if (from == next) return;
  write_held_entries(t);
  from->open = t->open;
  from->depth = t->depth;
  from->overflow = t->overflow;
  t->open = next->open;
  t->depth = next->depth;
  t->overflow = next->overflow;
  t->stack = to;
  if (to != nullptr) {
    ++to->runs;
    write_stacks_chunk();
  }
  // A switch that does not fit is restated at the next segment's start
  // (roll_over); a switch back to the thread's own stack needs none (a
  // segment starts on it).
  if (!room(t, kSwitchBytes)) {
    ++t->lost;
    return;
  }
  write_switch(t, arch::timestamp());
}

}  // namespace

}  // namespace ariadne::record

extern "C" __attribute__((visibility("default"))) void ariadne_stack_switch(ariadne_stack_state* to) {
  ariadne::record::switch_stack(to);
}

// The dispatcher: what happens on every traced call, between the trampoline
// saving the registers and restoring them. No locks, no allocation: site
// lookup is a lock-free table read, handlers are an array of atomics, return
// hooks live on the per-stack shadow stacks (ReturnHooks.hpp).
#include "trace/Dispatch.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "arch/CodePatch.hpp"
#include "arch/ReturnSlot.hpp"
#include "trace/Handlers.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/SiteTable.hpp"
#include "trace/StackRegions.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

constinit HandlerTables g_handler_tables;

// Named for the fused paths in assembly (asm-offsets.h), which reach it
// initial-exec from the thread pointer.
constinit thread_local ThreadState t_state asm("ariadne_trace_thread_state");

namespace {

// The shadow stack for a hooked call at `sp`: almost always the one the
// thread used last (one unsigned compare); else the search of ReturnHooks.
inline ShadowStack* stack_of(ThreadState& t, std::uintptr_t sp) noexcept {
  if (sp >= t.stack_lo && sp < t.stack_hi) return t.stack;
  ShadowStack* s = shadow_stack_for(sp);
  if (s != nullptr) set_thread_stack(t, s);
  return s;
}

void run_exit_handlers(const Site& site, Frame& frame) {
  HandlerTables& h = handlers();
  const int used = h.exit_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    HandlerSlot& slot = h.exit[i];
    void* fn = slot.fn.load(std::memory_order_acquire);
    if (fn != nullptr) reinterpret_cast<ExitHandler>(fn)(site, frame, slot.user);
  }
}

// Reports an exit that never happened as a return: its frame was abandoned.
void report_unwound(ShadowEntry& e) {
  SiteRecord* r = e.record;
  if (r == nullptr) return;
  Frame frame{};
  frame.pc = r->site.address;
  frame.flags = kFrameUnwound;
  ariadne::arch::set_stack_pointer(frame, e.key);
  ThreadState& t = t_state;
  void* outer = t.call_data;
  t.call_data = e.data;
  run_exit_handlers(r->site, frame);
  t.call_data = outer;
}

std::atomic<LostReturnHook> g_lost_return_hook{nullptr};

// A hooked call returned with a stack pointer no remembered call on its
// stack was entered with: the function broke the ABI (SP not restored), and
// where it should return to is unknown. Says which call it most likely was.
[[noreturn]] void lost_return(std::uintptr_t key, ShadowStack* s) {
  char line[512];
  int n = 0;
  const Site* site = nullptr;
  std::uintptr_t entry_sp = 0;
  const void* data = nullptr;
  if (s != nullptr && s->top > 0) {
    const ShadowEntry& top = s->entries[s->top - 1];
    SiteRecord* r = top.record;
    site = r ? &r->site : nullptr;
    entry_sp = top.key;
    data = top.data;
    n = std::snprintf(
        line, sizeof line,
        "ariadne-rt: fatal: a traced call returned with SP %#lx, but the innermost traced call on that "
        "stack, %s (%s), was entered with SP %#lx: it did not restore SP (ABI violation)\n",
        static_cast<unsigned long>(key), r ? display_name(r->site) : "?", r ? r->site.module : "?",
        static_cast<unsigned long>(top.key));
  } else {
    n = std::snprintf(
        line, sizeof line,
        "ariadne-rt: fatal: a traced call returned with SP %#lx, and no traced call on that stack was "
        "entered with it: SP was not restored (ABI violation)\n",
        static_cast<unsigned long>(key));
  }
  if (LostReturnHook hook = g_lost_return_hook.load(std::memory_order_acquire); hook != nullptr) {
    hook(site, entry_sp, key, data, line);
  }
  if (n > 0) sys_write_all(STDERR_FILENO, line, static_cast<std::size_t>(n < 512 ? n : 511));
  std::abort();
}

}  // namespace

ThreadState& thread_state() noexcept { return t_state; }

void set_lost_return_hook(LostReturnHook hook) noexcept {
  g_lost_return_hook.store(hook, std::memory_order_release);
}

void pop_abandoned(ShadowStack* s, std::uintptr_t key, bool inclusive) noexcept {
  while (s->top > 0) {
    ShadowEntry& e = s->entries[s->top - 1];
    if (e.key > key || (e.key == key && !inclusive)) break;
    // Reported in place, popped after: traced code a signal handler runs
    // meanwhile pushes above it.
    report_unwound(e);
    std::atomic_signal_fence(std::memory_order_seq_cst);
    s->top = s->top - 1;
  }
}

}  // namespace ariadne::trace::detail

using namespace ariadne::trace;
using namespace ariadne::trace::detail;

namespace {

// Reserves the shadow entry of a call about to be hooked (before its entry
// handlers run, so they can use its call data). nullptr: not hooked.
// A full shadow stack grows (and may move: `s` follows it).
ShadowEntry* reserve_entry(ShadowStack*& s, std::uintptr_t key, bool tail_call) noexcept {
  if (s->top > 0) {
    const std::uintptr_t below = s->entries[s->top - 1].key;
    if (below < key || (below == key && !tail_call)) pop_abandoned(s, key, /*inclusive=*/!tail_call);
  }
  if (s->top >= s->capacity) {
    ShadowStack* grown = grow_shadow_stack(s);
    if (grown == nullptr) {
      note_unhooked("a shadow stack cannot grow");
      return nullptr;
    }
    s = grown;
  }
  // A key no frame can have until the entry is complete: a signal handler
  // running traced code on this stack meanwhile leaves it alone.
  ShadowEntry& e = s->entries[s->top];
  e.key = ~std::uintptr_t{0};
  std::atomic_signal_fence(std::memory_order_seq_cst);
  s->top = s->top + 1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  return &e;
}

// A call a signal handler made while the runtime it interrupted held the
// thread (SignalBroker.cpp): not traced, but counted if its site is enabled.
__attribute__((noinline)) void count_skipped(ThreadState& t, std::uintptr_t pc) noexcept {
  SiteRecord* r = sites().find(pc);
  if (r != nullptr && r->enabled.load(std::memory_order_relaxed)) ++t.skipped_calls;
}

// Replay's clock (add_tick_handler), first and from here whether the site is
// traced or muted (Tracer.hpp pin_sites) and whatever else is registered: a
// signal handler replay runs from it at a budget point then has its frame at
// the same depth in a traced replay (--trace-to) as when it was recorded
// (its locals' addresses are arguments replay checks).
__attribute__((noinline)) void run_tick_handler(ThreadState& t, EntryHandler tick, void* user, SiteRecord* r,
                                                Frame& frame) noexcept {
  t.in_handler = true;
  tick(r->site, frame, user);
  t.in_handler = false;
}

}  // namespace

extern "C" std::uintptr_t ariadne_trace_on_entry(Frame* frame) noexcept {
  ThreadState& t = t_state;
  ++t.ticks;
  t.last_entry = frame->pc;
  if (t.in_handler) {
    if (t.count_skips) [[unlikely]]
      count_skipped(t, frame->pc);
    return frame->resume;
  }
  SiteRecord* r = sites().find(frame->pc);
  if (r == nullptr || !r->enabled.load(std::memory_order_relaxed)) return frame->resume;
  HandlerTables& h = handlers();
  const EntryHandler tick = h.tick.load(std::memory_order_acquire);
  if (tick != nullptr) [[unlikely]]
    run_tick_handler(t, tick, h.tick_user, r, *frame);
  if (r->muted.load(std::memory_order_relaxed)) [[unlikely]]
    return frame->resume;
  t.in_handler = true;
  ShadowStack* s = nullptr;
  ShadowEntry* e = nullptr;
  std::uintptr_t key = 0;
  bool tail_call = false;
  if (h.exit_handlers.load(std::memory_order_relaxed) > 0) {
    key = ariadne::arch::entry_stack_pointer(*frame);
    s = stack_of(t, key);
    tail_call = *ariadne::arch::return_address_slot(*frame) == exit_hook();
    if (s != nullptr) e = reserve_entry(s, key, tail_call);
  }
  t.call_data = e != nullptr ? e->data : nullptr;
  const int used = h.entry_used.load(std::memory_order_acquire);
  for (int i = 0; i < used; ++i) {
    HandlerSlot& slot = h.entry[i];
    void* fn = slot.fn.load(std::memory_order_acquire);
    if (fn != nullptr && fn != reinterpret_cast<void*>(tick))
      reinterpret_cast<EntryHandler>(fn)(r->site, *frame, slot.user);
  }
  t.call_data = nullptr;
  if (e != nullptr) {
    const bool skipped = frame->resume == reinterpret_cast<std::uintptr_t>(&ariadne_trace_return_stub);
    if (skipped) {
      s->top = s->top - 1;  // the call returns straight to its caller: nothing to hook
    } else {
      e->record = r;
      e->site_id = r->site.id;
      e->slot = nullptr;
      if (tail_call) {
        e->original = exit_hook();
        e->flags = kChained;
      } else {
        std::uint64_t* slot = ariadne::arch::return_address_slot(*frame);
        e->original = *slot;
        *slot = exit_hook();
        e->flags = 0;
      }
      std::atomic_signal_fence(std::memory_order_seq_cst);
      e->key = key;
    }
  }
  t.in_handler = false;
  return frame->resume;
}

extern "C" std::uintptr_t ariadne_trace_on_exit(Frame* frame) noexcept {
  ThreadState& t = t_state;
  const bool nested = t.in_handler;
  t.in_handler = true;
  const std::uintptr_t key = ariadne::arch::entry_stack_pointer(*frame);
  ShadowStack* s = stack_of(t, key);
  if (s == nullptr) lost_return(key, nullptr);
  if (s->top > 0 && s->entries[s->top - 1].key < key) pop_abandoned(s, key, /*inclusive=*/false);
  HandlerTables& h = handlers();
  for (;;) {
    if (s->top == 0 || s->entries[s->top - 1].key != key) lost_return(key, s);
    // The entry stays on the shadow stack while its exit handlers run (no
    // copy of its call data); popped after.
    ShadowEntry& e = s->entries[s->top - 1];
    SiteRecord* r = e.record;
    frame->pc = r->site.address;
    frame->flags = 0;
    t.call_data = e.data;
    const int used = h.exit_used.load(std::memory_order_acquire);
    for (int i = 0; i < used; ++i) {
      HandlerSlot& slot = h.exit[i];
      void* fn = slot.fn.load(std::memory_order_acquire);
      if (fn != nullptr) reinterpret_cast<ExitHandler>(fn)(r->site, *frame, slot.user);
    }
    t.call_data = nullptr;
    const std::uintptr_t original = e.original;
    const bool chained = (e.flags & kChained) != 0;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    s->top = s->top - 1;
    if (!chained) {
      t.in_handler = nested;
      return original;
    }
  }
}

namespace ariadne::trace {
void* call_data() noexcept { return detail::thread_state().call_data; }
bool runtime_busy() noexcept { return detail::thread_state().in_handler; }
bool begin_program_code() noexcept {
  detail::ThreadState& t = detail::thread_state();
  const bool saved = t.in_handler;
  t.in_handler = false;
  return saved;
}
void end_program_code(bool saved) noexcept { detail::thread_state().in_handler = saved; }
}  // namespace ariadne::trace

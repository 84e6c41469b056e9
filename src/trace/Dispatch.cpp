// The dispatcher: what happens on every traced call, between the trampoline
// saving the registers and restoring them. No locks, no allocation: site
// lookup is a lock-free table read, handlers are an array of atomics, return
// hooks live on the per-stack shadow stacks (ReturnHooks.hpp).
#include "trace/Dispatch.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "arch/CodePatch.hpp"
#include "arch/ReturnSlot.hpp"
#include "trace/Handlers.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/SiteTable.hpp"

namespace ariadne::trace::detail {

HandlerTables& handlers() noexcept {
  static HandlerTables tables;
  return tables;
}

namespace {
thread_local ThreadState t_state;

const std::uintptr_t kExitHook = reinterpret_cast<std::uintptr_t>(&ariadne_trace_exit_trampoline);

void run_exit_handlers(const Site& site, Frame& frame) {
  HandlerTables& h = handlers();
  for (HandlerSlot& slot : h.exit) {
    void* fn = slot.fn.load(std::memory_order_acquire);
    if (fn != nullptr) reinterpret_cast<ExitHandler>(fn)(site, frame, slot.user);
  }
}

// Reports an exit that never happened as a return: its frame was abandoned.
void report_unwound(const ShadowEntry& e) {
  SiteRecord* r = sites().by_id(e.site_id);
  if (r == nullptr) return;
  Frame frame{};
  frame.pc = r->site.address;
  frame.flags = kFrameUnwound;
  ariadne::arch::set_stack_pointer(frame, e.key);
  run_exit_handlers(r->site, frame);
}

[[noreturn]] void lost_return(std::uintptr_t key) {
  static const char msg[] = "ariadne-rt: fatal: a traced call returned through the exit trampoline but no return hook matches its stack pointer\n";
  (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)key;
  std::abort();
}

}  // namespace

ThreadState& thread_state() noexcept { return t_state; }

// Pops every entry deeper than `key` (and at `key` too when `inclusive`),
// reporting each as unwound.
void pop_abandoned(ShadowStack* s, std::uintptr_t key, bool inclusive) noexcept {
  while (s->top > 0) {
    const ShadowEntry e = s->entries[s->top - 1];
    if (e.key > key || (e.key == key && !inclusive)) break;
    s->top = s->top - 1;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    report_unwound(e);
  }
}

}  // namespace ariadne::trace::detail

using namespace ariadne::trace;
using namespace ariadne::trace::detail;

extern "C" std::uintptr_t ariadne_trace_on_entry(Frame* frame) noexcept {
  ThreadState& t = t_state;
  ++t.ticks;
  if (t.in_handler) return frame->resume;
  SiteRecord* r = sites().find(frame->pc);
  if (r == nullptr || !r->enabled.load(std::memory_order_relaxed)) return frame->resume;
  t.in_handler = true;
  HandlerTables& h = handlers();
  for (HandlerSlot& slot : h.entry) {
    void* fn = slot.fn.load(std::memory_order_acquire);
    if (fn != nullptr) reinterpret_cast<EntryHandler>(fn)(r->site, *frame, slot.user);
  }
  const bool skipped = frame->resume == reinterpret_cast<std::uintptr_t>(&ariadne_trace_return_stub);
  if (!skipped && h.exit_handlers.load(std::memory_order_relaxed) > 0) {
    const std::uintptr_t key = frame->stack_pointer();
    ShadowStack* s = shadow_stack_for(key);
    if (s != nullptr && s->top < s->capacity) {
      const bool tail_call = frame->return_address() == kExitHook;
      pop_abandoned(s, key, /*inclusive=*/!tail_call);
      // Reserve the slot with a key no frame can have, then publish.
      ShadowEntry& e = s->entries[s->top];
      e.key = ~std::uintptr_t{0};
      std::atomic_signal_fence(std::memory_order_seq_cst);
      s->top = s->top + 1;
      std::atomic_signal_fence(std::memory_order_seq_cst);
      e.site_id = r->site.id;
      e.slot = nullptr;
      if (tail_call) {
        e.original = kExitHook;
        e.flags = kChained;
      } else {
        e.original = ariadne::arch::swap_return_address(*frame, kExitHook);
        e.flags = 0;
      }
      std::atomic_signal_fence(std::memory_order_seq_cst);
      e.key = key;
    }
  }
  t.in_handler = false;
  return frame->resume;
}

extern "C" std::uintptr_t ariadne_trace_on_exit(Frame* frame) noexcept {
  ThreadState& t = t_state;
  const bool nested = t.in_handler;
  t.in_handler = true;
  const std::uintptr_t key = frame->stack_pointer();
  ShadowStack* s = shadow_stack_for(key);
  if (s == nullptr) lost_return(key);
  pop_abandoned(s, key, /*inclusive=*/false);
  for (;;) {
    if (s->top == 0 || s->entries[s->top - 1].key != key) lost_return(key);
    const ShadowEntry e = s->entries[s->top - 1];
    std::atomic_signal_fence(std::memory_order_seq_cst);
    s->top = s->top - 1;
    std::atomic_signal_fence(std::memory_order_seq_cst);
    SiteRecord* r = sites().by_id(e.site_id);
    if (r != nullptr) {
      frame->pc = r->site.address;
      frame->flags = 0;
      run_exit_handlers(r->site, *frame);
    }
    if ((e.flags & kChained) == 0) {
      t.in_handler = nested;
      return e.original;
    }
  }
}

// Handler tables and per-thread state shared by the dispatcher and the API.
#pragma once

#include <atomic>
#include <cstdint>

#include "ariadne/trace.hpp"

namespace ariadne::trace::detail {

inline constexpr int kMaxHandlers = 16;

struct HandlerSlot {
  std::atomic<void*> fn{nullptr};
  void* user = nullptr;
  bool lean = false;  // registered with kHandlerLean
};

struct HandlerTables {
  HandlerSlot entry[kMaxHandlers];
  HandlerSlot exit[kMaxHandlers];
  std::atomic<int> exit_handlers{0};  // > 0: enabled calls get a return hook
  // Slots ever used (high-water marks): the per-call loops stop there.
  std::atomic<int> entry_used{0};
  std::atomic<int> exit_used{0};
  // The tick handler (add_tick_handler), also in `entry`: the one handler
  // that runs at a muted site's calls.
  std::atomic<EntryHandler> tick{nullptr};
  void* tick_user = nullptr;
};
// Non-zero while every registered handler is lean (kHandlerLean): the
// trampolines then build lean frames. Defined (0: full frames) next to them
// in src/arch/<arch>/trampoline.S; written under the tracer's lock, read by
// the trampolines without synchronisation (each reads it once and keeps to
// its choice for the call).
extern "C" __attribute__((visibility("hidden"))) unsigned char ariadne_trace_lean_frames;

// A handler pair with a twin in assembly that does the dispatcher's work and
// the handlers' in one piece per call (e.g. the recorder's plain pair and
// src/arch/<arch>/record_path.S). While the tables hold exactly this pair
// and nothing else, the trampolines jump to the twin first thing (through
// ariadne_trace_fused_entry / _exit, defined in trampoline.S); the twin
// hands unusual calls back to the generic path, and both keep the same
// shadow entries, so the switch may happen while calls are in flight.
struct FusedPath {
  EntryHandler entry;
  ExitHandler exit;
  const void* entry_code;  // jumped to instead of the entry trampoline's body
  const void* exit_code;
  // Where site stubs jump (sites enabled while the path is on jump to
  // per-site stubs where the architecture has them: CodePatch.hpp), and
  // ariadne_trace_stub_entry too; a stub keeps jumping here after the path
  // is off, so this code must then go on to ariadne_trace_stub_generic.
  // nullptr: the architecture's twin has no stub entry.
  const void* stub_entry_code;
};
// Takes the tracer's lock; before or after adding the pair (it is on only
// while the tables hold the pair alone). nullptr: none.
void set_fused_path(const FusedPath* path) noexcept;
extern "C" __attribute__((visibility("hidden"))) const void* ariadne_trace_fused_entry;
extern "C" __attribute__((visibility("hidden"))) const void* ariadne_trace_fused_exit;
extern "C" __attribute__((visibility("hidden"))) const void* ariadne_trace_fused_stub;

// Constant-initialised, never destroyed (as the site table).
extern HandlerTables g_handler_tables;
inline HandlerTables& handlers() noexcept { return g_handler_tables; }

// Per thread. `in_handler` keeps calls made by handlers out of the trace.
struct ShadowStack;
struct ThreadState {
  std::uint64_t ticks = 0;
  // While a tick handler is registered (add_tick_handler): the handler runs
  // only at entries that bring `ticks` to *tick_budget or past it, and the
  // architecture's tick path (src/arch/<arch>/tick_path.S) counts the others
  // in a few instructions. nullptr: every entry goes to the handler.
  const std::uint64_t* tick_budget = nullptr;
  // The site of the thread's last counted entry (tick path or dispatcher).
  std::uintptr_t last_entry = 0;
  bool in_handler = false;
  void* call_data = nullptr;  // the current call's scratch while its handlers run
  // The shadow stack of the machine stack [lo, hi) this thread last traced
  // on, and the keys (entry SPs) that belong to it, [stack_lo, stack_hi) =
  // (lo, hi]: a stack's first call may enter with SP at its very top, which
  // is the bottom of the stack above when stacks are carved side by side.
  // Two compares per hooked call instead of a search (ReturnHooks.hpp).
  std::uintptr_t stack_lo = 0;
  std::uintptr_t stack_hi = 0;
  ShadowStack* stack = nullptr;
  // The fused path's per-thread data, kept by its owner (the recorder's
  // ThreadLog, or nullptr): one load from the thread state.
  void* fused_data = nullptr;
  // Set by the signal broker while a program handler that interrupted the
  // runtime runs: its calls to enabled sites, skipped, are counted.
  bool count_skips = false;
  std::uint64_t skipped_calls = 0;
  char error[256] = {};
};
ThreadState& thread_state() noexcept;
// Makes s the thread's last stack (StackRegions.cpp).
void set_thread_stack(ThreadState& t, ShadowStack* s) noexcept;

// Keeps the traced calls made in a scope out of the trace (in_handler set),
// restoring the thread's previous state at its end: for runtime code that
// runs outside the dispatcher's handler calls (unwinding, the recorder's
// signal and exec events).
class UntracedScope {
 public:
  UntracedScope() noexcept : state_(thread_state()), was_(state_.in_handler) { state_.in_handler = true; }
  ~UntracedScope() { state_.in_handler = was_; }
  UntracedScope(const UntracedScope&) = delete;
  UntracedScope& operator=(const UntracedScope&) = delete;
  // True when the scope began inside a handler (e.g. a signal arrived while
  // one ran).
  bool nested() const noexcept { return was_; }

 private:
  ThreadState& state_;
  bool was_;
};

// Called, when set, instead of the core's own message and abort when a
// traced call returns with an SP no remembered call was entered with (the
// ABI checker reports it as a violation). `site` is the innermost traced
// call on that stack (nullptr if none), `entry_sp` its entry SP and
// `call_data` its handlers' call data (nullptr if none); `message` is the
// core's own line. Must not return.
using LostReturnHook = void (*)(const Site* site, std::uintptr_t entry_sp, std::uintptr_t exit_sp,
                                const void* call_data, const char* message);
void set_lost_return_hook(LostReturnHook hook) noexcept;

}  // namespace ariadne::trace::detail

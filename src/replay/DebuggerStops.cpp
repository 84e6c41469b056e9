// `ariadne replay --gdb`: where the replayed program stops for gdb
// (src/cli/ReplayDebugger.cpp sets gdb's breakpoints on the two functions
// below and takes the program from there).
#include <atomic>
#include <cstdint>

#include "arch/RawSyscall.hpp"
#include "ariadne/trace.hpp"
#include "replay/Baton.hpp"
#include "replay/CallNames.hpp"
#include "replay/ReplayLog.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

// gdb's breakpoints: the event (--at) has just been replayed, a call's
// results in the program's memory; the call (--at-call) is at its function's
// entry. Exported, out of line and whole, so that gdb finds them by name.
// `resume`: where the program goes on when the event is a diverted
// instruction's (replayed in a SIGTRAP handler or a stub, not in a call the
// program made), else 0.
volatile unsigned long long ariadne_replay_stopped_at = 0;
extern "C" __attribute__((visibility("default"), noipa, used)) void ariadne_replay_event_reached(
    unsigned long long event, unsigned long long resume) {
  ariadne_replay_stopped_at = event ^ resume;
}
// `body`: where the function goes on after its patched entry (gdb's unwinder
// sees no frame of the function before that on AArch64).
extern "C" __attribute__((visibility("default"), noipa, used)) void ariadne_replay_call_reached(
    unsigned long long call, unsigned long long body) {
  ariadne_replay_stopped_at = call ^ body;
}

namespace ariadne::replay {

namespace {

constinit std::uint64_t g_stop_event = 0;  // from 1, as `ariadne info --events` counts; 0: none
constinit std::uint64_t g_stop_call = 0;
constinit std::atomic<std::uint64_t> g_calls_seen{0};
constinit std::uintptr_t g_resume = 0;  // set by the baton holder only

const char* function_at(std::uintptr_t pc) noexcept {
  const trace::Site* s = pc != 0 ? trace::find_site(pc) : nullptr;
  return s != nullptr && s->name[0] != '\0' ? s->name : "(no instrumented call yet)";
}

// Runs at the calls of the sites stop_at_call unmuted only.
void on_call(const trace::Site& site, trace::Frame& frame, void*) {
  if (g_calls_seen.fetch_add(1, std::memory_order_relaxed) + 1 != g_stop_call) return;
  sys_print(2, "ariadne replay: call %llu of %s (tick %llu): stopped for gdb\n",
            static_cast<unsigned long long>(g_stop_call), site.name,
            static_cast<unsigned long long>(current_ticks()));
  ariadne_replay_call_reached(g_stop_call, frame.resume);
}

}  // namespace

void stop_after_event(std::uint64_t event) noexcept { g_stop_event = event; }

void set_resume_address(std::uintptr_t pc) noexcept { g_resume = pc; }

bool stop_at_call(const char* regex, std::uint64_t call) noexcept {
  g_stop_call = call;
  // Its sites unmuted, an entry handler counts their calls; every other site
  // still ticks (pinned).
  return trace::enable(trace::by_regex(regex)) > 0 &&
         trace::add_entry_handler(on_call, nullptr, trace::kHandlerLean) >= 0;
}

void after_event(ReplayThread* me, const EventView& ev) noexcept {
  if (g_stop_event == 0 || events_consumed() != g_stop_event) [[likely]]
    return;
  const char* what = ev.head.kind == EventKind::call ? call_name(ev.head.a) : event_name(ev.head.kind);
  sys_print(2, "ariadne replay: event %llu replayed (%s by thread %u at tick %llu, in %s): stopped for gdb\n",
            static_cast<unsigned long long>(g_stop_event), what, me != nullptr ? me->index : 0u,
            static_cast<unsigned long long>(current_ticks()), function_at(trace::last_entry_site()));
  ariadne_replay_event_reached(g_stop_event, g_resume);
}

}  // namespace ariadne::replay

// The tracer: owns the modules' lifecycle (scan, prepare, register sites),
// and enable/disable batches. Everything here runs under one recursive lock
// (dlclose runs destructors that may call back into us) and never on the
// per-call path.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ariadne/trace.hpp"

namespace ariadne::trace::detail {

// Idempotent; called by the runtime's constructor and by every API entry
// (a program that links the runtime may call us from its own constructors).
void ensure_initialized() noexcept;

// After the loader added modules (dlopen returned): scan, prepare, apply the
// enable rules to the new sites.
void modules_added() noexcept;

// dlclose: hold the lock around the real call, then retire what vanished.
void lock_modules() noexcept;
void modules_removed_and_unlock() noexcept;

// Told about each module with sites added after it is set (at start when set
// before ensure_initialized(), then at dlopen), under the tracer's lock,
// after the module's sites got the enable rules. The recorder writes the
// module's sites into its process file; the sites link tells `ariadne
// record`/`abicheck` the run has instrumented code (src/record/SitesLink.hpp).
// Up to kMaxModuleObservers; false when they are taken.
using ModuleObserver = void (*)(std::size_t module_index);
inline constexpr std::size_t kMaxModuleObservers = 4;
bool add_module_observer(ModuleObserver observer) noexcept;

// Called after each dlopen that returned a handle, once its new modules are
// scanned (LoaderHooks.cpp): libariadne-replay.so records the shared objects
// a replayable program loads (src/replay/Libraries.cpp). One observer.
// Exported for libariadne-replay.so.
using DlopenObserver = void (*)();
__attribute__((visibility("default"))) void set_dlopen_observer(DlopenObserver observer) noexcept;

// The command that launched the program says itself when nothing of the run
// was instrumented (`ariadne record`, `abicheck`): the scan then takes the
// program built without patch sites as routine, like a library, instead of
// saying so on stderr. Before ensure_initialized().
void leave_uninstrumented_program_to_launcher() noexcept;

// From now on every patched site stays patched and the sites not patched yet
// follow the rules made so far: replay's clock counts every entry of every
// site, whatever is traced later (docs/replay.md, "Ticks"). Each site starts
// muted (its calls run the tick handler only); enable/disable afterwards
// unmute and mute sites instead of patching them, for handlers added later
// (the recorder of `replay --trace-to`).
// Exported for libariadne-replay.so.
__attribute__((visibility("default"))) void pin_sites() noexcept;

// ARIADNE_COUNT=<regex>: count calls, print them at exit (CallCounter.cpp).
void start_call_counter_from_environment() noexcept;

// A line for diagnostics(), also said on stderr unless `routine` (a library
// built without patch sites: the norm) and not ARIADNE_TRACE_VERBOSE=1.
void note_problem(const char* line, bool routine = false) noexcept;
void set_error(const char* fmt, ...) noexcept __attribute__((format(printf, 1, 2)));

}  // namespace ariadne::trace::detail

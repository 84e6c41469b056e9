// Library calls: calls from an instrumented module through its PLT into a
// library that is not instrumented (libc's memcpy, malloc, qsort...). Each
// PLT slot of the module gets a stub (arch::write_libcall_stub: a prepared
// sled, then a jump to the function) and its GOT slot is pointed at the
// stub; the stub's sled is a site of the module named after the symbol, so
// it is enabled, recorded, filtered (-F/-N) and captured (-A/-R) like any
// other. Calls made inside the library are not seen: its code is not
// patched. docs/trace.md "Library calls" says what is left out and why.
#pragma once

#include <cstdint>
#include <functional>

#include "patch/ModuleImage.hpp"
#include "patch/VeneerPool.hpp"

namespace ariadne::trace::detail {

// Off when ARIADNE_LIBCALLS=0 (`ariadne record --no-libcalls`, abicheck)
// or under record/replay (ARIADNE_REPLAY: ticks count the entries of
// instrumented code only, and replay interposes libc itself).
bool libcalls_wanted() noexcept;

// True when `address` lies in a module whose calls are traced by their own
// sleds (an instrumented module): a PLT slot resolving there is left alone.
using InstrumentedTest = std::function<bool(std::uintptr_t address)>;

// Under the tracer's lock, before `image` is added to the site table (no
// thread calls the stubs' sleds yet; calls through a redirected slot run
// the prepared sled, i.e. straight to the function). Appends one site per
// redirected slot to image.sites, kept sorted; returns how many.
std::size_t add_libcall_sites(patch::ModuleImage& image, patch::VeneerPool& pool,
                              const InstrumentedTest& instrumented);

}  // namespace ariadne::trace::detail

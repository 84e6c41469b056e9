// The int3 protocol's trap handler (CodePatch.cpp), as diagnostics and tests
// see it.
#pragma once

#include <cstdint>

namespace ariadne::arch {
// SIGTRAPs the patch trap handler has resolved as transient int3s of
// toggle_live, since the process started.
std::uint64_t patch_traps_handled() noexcept;
// Tests only: called on the patching thread after phase 1 (int3s planted)
// and phase 2 (the other 4 bytes written) of the int3 protocol, each synced,
// so a test can run into the transient int3 deterministically. nullptr: none.
void set_int3_phase_hook(void (*hook)(unsigned phase)) noexcept;
}  // namespace ariadne::arch

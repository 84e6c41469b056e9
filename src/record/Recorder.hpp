// `ariadne record`, the runtime half: ARIADNE_RECORD=DIR (and
// ARIADNE_RECORD_OPTIONS) turn it on, from the runtime's constructor.
#pragma once

#include <cstdint>

namespace ariadne::record {

void start_recorder_from_environment() noexcept;
// Records into `root` with the options ARIADNE_RECORD_OPTIONS would hold
// (RecordOptions.hpp); a bad option ends the process with a line naming
// `source`. `replay --trace-to` starts it so, from replay's settings.
// Exported for libariadne-replay.so.
__attribute__((visibility("default"))) void start_recorder(const char* root, const char* options,
                                                           const char* source) noexcept;

// The directory given in ARIADNE_RECORD, or nullptr when not recording.
const char* record_root() noexcept;

// Fork / exec / signals (ProcessEvents.cpp): installed by the recorder.
void install_process_events() noexcept;
void after_fork_in_child(std::uint32_t parent_pid) noexcept;

}  // namespace ariadne::record

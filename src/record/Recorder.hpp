// `ariadne record`, the runtime half: ARIADNE_RECORD=DIR (and
// ARIADNE_RECORD_OPTIONS) turn it on, from the runtime's constructor.
#pragma once

#include <cstdint>

namespace ariadne::record {

void start_recorder_from_environment() noexcept;

// The directory given in ARIADNE_RECORD, or nullptr when not recording.
const char* record_root() noexcept;

// Fork / exec / signals (ProcessEvents.cpp): installed by the recorder.
void install_process_events() noexcept;
void after_fork_in_child(std::uint32_t parent_pid) noexcept;

}  // namespace ariadne::record

// `ariadne replay DIR --gdb [--at EVENT | --at-call FUNCTION:N]`: the replay
// run under gdb (gdb-multiarch against qemu-aarch64's gdb stub for AArch64
// programs), stopped at a recorded event or at a call of a function.
#pragma once

#include <cstdint>
#include <string>

#include "launch/Launcher.hpp"

namespace ariadne::cli {

struct DebuggerRequest {
  std::uint64_t at_event = 0;  // stop once this event has been replayed (from 1)
  std::string at_function;     // or at the at_call-th call of this function
  std::uint64_t at_call = 0;
  std::string script;  // gdb commands run once stopped (then gdb quits); empty: interactive
};

// FUNCTION:N (N from 1) or FUNCTION (its first call); throws LaunchError.
void parse_at_call(const std::string& text, DebuggerRequest& request);

// Runs the replay `plan` (with its settings in its environment) under gdb
// and returns gdb's exit status. Throws LaunchError when gdb or qemu cannot
// be started.
int run_replay_under_gdb(const launch::Launcher& launcher, launch::LaunchPlan plan,
                         const DebuggerRequest& request);

}  // namespace ariadne::cli

// Record/replay in the CLI (docs/replay.md): `record --replayable`
// (ReplayableRecord.cpp) and `replay` (ReplayCommand.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/ReplayLogSummary.hpp"
#include "cli/ReplayOutput.hpp"

namespace ariadne::cli {

inline constexpr const char* kReplayLibrary = "libariadne-replay.so";
// What programs built with `ariadne flags --replayable` link: an empty
// __sanitizer_cov_trace_pc, which libariadne-replay.so's replaces.
inline constexpr const char* kCovLibrary = "libariadne-cov.so";

// Lines of a replayable recording's session options ("Y replayable",
// "B <build-id>", "C <cwd>", "Q <ticks>").
inline constexpr char kReplayOptionTag = 'Y';
inline constexpr char kReplayBuildIdTag = 'B';
inline constexpr char kReplayCwdTag = 'C';
inline constexpr char kReplayTicksTag = 'Q';
inline constexpr char kReplayChaosTag = 'X';  // "X <seed>": scheduled by `ariadne chaos`
inline constexpr std::uint64_t kDefaultReplayTicks = 20000;

// ARIADNE_REPLAY=... for the target, padded to one length whatever the
// paths: the environment lies on the program's stack, and the stack must be
// laid out the same in record and replay. Throws LaunchError for paths too long.
struct ReplaySettings {
  std::string mode;  // record, replay, replay-ignoring-results
  std::string log, result;
  std::uint64_t ticks = 0;
  std::uint64_t chaos_seed = 0;  // nonzero: the recorder's chaos mode (src/replay/Chaos.hpp)
  bool ends_in_crash = false;    // replay: the recorded run was killed by a fault of its own
  // replay --trace-to: the recorder writes a function trace there, with the
  // options in the file trace_options.
  std::string trace_dir, trace_options;
  std::uint64_t stop_at = 0;  // replay --gdb --at N
  // replay --gdb --at-call: the stop_call-th call of the functions matching
  // stop_call_regex (POSIX extended, against the sites' demangled names)
  std::string stop_call_regex;
  std::uint64_t stop_call = 0;
};
std::string replay_settings(const ReplaySettings& s);

std::string replay_options(const std::string& build_id, const std::string& cwd, std::uint64_t ticks,
                           std::uint64_t chaos_seed = 0);

// One replayable recording of `command` into `output`.
struct ReplayableRecording {
  std::string output;
  std::vector<std::string> command;
  std::uint64_t ticks = kDefaultReplayTicks;
  std::uint64_t chaos_seed = 0;  // 0: round robin
  bool pass_output = true;       // PROG's output also goes to ours
  // The log compressed once PROG has ended (replay.log.zst); `chaos`
  // compresses only the runs it keeps (compress_kept_log).
  bool compress_log = true;
};
struct RecordedRun {
  launch::ExitStatus status;
  PumpResult pumped;
  ReplayLogSummary log;  // of the log as cut after its last event
  bool output_saved = false;
  std::uint64_t log_compressed_bytes = 0;  // 0: left raw
};
// Throws launch::LaunchError for a PROG that cannot be run or a DIR that
// cannot be written (nothing recorded then).
RecordedRun record_replayable_run(const ReplayableRecording& what);

// DIR/replay.log → replay.log.zst; a line on stderr when it cannot (the raw
// log stays, and replays as well).
void compress_kept_log(const std::string& output, RecordedRun& run);

// `record --replayable`: never returns, ends like PROG.
[[noreturn]] void record_replayable(const std::string& output, const std::vector<std::string>& command,
                                    std::uint64_t ticks);

}  // namespace ariadne::cli

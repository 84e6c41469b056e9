// Record/replay in the CLI (docs/replay.md): `record --replayable`
// (ReplayableRecord.cpp) and `replay` (ReplayCommand.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

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
inline constexpr std::uint64_t kDefaultReplayTicks = 20000;

// ARIADNE_REPLAY=... for the target, padded to one length whatever the
// paths: the environment lies on the program's stack, and the stack must be
// laid out the same in record and replay. Throws LaunchError for paths too long.
std::string replay_settings(const std::string& mode, const std::string& log, const std::string& result,
                            std::uint64_t ticks);

std::string replay_options(const std::string& build_id, const std::string& cwd, std::uint64_t ticks);

// Never returns: ends like PROG.
[[noreturn]] void record_replayable(const std::string& output, const std::vector<std::string>& command,
                                    std::uint64_t ticks);

}  // namespace ariadne::cli

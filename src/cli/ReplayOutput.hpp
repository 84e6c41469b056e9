// What `record --replayable` and `replay` share in this process: the
// program's stdout and stderr pass through pipes, so that the recorder keeps
// a copy (DIR/replay.stdout, DIR/replay.stderr) and replay compares each byte
// with it as it comes -- a safety net under the log's own checks: whatever
// replay does not intercept yet, output that differs is a divergence, never
// a silent one.
#pragma once

#include <sys/types.h>

#include <cstdio>
#include <string>

#include "launch/Launcher.hpp"

namespace ariadne::cli {

inline constexpr const char* kReplayLog = "replay.log";
inline constexpr const char* kReplayStdout = "replay.stdout";
inline constexpr const char* kReplayStderr = "replay.stderr";
inline constexpr int kDivergedStatus = 4;

struct OutputPipes {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  void open();              // throws launch::LaunchError
  void close_child_ends();  // after the spawn
};

struct PumpResult {
  bool diverged = false;
  std::string message;  // which stream, at which byte, expected vs found
  // Output the recording has and this run did not produce (a prefix is all
  // that matched): a divergence, unless the recorded run was killed between
  // a write and its event.
  std::string missing;
  std::uint64_t out_bytes = 0, err_bytes = 0;
};

// Copies the program's output to this process's stdout/stderr until both
// pipes close. save_*: also appended there (record). expect_*: compared
// (replay); at the first difference the child is killed and the result says
// where. Less output than expected is told apart (`missing`). pass_through
// false: the output is only saved or compared (`ariadne chaos`).
PumpResult pump_output(const OutputPipes& pipes, pid_t child, std::FILE* save_out, std::FILE* save_err,
                       const std::string* expect_out, const std::string* expect_err,
                       bool pass_through = true);

// Runs `plan` as replay runs a program in both modes -- no ASLR, its stdout
// and stderr through the pump above -- and waits for it.
struct ReplayRun {
  PumpResult pumped;
  launch::ExitStatus status;
};
ReplayRun run_replayable(const launch::Launcher& launcher, launch::LaunchPlan plan, std::FILE* save_out,
                         std::FILE* save_err, const std::string* expect_out, const std::string* expect_err,
                         bool pass_through = true);

}  // namespace ariadne::cli

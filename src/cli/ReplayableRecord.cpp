// `ariadne record --replayable`: runs PROG with libariadne-replay.so beside
// the runtime, serialised, writing DIR/replay.log (docs/replay.md), and keeps
// PROG's stdout and stderr (DIR/replay.stdout, DIR/replay.stderr) while
// passing them through. The session file holds what replay needs to start
// PROG again the same way: its arguments, environment, working directory
// and the executable's build-id; the target appends its shared objects'
// (src/replay/Libraries.cpp), which replay checks too.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "arch/Isa.hpp"
#include "cli/RecordingDirectory.hpp"
#include "cli/ReplayLogFile.hpp"
#include "cli/ReplayLogSummary.hpp"
#include "cli/ReplayOutput.hpp"
#include "cli/Replayable.hpp"
#include "cli/RuntimeSettings.hpp"
#include "cli/SessionFile.hpp"
#include "launch/ElfIdentity.hpp"
#include "launch/LaunchError.hpp"
#include "launch/Launcher.hpp"
#include "record/ChunkFile.hpp"
#include "tracefile/Format.hpp"

extern char** environ;

namespace ariadne::cli {

namespace {

namespace fs = std::filesystem;
using launch::LaunchError;

// Session.hpp's kReplaySettingsLength (the runtime's side of it).
constexpr std::size_t kSettingsLength = 3000;

std::string current_directory() {
  std::error_code ec;
  const fs::path p = fs::current_path(ec);
  return ec ? std::string() : p.string();
}

}  // namespace

std::string replay_options(const std::string& build_id, const std::string& cwd, std::uint64_t ticks,
                           std::uint64_t chaos_seed) {
  std::string options =
      fmt::format("{} replayable\n{} {}\n{} {}\n{} {}\n", kReplayOptionTag, kReplayBuildIdTag,
                  build_id.empty() ? "-" : build_id, kReplayCwdTag, cwd, kReplayTicksTag, ticks);
  if (chaos_seed != 0) options += fmt::format("{} {}\n", kReplayChaosTag, chaos_seed);
  return options;
}

std::string replay_settings(const ReplaySettings& s) {
  std::string v = fmt::format("mode={}|log={}|result={}|ticks={}|", s.mode, s.log, s.result, s.ticks);
  if (s.chaos_seed != 0) v += fmt::format("chaos={}|", s.chaos_seed);
  if (s.ends_in_crash) v += "crash=1|";
  // Last: the runtime reads them first (Session.cpp).
  if (s.trace_dir.find('|') != std::string::npos)
    throw LaunchError(fmt::format("--trace-to {}: a '|' cannot be in the path", s.trace_dir));
  if (!s.trace_dir.empty()) v += fmt::format("trace={}|trace-options={}|", s.trace_dir, s.trace_options);
  if (s.stop_at != 0) v += fmt::format("stop-at={}|", s.stop_at);
  if (s.stop_call != 0) v += fmt::format("stop-call={}|stop-call-regex={}|", s.stop_call, s.stop_call_regex);
  if (v.size() > kSettingsLength)
    throw LaunchError(fmt::format("{}: the path is too long for replay (at most about {} characters)", s.log,
                                  kSettingsLength / 2 - 40));
  v.resize(kSettingsLength, '.');
  return "ARIADNE_REPLAY=" + v;
}

RecordedRun record_replayable_run(const ReplayableRecording& what) {
  launch::Launcher launcher;
  unset_environment("ARIADNE_RECORD");
  unset_environment("ARIADNE_REPLAY");
  RecordingDirectory out(what.output);
  const fs::path dir = out.path();
  // The program's own environment, kept before ours is added.
  std::vector<std::string> target_env;
  for (char** e = environ; *e != nullptr; ++e) target_env.emplace_back(*e);
  ReplaySettings settings;
  settings.mode = "record";
  settings.log = fs::absolute(dir / kReplayLog).string();
  settings.ticks = what.ticks;
  settings.chaos_seed = what.chaos_seed;
  const std::vector<std::string> env{replay_settings(settings)};
  const auto plan = launcher.plan(what.command, env, {kReplayLibrary});
  const launch::ElfIdentity id = launch::identify_elf(plan.program);
  out.prepare();

  SessionFile session(dir.string(), plan.isa, what.command, target_env,
                      replay_options(id.build_id, current_directory(), what.ticks, what.chaos_seed));

  const auto open_copy = [&](const char* name) {
    const std::string p = (dir / name).string();
    const int cfd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    std::FILE* f = cfd >= 0 ? ::fdopen(cfd, "w") : nullptr;
    if (f == nullptr) throw LaunchError(fmt::format("{}: cannot create: {}", p, std::strerror(errno)));
    return f;
  };
  std::FILE* save_out = open_copy(kReplayStdout);
  std::FILE* save_err = open_copy(kReplayStderr);

  const ReplayRun run =
      run_replayable(launcher, plan, save_out, save_err, nullptr, nullptr, what.pass_output);
  RecordedRun result;
  result.pumped = run.pumped;
  result.status = run.status;
  result.output_saved = std::fclose(save_out) == 0 && std::fclose(save_err) == 0;

  session.end(run.status, 0);

  const std::string log_path = (dir / kReplayLog).string();
  ReplayLogSummary& log = result.log;
  log = summarize_replay_log(log_path);
  // The log grows a megabyte at a time: cut it after its last event.
  if (log.readable && log.end_offset != 0 && log.end_offset < log.bytes &&
      ::truncate(log_path.c_str(), static_cast<off_t>(log.end_offset)) == 0)
    log.bytes = log.end_offset;
  // Once the program has ended, killed or not. A recorder killed before
  // this leaves the raw log, which replays as well.
  if (what.compress_log && log.readable) compress_kept_log(what.output, result);
  return result;
}

void compress_kept_log(const std::string& output, RecordedRun& run) {
  std::string why;
  if (!compress_replay_log(output, run.log_compressed_bytes, why))
    fmt::print(stderr, "ariadne record: {}: the replay log is left uncompressed: {}\n", output, why);
}

void record_replayable(const std::string& output, const std::vector<std::string>& command,
                       std::uint64_t ticks) {
  ReplayableRecording what;
  what.output = output;
  what.command = command;
  what.ticks = ticks;
  const RecordedRun run = record_replayable_run(what);
  const ReplayLogSummary& log = run.log;
  const PumpResult& pumped = run.pumped;
  const launch::ExitStatus& status = run.status;
  if (!run.output_saved)
    fmt::print(stderr, "ariadne record: cannot write the copy of PROG's output in {}\n", output);
  if (!log.readable) {
    fmt::print(stderr, "ariadne record: {}: no replay log was written ({}): was PROG started?\n", output,
               log.header_problem);
  } else {
    fmt::print(
        stderr,
        "ariadne record: {}: replayable: {} events ({} hand-offs, {} calls logged), {} thread{}, {} bytes "
        "of log{}; {} + {} bytes of output kept; PROG {} {}\n",
        output, log.events, log.by_kind[1], log.by_kind[3], log.threads, log.threads == 1 ? "" : "s",
        log.bytes,
        run.log_compressed_bytes != 0 ? fmt::format(" ({} compressed)", run.log_compressed_bytes) : "",
        pumped.out_bytes, pumped.err_bytes, status.signaled ? "killed by signal" : "exited with",
        status.value);
  }
  launch::exit_like(status);
}

}  // namespace ariadne::cli

// `ariadne replay [DIR]`: runs a replayable recording's program again, from
// the same directory with the same arguments and environment, with the log
// in the driving seat (libariadne-replay.so in replay mode), and checks its
// output byte for byte against what was recorded.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cli/Commands.hpp"
#include "cli/RecordingDirectory.hpp"
#include "cli/ReplayDebugger.hpp"
#include "cli/ReplayLogFile.hpp"
#include "cli/ReplayLogSummary.hpp"
#include "cli/ReplayOutput.hpp"
#include "cli/Replayable.hpp"
#include "cli/SegmentCompressor.hpp"
#include "cli/SessionFile.hpp"
#include "cli/TraceOptions.hpp"
#include "launch/ElfIdentity.hpp"
#include "launch/LaunchError.hpp"
#include "launch/Launcher.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::cli {

namespace {

namespace fs = std::filesystem;
using launch::LaunchError;

constexpr const char* kDescription =
    "Run the program of a recording made with `ariadne record --replayable` again, exactly as recorded: "
    "the same thread runs at the same point as when it was recorded, the calls replay intercepts (the libc "
    "functions docs/replay.md lists) get the recorded results, and its stdout and stderr appear again on "
    "this "
    "command's stdout and stderr.\n"
    "Each hand-off and call is checked against the log; so is every byte of output. At the first "
    "difference replay stops and says where (event, thread, tick, function) and exits 4: a replay is "
    "never silently different.\n"
    "A recording whose program was killed replays up to the kill.\n"
    "With --trace-to TDIR the replayed run is also recorded as `ariadne record` would record it, into "
    "TDIR, with the trace options -F, -N, -D, -t, -A, -R: record once, cheaply, and trace any function "
    "with any arguments afterwards, as often as needed; `ariadne report`, `show`, `graph`, `dump` read "
    "TDIR. The trace is of the replayed run: the same calls in the same order on each thread, its times "
    "those of the replay.\n"
    "With --gdb the replay runs under gdb, stopped after event --at EVENT (`ariadne info --events DIR` "
    "numbers them) or at the N-th call of a function (--at-call FUNCTION:N); from there on gdb is "
    "yours: every value the program reads from the log is the recorded one.\n"
    "The last line on stderr says how many events and threads were replayed and the program's recorded "
    "exit status.\n"
    "Exit status: 0 when the replay reached the end of the recording faithfully, 4 on divergence, 2 for "
    "bad input (not a replayable recording, a damaged log, a log that ends early although the program "
    "exited when recorded, a changed executable or shared library).";

[[noreturn]] void bad_input(const std::string& line) {
  std::fprintf(stderr, "ariadne replay: %s\n", line.c_str());
  throw CommandExit{2};
}

[[noreturn]] void diverged(const std::string& line) {
  std::fprintf(stderr, "ariadne replay: diverged: %s\n", line.c_str());
  throw CommandExit{kDivergedStatus};
}

std::string read_whole(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) bad_input(fmt::format("{}: cannot read the recorded output", p.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// "T value" lines of the session options.
std::string option(const std::string& options, char tag) {
  std::istringstream in(options);
  std::string line;
  while (std::getline(in, line))
    if (line.size() >= 2 && line[0] == tag && line[1] == ' ') return line.substr(2);
  return "";
}

bool is_crash_signal(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGABRT ||
         sig == SIGTRAP || sig == SIGSYS;
}

std::string status_text(int kind, int value) {
  return kind != 0 ? fmt::format("was killed by signal {}", value) : fmt::format("exited with {}", value);
}

// FUNCTION as `--at-call` takes it: the whole demangled name, or the name
// without its parameter list (`ns::f` for `ns::f(int)`).
std::string function_regex(const std::string& name) {
  if (name.empty()) return "";
  std::string re = "^";
  for (const char c : name) {
    if (c == '|') bad_input("--at-call: a function name cannot hold '|'");
    if (std::strchr("\\^$.[]()*+?{}", c) != nullptr) re += '\\';
    re += c;
  }
  return re + "(\\(.*)?$";
}

// Each shared object the program had loaded when recorded (before main and
// by dlopen) must be the same build now, or the replay would run other code:
// checked before the program starts, in the recorded working directory
// (relative paths are the loader's, from there).
void check_libraries(const std::vector<tracefile::SessionLibrary>& libraries) {
  for (const tracefile::SessionLibrary& lib : libraries) {
    const std::string recorded = lib.build_id.empty() ? "none" : lib.build_id;
    std::string id;
    try {
      id = launch::file_build_id(lib.path);
    } catch (const LaunchError& e) {
      std::string why = e.what();
      if (why.rfind(lib.path + ": ", 0) == 0) why.erase(0, lib.path.size() + 2);
      bad_input(fmt::format("{}: the library cannot be read since it was recorded ({}; recorded build-id {})",
                            lib.path, why, recorded));
    }
    if (id != lib.build_id)
      bad_input(fmt::format("{}: the library changed since it was recorded (build-id {}, recorded {})",
                            lib.path, id.empty() ? "none" : id, recorded));
  }
}

struct ReplayOptions {
  std::string dir = "ariadne.data";
  std::string trace_to;  // empty: no trace
  TraceOptions trace;
  bool gdb = false;
  DebuggerRequest debugger;
};

// `--trace-to TDIR`: the directory, the recorder's options (in a file the
// runtime reads: they may be long and hold any byte) and the session file.
class ReplayTrace {
 public:
  // Absolute: the replay runs in the recorded working directory.
  ReplayTrace(const ReplayOptions& o, const fs::path& recording) : out_(fs::absolute(o.trace_to).string()) {
    std::error_code ec;
    if (fs::exists(o.trace_to, ec) && fs::equivalent(o.trace_to, recording, ec))
      bad_input(fmt::format("--trace-to {}: that is the recording being replayed", o.trace_to));
    // "L 1": each thread copies its full segments out itself (no drainer
    // beside the replay); compressed when the replay has ended.
    options_ = o.trace.lines() + "L 1\n";
    trace_ = &o.trace;
    char path[] = "/tmp/ariadne-replay-trace.XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) bad_input(fmt::format("cannot create a file in /tmp: {}", std::strerror(errno)));
    ::close(fd);
    options_path_ = path;  // written in prepare(): -a needs the program
  }
  ~ReplayTrace() { ::unlink(options_path_.c_str()); }
  ReplayTrace(const ReplayTrace&) = delete;
  ReplayTrace& operator=(const ReplayTrace&) = delete;

  std::string dir() const { return out_.path().string(); }
  const std::string& options_path() const { return options_path_; }

  // Once PROG is known to start: TDIR emptied of an earlier recording and its
  // session file written.
  void prepare(const launch::LaunchPlan& plan, const tracefile::SessionInfo& replayed) {
    try {
      if (trace_->auto_args) options_ += trace_->auto_args_lines(plan);
    } catch (const LaunchError& e) {
      bad_input(e.what());
    }
    std::ofstream file(options_path_, std::ios::binary | std::ios::trunc);
    file << options_;
    if (!file.flush()) bad_input(fmt::format("{}: cannot write the trace options", options_path_));
    out_.prepare();
    session_.emplace(out_.path().string(), plan.isa, replayed.argv, replayed.env, options_);
  }

  // PROG has ended: its segments compressed, the session ended.
  void finish(const launch::ExitStatus& status, const std::string& shown) {
    SegmentCompressor compressor(out_.path());
    compressor.pass(true, std::max(1u, std::thread::hardware_concurrency()));
    session_->end(status, 0);
    const RecordTotals t = compressor.totals();
    std::fprintf(stderr, "ariadne replay: traced into %s: %llu thread%s, %llu calls, %llu bytes on disk\n",
                 shown.c_str(), static_cast<unsigned long long>(t.threads), t.threads == 1 ? "" : "s",
                 static_cast<unsigned long long>(t.calls), static_cast<unsigned long long>(t.bytes));
  }

 private:
  RecordingDirectory out_;
  std::string options_;
  std::string options_path_;
  const TraceOptions* trace_ = nullptr;
  std::optional<SessionFile> session_;
};

void replay(const ReplayOptions& o) {
  const std::string& dir_arg = o.dir;
  const fs::path dir = dir_arg;
  std::vector<tracefile::Problem> problems;
  tracefile::SessionInfo session;
  try {
    session = tracefile::TraceDir::open(dir_arg, problems).session();
  } catch (const tracefile::TraceError& e) {
    bad_input(e.what());
  }
  if (option(session.options, kReplayOptionTag) != "replayable" ||
      ReplayLogFile::find(dir) == ReplayLogFile::Found::none)
    bad_input(
        fmt::format("{}: not a replayable recording (no {}): record it with `ariadne record --replayable`",
                    dir_arg, kReplayLog));
  if (session.argv.empty()) bad_input(fmt::format("{}/ariadne.session: no command recorded", dir_arg));
  // Raw, or decompressed into a memory file the target is handed.
  ReplayLogFile log_file;
  if (!log_file.load(dir)) bad_input(log_file.problem());
  const ReplayLogSummary log = summarize_replay_bytes(log_file.data(), log_file.size());
  if (!log.readable) bad_input(fmt::format("{}: {}", log_file.at(0), log.header_problem));
  if (log.corrupt) bad_input(fmt::format("{}: {}", log_file.at(log.stop_offset), log.stop_why));
  // A log that ends early (a torn last record, or no exit event) is what a
  // killed target leaves: replay goes up to its end. But when the session
  // says the program exited normally, the log was cut afterwards.
  if ((log.torn || !log.ended) && session.ended && session.exit_kind == 0)
    bad_input(
        fmt::format("{}: the log ends before the program's end, but the program {} when recorded: "
                    "the file was truncated",
                    log_file.at(log.torn ? log.stop_offset : log.bytes),
                    status_text(session.exit_kind, session.exit_value)));
  // Killed by a fault of its own (a crash): no exit event ends the log, and
  // the replay must crash at the same place (the runtime lets the thread
  // that held the baton last run on to it).
  const bool crashed = session.ended && session.exit_kind == 1 && !log.ended && !log.torn &&
                       is_crash_signal(session.exit_value);
  std::optional<ReplayTrace> trace;
  try {
    if (!o.trace_to.empty()) trace.emplace(o, dir);
  } catch (const LaunchError& e) {
    bad_input(e.what());
  }
  const std::string expect_out = read_whole(dir / kReplayStdout);
  const std::string expect_err = read_whole(dir / kReplayStderr);

  // The recorded run's directory and environment: the program's stack, and so
  // its addresses, depend on them.
  const std::string cwd = option(session.options, kReplayCwdTag);
  const std::string log_for_target = log_file.path_for_target();  // before the chdir
  char result_path[] = "/tmp/ariadne-replay-result.XXXXXX";
  const int result_fd = ::mkstemp(result_path);
  if (result_fd < 0) bad_input(fmt::format("cannot create a file in /tmp: {}", std::strerror(errno)));
  ::close(result_fd);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0)
    bad_input(fmt::format("the recorded working directory {} is not there: {}", cwd, std::strerror(errno)));
  const bool ignore_results = std::getenv("ARIADNE_REPLAY_IGNORE_RESULTS") != nullptr;  // test-only
  ::clearenv();
  for (const auto& e : session.env) {
    const auto eq = e.find('=');
    if (eq != std::string::npos) ::setenv(e.substr(0, eq).c_str(), e.substr(eq + 1).c_str(), 1);
  }
  launch::Launcher launcher;
  // The test-only switch rides inside the fixed-length settings: the stack
  // must not move, or the replay would diverge for that reason alone.
  ReplaySettings settings;
  settings.mode = ignore_results ? "replay-ignoring-results" : "replay";
  settings.log = log_for_target;
  settings.result = result_path;
  settings.ends_in_crash = crashed;
  if (trace) {
    settings.trace_dir = trace->dir();
    settings.trace_options = trace->options_path();
  }
  if (o.gdb) {
    settings.stop_at = o.debugger.at_event;
    settings.stop_call = o.debugger.at_call;
    settings.stop_call_regex = function_regex(o.debugger.at_function);
  }
  if (o.gdb && settings.stop_at > log.events)
    bad_input(fmt::format("--at {}: the log has {} events (`ariadne info --events {}` lists them)",
                          settings.stop_at, log.events, dir_arg));
  const std::vector<std::string> env{replay_settings(settings)};
  const auto plan = launcher.plan(session.argv, env, {kReplayLibrary});
  const std::string recorded_id = option(session.options, kReplayBuildIdTag);
  const std::string id = launch::identify_elf(plan.program).build_id;
  if (recorded_id != (id.empty() ? "-" : id))
    bad_input(fmt::format("{}: the executable changed since it was recorded (build-id {}, recorded {})",
                          plan.program, id.empty() ? "none" : id, recorded_id));
  check_libraries(session.libraries);

  if (o.gdb) {
    const int status = run_replay_under_gdb(launcher, plan, o.debugger);
    std::string result;
    std::ifstream in(result_path);
    std::getline(in, result);
    ::unlink(result_path);
    if (result.rfind("diverged", 0) == 0) diverged(result.substr(std::strlen("diverged ")));
    throw CommandExit{status};
  }
  if (trace) trace->prepare(plan, session);
  const ReplayRun run = run_replayable(launcher, plan, nullptr, nullptr, &expect_out, &expect_err);
  if (trace) trace->finish(run.status, o.trace_to);
  const PumpResult& pumped = run.pumped;
  const launch::ExitStatus& status = run.status;
  std::string result;
  {
    std::ifstream in(result_path);
    std::getline(in, result);
  }
  ::unlink(result_path);

  if (result.rfind("diverged", 0) == 0) diverged(result.substr(std::strlen("diverged ")));
  if (result.rfind("bad-input", 0) == 0) bad_input(result.substr(std::strlen("bad-input ")));
  if (pumped.diverged) diverged(pumped.message);
  const std::string recorded = status_text(session.exit_kind, session.exit_value);
  const std::string now = status_text(status.signaled ? 1 : 0, status.value);
  if (crashed && result.rfind("cut", 0) == 0)
    diverged(
        fmt::format("the program needed events past the end of the log (it {}); when recorded it {} there",
                    now, recorded));
  if (result.rfind("cut", 0) == 0) {
    // No end in the session: the recorder itself was gone before the
    // program, so how the program ended is not known.
    const std::string how =
        session.ended ? "it " + recorded : "the recorder ended first: no exit status was recorded";
    std::fprintf(
        stderr,
        "ariadne replay: %s: replayed %llu events, %u thread%s, up to the end of the log: the recorded "
        "run was cut short there (%s)\n",
        dir_arg.c_str(), static_cast<unsigned long long>(log.events), log.threads,
        log.threads == 1 ? "" : "s", how.c_str());
    throw CommandExit{0};
  }
  if (!pumped.missing.empty()) diverged(pumped.missing);
  const bool crashed_as_recorded = crashed && result.empty() && recorded == now;
  if (result.rfind("ok", 0) != 0 && !crashed_as_recorded)
    diverged(fmt::format("the program {} before the end of the log (event {} of {})", now,
                         result.empty() ? std::string("?") : result, log.events));
  if (session.ended && recorded != now)
    diverged(fmt::format("the program {}; when recorded it {}", now, recorded));
  std::fprintf(stderr, "ariadne replay: %s: replayed %llu events, %u thread%s; the program %s, as recorded\n",
               dir_arg.c_str(), static_cast<unsigned long long>(log.events), log.threads,
               log.threads == 1 ? "" : "s", now.c_str());
}

}  // namespace

void add_replay_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("replay", kDescription);
  auto o = std::make_shared<ReplayOptions>();
  cmd->add_option("DIR", o->dir, "The recording (default ariadne.data)")->type_name("DIR");
  auto* trace_to =
      cmd->add_option("--trace-to", o->trace_to,
                      "Record a function trace of the replayed run into TDIR, as `ariadne record "
                      "-o TDIR` would (an earlier recording there is replaced)")
          ->type_name("TDIR");
  add_trace_options(cmd, o->trace);
  auto* gdb =
      cmd->add_flag("--gdb", o->gdb,
                    "Run the replay under gdb (gdb-multiarch against qemu-aarch64's gdb stub for AArch64 "
                    "programs), stopped at --at or --at-call; the program's output goes to the terminal "
                    "and is not compared");
  auto* at =
      cmd->add_option("--at", o->debugger.at_event,
                      "With --gdb: stop once event EVENT has been replayed (numbered from 1, as `ariadne "
                      "info --events DIR` lists them), in the program's frame right after the call that "
                      "made it, its results in place")
          ->type_name("EVENT")
          ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 62))
          ->needs(gdb);
  auto at_call = std::make_shared<std::string>();
  auto* at_call_option = cmd->add_option("--at-call", *at_call,
                                         "With --gdb: stop at the N-th call of FUNCTION (default the first), "
                                         "after its prologue")
                             ->type_name("FUNCTION:N")
                             ->needs(gdb)
                             ->excludes(at);
  cmd->add_option("--gdb-script", o->debugger.script,
                  "With --gdb: run FILE's gdb commands once stopped, then quit (gdb -batch)")
      ->type_name("FILE")
      ->check(CLI::ExistingFile)
      ->needs(gdb);
  cmd->callback([o, trace_to, at, at_call, at_call_option] {
    if (o->gdb && at->count() == 0 && at_call_option->count() == 0)
      bad_input("--gdb needs where to stop: --at EVENT or --at-call FUNCTION:N");
    if (o->gdb && !o->trace_to.empty()) bad_input("--gdb and --trace-to cannot be used together");
    try {
      if (at_call_option->count() != 0) parse_at_call(*at_call, o->debugger);
    } catch (const LaunchError& e) {
      bad_input(e.what());
    }
    if (!o->debugger.script.empty()) o->debugger.script = fs::absolute(o->debugger.script).string();
    if (trace_to->count() != 0 && o->trace_to.empty()) bad_input("--trace-to '': expected a directory");
    if (o->trace_to.empty() && o->trace.any())
      bad_input("-F, -N, -D, -t, -A, -R, --segment-size and --generic-path are options of --trace-to TDIR");
    replay(*o);
    throw CommandExit{0};
  });
}

}  // namespace ariadne::cli

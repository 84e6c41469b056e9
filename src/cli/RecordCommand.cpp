// ariadne record [options] -- PROG ARGS: run PROG with the recorder of the
// preloaded runtime turned on (src/record/), writing a recording directory
// (src/tracefile/Format.hpp). This command validates the options, prepares
// DIR and its session file, hands the options over as ARIADNE_RECORD and
// ARIADNE_RECORD_OPTIONS, compresses finished segments while PROG runs and
// the rest when it ends, and passes PROG's exit status through.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "arch/Isa.hpp"
#include "cli/Commands.hpp"
#include "cli/LiveFileDrainer.hpp"
#include "cli/RecordingDirectory.hpp"
#include "cli/Replayable.hpp"
#include "cli/RuntimeSettings.hpp"
#include "cli/SegmentCompressor.hpp"
#include "cli/SessionFile.hpp"
#include "cli/StopSignal.hpp"
#include "cli/TraceOptions.hpp"
#include "launch/LaunchError.hpp"
#include "launch/Launcher.hpp"
#include "record/ChunkFile.hpp"
#include "record/RecordOptions.hpp"
#include "record/RecorderLink.hpp"
#include "record/ThreadLog.hpp"

extern char** environ;

namespace ariadne::cli {
namespace {

namespace fs = std::filesystem;
using launch::LaunchError;

constexpr const char* kDescription =
    "Run PROG (natively, or under qemu-aarch64 for AArch64 programs) and record every call of its "
    "instrumented functions (built with the flags `ariadne flags` prints) into DIR: entries and exits "
    "with timestamps, threads, fork (the child is recorded too), exec (the new image is recorded "
    "too), signals delivered, and lost-event markers if anything could not be written.\n"
    "Events go straight to memory-mapped files, so a crash or a SIGKILL of PROG loses nothing "
    "already written. Full segments are copied out of them by this process, beside PROG, and compressed "
    "with zstd.\n"
    "When PROG ends, one line on stderr says how many processes, threads and calls were recorded and "
    "the bytes on disk; when nothing in the run was instrumented (PROG, the libraries it loads or "
    "dlopens, the programs it runs), one line says \"nothing is instrumented in PROG\" instead, "
    "and the exit status is 2.\n"
    "Build PROG with the flags `ariadne flags` prints (e.g. g++ $(ariadne flags) -o prog prog.cpp); "
    "then look at the recording with `ariadne report DIR`, `ariadne show DIR`, `ariadne graph DIR`, "
    "`ariadne info DIR` or `ariadne dump --chrome DIR`.\n"
    "Example: ariadne record -o trace.data -F '^parse' -A 'parse_line@arg1/s' -t 10us -- ./prog input.txt\n"
    "Exit status: PROG's own (or its fatal signal); 2 for bad options, a DIR that is not a "
    "recording, or nothing instrumented in the whole run.";

// --max-size: at least 64K (the files every recording has take a few K).
std::uint64_t parse_max_size(const std::string& text) {
  std::uint64_t v = 0;
  if (!parse_bytes(text, v) || v < (64u << 10))
    throw LaunchError(fmt::format(
        "--max-size '{}': expected a size of at least 64K (bytes, or a number with the suffix K, M or G)",
        text));
  return v;
}

// The recording's size as --max-size counts it: its files as they are now
// (segments raw or compressed), without live files (sized at the segment
// size up front) and half-written copies.
std::uint64_t recording_bytes(const fs::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.ends_with(".live") || name.ends_with(".tmp")) continue;
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) {
      const auto n = it->file_size(size_ec);
      if (!size_ec) total += n;
    }
  }
  return total;
}

}  // namespace

void add_record_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("record", kDescription);
  struct Opts {
    std::string output = "ariadne.data";
    TraceOptions trace;
    std::string max_size;
    bool no_drain = false;
    bool no_env = false;
    bool no_libcalls = false;
    bool replayable = false;
    std::uint64_t ticks = kDefaultReplayTicks;
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option(
         "-o,--output", o->output,
         "Write the recording to DIR (default ariadne.data). An earlier recording there is replaced; "
         "a directory that is not a recording and not empty is refused")
      ->type_name("DIR");
  add_trace_options(cmd, o->trace);
  cmd->add_option(
         "--max-size", o->max_size,
         "Stop recording once the recording's files pass SIZE (bytes, K, M or G; at least 64K): each "
         "thread stops at its next segment, PROG runs on unrecorded, and the recording and "
         "`ariadne report` say where it stopped")
      ->type_name("SIZE");
  cmd->add_flag(
      "--no-drain", o->no_drain,
      "Let each thread of PROG copy its full segments out itself, as without `ariadne record`, instead "
      "of this process doing it beside the program (same trace, more time in PROG: for comparison)");
  cmd->add_flag("--no-env", o->no_env,
                "Leave PROG's environment out of the recording (it is kept by default, for `ariadne info`; "
                "it may hold secrets). The recording is readable by its owner only either way");
  cmd->add_flag("--no-libcalls", o->no_libcalls,
                "Leave out library calls: the calls PROG's instrumented code makes through its PLT into "
                "libraries built without Ariadne's flags (memcpy, malloc, printf...), recorded by default "
                "(docs/trace.md \"Library calls\")");
  auto* replayable_flag = cmd->add_flag(
      "--replayable", o->replayable,
      "Record PROG so that `ariadne replay DIR` can run it again exactly: its threads run one at a time, "
      "hand-offs and the results of the libc calls replay intercepts are logged in DIR/replay.log "
      "(compressed to DIR/replay.log.zst once PROG has ended), its output is kept (docs/replay.md). No "
      "function trace is recorded beside it: `ariadne replay DIR "
      "--trace-to TDIR` traces the replayed run, with these trace options");
  cmd->add_option("--ticks", o->ticks,
                  "With --replayable: ticks a thread runs before it hands over to the next runnable thread: "
                  "instrumented function entries, and basic blocks of code built with `ariadne flags "
                  "--replayable` (default 20000; 1 to 10^12)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000000000}))
      ->needs(replayable_flag);
  cmd->add_option("command", o->command, "PROG ARGS... (put them after --)")->required();
  cmd->prefix_command();
  cmd->positionals_at_end();
  cmd->callback([o] {
    if (o->replayable) {
      if (o->trace.any() || !o->max_size.empty() || o->no_drain || o->no_env || o->no_libcalls)
        throw LaunchError(
            "--replayable records no function trace beside it: -F, -N, -D, -t, -A, -R, -a, --segment-size, "
            "--max-size, --generic-path, --no-drain, --no-env and --no-libcalls do not apply to it (trace "
            "the "
            "replay instead: `ariadne replay DIR --trace-to TDIR` takes them)");
      record_replayable(o->output, o->command, o->ticks);
    }
    std::string options = o->trace.lines();
    // 1: the runtime's default, said so that the session shows --no-drain.
    options += fmt::format("L {}\n", o->no_drain ? 1 : record::kMaxLiveFiles);
    if (o->no_env) options += "E off\n";
    const std::uint64_t max_size = o->max_size.empty() ? 0 : parse_max_size(o->max_size);

    launch::Launcher launcher;
    // Read before the ARIADNE_RECORD* variables are cleared for PROG.
    const bool stats = std::getenv("ARIADNE_RECORD_STATS") != nullptr;
    unset_environment("ARIADNE_RECORD");
    unset_environment("ARIADNE_SITES_LINK");
    RecordingDirectory output(o->output);
    const fs::path dir = output.path();
    record::LinkEnds link;
    if (!record::create_recorder_link(link))
      throw LaunchError(fmt::format("cannot create the link to PROG (pipe): {}", std::strerror(errno)));
    SitesLink sites;
    // PROG checked before DIR is touched; -a reads its DWARF first.
    if (o->trace.auto_args) options += o->trace.auto_args_lines(launcher.plan(o->command, {}));
    std::vector<std::string> env{"ARIADNE_RECORD=" + dir.string(), "ARIADNE_RECORD_OPTIONS=" + options,
                                 fmt::format("{}={}", record::kLinkVariable, link.target_end),
                                 sites.variable()};
    // Read by the trace runtime itself (src/trace/LibCalls.hpp): on unless said.
    unset_environment("ARIADNE_LIBCALLS");
    if (o->no_libcalls) env.emplace_back("ARIADNE_LIBCALLS=0");
    const auto plan = launcher.plan(o->command, env);
    output.prepare();

    std::vector<std::string> target_env;
    if (!o->no_env) {
      for (char** e = environ; *e != nullptr; ++e) target_env.emplace_back(*e);
      target_env.insert(target_env.end(), env.begin(), env.end());
    }
    SessionFile session(dir.string(), plan.isa, o->command, target_env, options);
    const int fd = session.fd();

    LiveFileDrainer drainer(dir);
    if (!o->no_drain) drainer.start();
    const pid_t pid = launcher.spawn(plan);
    ::close(link.target_end);
    sites.started();
    SegmentCompressor compressor(dir);
    StopSignal running;
    std::atomic<std::uint64_t> stopped_at{0};  // bytes when --max-size stopped it
    std::thread background([&] {
      while (!running.stopped()) {
        // Segments keep coming while PROG runs: after a pass that found
        // some, look again at once, so that little is left for the end, when
        // the user waits (docs/performance.md, "Recording: side by side").
        const bool found = compressor.pass(false, 1, running.going()) > 0;
        if (max_size != 0 && stopped_at.load() == 0) {
          const std::uint64_t bytes = recording_bytes(dir);
          if (bytes > max_size && record::request_stop(link.recorder_end)) stopped_at.store(bytes);
        }
        if (!found) running.wait_for(compressor.pause());
      }
    });
    const launch::ExitStatus status = launch::wait_forwarding_signals(pid);
    running.stop();
    background.join();
    drainer.stop();
    const auto finish_start = std::chrono::steady_clock::now();
    // PROG has ended: every CPU may compress.
    const int finished = compressor.pass(true, std::max(1u, std::thread::hardware_concurrency()));
    if (stats) {
      fmt::print(stderr, "ariadne record: {} full segments copied out beside the program\n",
                 drainer.copied());
      fmt::print(
          stderr, "ariadne record: {} segments compressed after the program ended, in {:.1f} ms\n", finished,
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - finish_start).count());
    }

    if (stopped_at.load() != 0) {
      record::Payload stopped;
      stopped.varint(static_cast<std::uint64_t>(tracefile::StopReason::max_size));
      stopped.varint(max_size);
      record::write_chunk(fd, tracefile::ChunkType::session_stopped, stopped);
    }
    session.end(status, static_cast<std::uint32_t>(pid));
    sites.refuse_if_nothing_instrumented("record", o->command.front());

    const RecordTotals t = compressor.totals();
    fmt::print(
        stderr,
        "ariadne record: {}: {} process{}, {} thread{}, {} calls, {} bytes on disk ({:.2f} bytes per call)\n",
        o->output, t.processes, t.processes == 1 ? "" : "es", t.threads, t.threads == 1 ? "" : "s", t.calls,
        t.bytes, t.calls != 0 ? static_cast<double>(t.bytes) / static_cast<double>(t.calls) : 0.0);
    if (stopped_at.load() != 0)
      fmt::print(stderr,
                 "ariadne record: recording stopped when it passed --max-size {} ({} bytes): PROG ran on "
                 "unrecorded\n",
                 o->max_size, max_size);
    if (t.calls == 0)
      fmt::print(
          stderr,
          "ariadne record: no calls recorded: was PROG built with the flags `ariadne flags` prints, and do "
          "-F/-N select any of its functions?\n");
    launch::exit_like(status);
  });
}

}  // namespace ariadne::cli

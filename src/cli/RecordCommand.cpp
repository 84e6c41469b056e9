// ariadne record [options] -- PROG ARGS: run PROG with the recorder of the
// preloaded runtime turned on (src/record/), writing a recording directory
// (src/tracefile/Format.hpp). This command validates the options, prepares
// DIR and its session file, hands the options over as ARIADNE_RECORD and
// ARIADNE_RECORD_OPTIONS, compresses finished segments while PROG runs and
// the rest when it ends, and passes PROG's exit status through.
#include <fcntl.h>
#include <fmt/format.h>
#include <regex.h>
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

#include "analysis/AutoArgs.hpp"
#include "arch/Isa.hpp"
#include "cli/Commands.hpp"
#include "cli/LiveFileDrainer.hpp"
#include "cli/RecordingDirectory.hpp"
#include "cli/Replayable.hpp"
#include "cli/RuntimeSettings.hpp"
#include "cli/SegmentCompressor.hpp"
#include "cli/SessionFile.hpp"
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

// Digits only, at most 12 of them (no sign, no space: stoull would take
// " -1" as 2^64-1); false otherwise.
bool parse_digits(const std::string& text, std::size_t length, std::uint64_t& v) {
  if (length == 0 || length > 12) return false;
  v = 0;
  for (std::size_t i = 0; i < length; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  return true;
}

// "10us", "2ms", "1s", "500ns", "250" (ns): from 1 ns to record::kMaxMinDurationNs.
std::uint64_t parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "ns")
    scale = 1;
  else if (unit == "us")
    scale = 1000;
  else if (unit == "ms")
    scale = 1000000;
  else if (unit == "s")
    scale = 1000000000;
  std::uint64_t v = 0;
  if (scale == 0 || !parse_digits(text, digits, v) || v == 0 || v > record::kMaxMinDurationNs / scale)
    throw LaunchError(
        fmt::format("-t '{}': expected a duration from 1ns to 86400s, like 500ns, 10us, 2ms or 1s", text));
  return v * scale;
}

// -D: 1 to 100000 (the runtime's limit, RecordOptions.cpp).
std::uint32_t parse_depth(const std::string& text) {
  std::uint64_t v = 0;
  if (!parse_digits(text, text.size(), v) || v < 1 || v > 100000)
    throw LaunchError(fmt::format("-D '{}': expected a depth from 1 to 100000", text));
  return static_cast<std::uint32_t>(v);
}

// Bytes, or a number with the suffix K, M or G (powers of 1024); false if
// malformed or past 2^64.
bool parse_bytes(const std::string& text, std::uint64_t& bytes) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  const std::string unit = text.substr(digits);
  std::uint64_t scale = 0;
  if (unit.empty())
    scale = 1;
  else if (unit == "K" || unit == "k")
    scale = 1ull << 10;
  else if (unit == "M" || unit == "m")
    scale = 1ull << 20;
  else if (unit == "G" || unit == "g")
    scale = 1ull << 30;
  std::uint64_t v = 0;
  if (scale == 0 || !parse_digits(text, digits, v) || v > UINT64_MAX / scale) return false;
  bytes = v * scale;
  return true;
}

std::uint64_t parse_size(const std::string& text) {
  std::uint64_t v = 0;
  if (!parse_bytes(text, v) || v < record::kMinSegmentBytes || v > record::kMaxSegmentBytes)
    throw LaunchError(fmt::format("--segment-size '{}': expected bytes from {} to {} (suffix K or M allowed)",
                                  text, record::kMinSegmentBytes, record::kMaxSegmentBytes));
  return v;
}

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

std::string capture_line(const char* option, const std::string& text, bool retval) {
  const std::size_t at = text.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size())
    throw LaunchError(
        fmt::format("{} '{}': expected FUNC@{}", option, text, retval ? "retval[/FMT]" : "SPEC"));
  check_regex(option, text.substr(0, at));
  record::CaptureRule rule;
  std::string error;
  if (!record::parse_capture_spec(text.substr(at + 1), retval, rule, error))
    throw LaunchError(fmt::format("{} '{}': {}", option, text, error));
  return fmt::format("{} {}", retval ? 'R' : 'A', text);
}

// The environment's limit on one variable (MAX_ARG_STRLEN, 32 pages), less
// room for the rest of the options.
constexpr std::size_t kMaxAutoArgsText = 120 * 1024;

// -a: the capture lines of every function in PROG's DWARF that -F/-N let
// through (matched as the runtime does: POSIX extended, searched).
std::string auto_args_lines(const launch::LaunchPlan& plan, const std::vector<std::string>& include,
                            const std::vector<std::string>& exclude) {
  struct Filters {
    std::vector<regex_t> include, exclude;
    ~Filters() {
      for (auto* list : {&include, &exclude})
        for (auto& re : *list) regfree(&re);
    }
  } filters;
  for (const auto* from : {&include, &exclude}) {
    for (const auto& text : *from) {
      regex_t re;
      if (regcomp(&re, text.c_str(), REG_EXTENDED | REG_NOSUB) != 0) continue;  // check_regex said so already
      (from == &include ? filters.include : filters.exclude).push_back(re);
    }
  }
  const auto wanted = [](const std::string& name, void* user) {
    const auto* f = static_cast<const Filters*>(user);
    const auto matches = [&](const regex_t& re) { return regexec(&re, name.c_str(), 0, nullptr, 0) == 0; };
    return (f->include.empty() || std::any_of(f->include.begin(), f->include.end(), matches)) &&
           std::none_of(f->exclude.begin(), f->exclude.end(), matches);
  };
  std::string error;
  const auto lines = analysis::auto_capture_lines(plan.program, plan.isa, wanted, &filters, error);
  if (!error.empty()) throw LaunchError("-a: " + error);
  std::string text;
  for (const auto& l : lines) text += l + '\n';
  if (lines.size() > record::kMaxCaptureRules || text.size() > kMaxAutoArgsText)
    throw LaunchError(
        fmt::format("-a: {} functions in {}'s DWARF are more than one recording can capture; "
                    "choose some with -F/-N",
                    lines.size() / 2, plan.program));
  return text + "K dwarf\n";
}

}  // namespace

void add_record_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("record", kDescription);
  struct Opts {
    std::string output = "ariadne.data";
    std::vector<std::string> include, exclude, args, retvals;
    std::string depth, min_duration, segment_size, max_size;
    bool generic_path = false;
    bool no_drain = false;
    bool no_env = false;
    bool replayable = false;
    bool auto_args = false;
    std::uint64_t ticks = kDefaultReplayTicks;
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option(
         "-o,--output", o->output,
         "Write the recording to DIR (default ariadne.data). An earlier recording there is replaced; "
         "a directory that is not a recording and not empty is refused")
      ->type_name("DIR");
  cmd->add_option("-F,--function", o->include,
                  "Record only functions whose demangled name matches REGEX (POSIX extended, searched; "
                  "repeatable; default: every instrumented function)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd->add_option("-N,--not-function", o->exclude,
                  "Do not record functions matching REGEX (repeatable; applied after -F)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  auto* depth_option =
      cmd->add_option("-D,--depth", o->depth,
                      "Record only calls nested less than DEPTH deep (1 to 100000; 1: outermost calls only)")
          ->type_name("DEPTH");
  auto* time_option =
      cmd->add_option(
             "-t,--time-filter", o->min_duration,
             "Drop calls shorter than DURATION (1ns to 86400s: 500ns, 10us, 2ms, 1s); a call is kept if it "
             "lasts long enough or if one of its callees is kept")
          ->type_name("DURATION");
  cmd->add_option(
         "-A,--argument", o->args,
         "Capture arguments of the functions whose name matches the regex FUNC: FUNC@arg1,arg2/s,fparg1 — "
         "argN is the N-th "
         "integer/pointer argument, fpargN the N-th floating-point one; formats /i int (default), /u "
         "unsigned, /x hex, /s string, /c char, /f double, /p pointer (repeatable)")
      ->type_name("FUNC@SPEC")
      ->allow_extra_args(false);
  cmd->add_option(
         "-R,--retval", o->retvals,
         "Capture the return value of the functions matching the regex FUNC: FUNC@retval[/FMT], same formats "
         "(repeatable)")
      ->type_name("FUNC@retval")
      ->allow_extra_args(false);
  cmd->add_flag("-a,--auto-args", o->auto_args,
                "Capture the arguments and return values of every function of PROG (its executable), "
                "placed and formatted from its DWARF: build it with -g (`ariadne flags --debug`). `show` "
                "prints them as name: value by type (docs/record.md); not with -A/-R");
  cmd->add_option("--segment-size", o->segment_size,
                  "Size of each per-thread segment file (default 1M; 4096 to 64M, suffix K or M)")
      ->type_name("BYTES");
  cmd->add_option(
         "--max-size", o->max_size,
         "Stop recording once the recording's files pass SIZE (bytes, K, M or G; at least 64K): each "
         "thread stops at its next segment, PROG runs on unrecorded, and the recording and "
         "`ariadne report` say where it stopped")
      ->type_name("SIZE");
  cmd->add_flag(
      "--generic-path", o->generic_path,
      "Record each call through the trace runtime's generic dispatcher and C handlers instead of the "
      "fused assembly path (same trace, slower: for comparison, or if the fast path is suspected)");
  cmd->add_flag(
      "--no-drain", o->no_drain,
      "Let each thread of PROG copy its full segments out itself, as without `ariadne record`, instead "
      "of this process doing it beside the program (same trace, more time in PROG: for comparison)");
  cmd->add_flag("--no-env", o->no_env,
                "Leave PROG's environment out of the recording (it is kept by default, for `ariadne info`; "
                "it may hold secrets). The recording is readable by its owner only either way");
  auto* replayable_flag = cmd->add_flag(
      "--replayable", o->replayable,
      "Record PROG so that `ariadne replay DIR` can run it again exactly: its threads run one at a time, "
      "hand-offs and the results of the libc calls replay intercepts are logged in DIR/replay.log, its "
      "output is kept (docs/replay.md; no function trace is recorded beside it yet)");
  cmd->add_option("--ticks", o->ticks,
                  "With --replayable: ticks a thread runs before it hands over to the next runnable thread: "
                  "instrumented function entries, and basic blocks of code built with `ariadne flags "
                  "--replayable` (default 20000; 1 to 10^12)")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000000000}))
      ->needs(replayable_flag);
  cmd->add_option("command", o->command, "PROG ARGS... (put them after --)")->required();
  cmd->prefix_command();
  cmd->positionals_at_end();
  cmd->callback([o, depth_option, time_option] {
    if (o->replayable) {
      const bool trace_options = !o->include.empty() || !o->exclude.empty() || depth_option->count() != 0 ||
                                 time_option->count() != 0 || !o->args.empty() || !o->retvals.empty() ||
                                 !o->segment_size.empty() || !o->max_size.empty() || o->generic_path ||
                                 o->no_drain || o->no_env || o->auto_args;
      if (trace_options)
        throw LaunchError(
            "--replayable records no function trace yet: -F, -N, -D, -t, -A, -R, -a, --segment-size, "
            "--max-size, "
            "--generic-path, --no-drain and --no-env do not apply to it");
      record_replayable(o->output, o->command, o->ticks);
    }
    std::string options;
    auto line = [&](const std::string& l) { options += l + '\n'; };
    for (const auto& re : o->include) line("F " + check_regex("-F", re));
    for (const auto& re : o->exclude) line("N " + check_regex("-N", re));
    // Given, even as '': checked (-D '' was taken as "no limit").
    if (depth_option->count() != 0) line(fmt::format("D {}", parse_depth(o->depth)));
    if (time_option->count() != 0) line(fmt::format("T {}", parse_duration(o->min_duration)));
    for (const auto& a : o->args) line(capture_line("-A", a, false));
    for (const auto& r : o->retvals) line(capture_line("-R", r, true));
    if (o->auto_args && (!o->args.empty() || !o->retvals.empty()))
      throw LaunchError("-a captures every function's arguments from DWARF: give it without -A/-R");
    if (!o->segment_size.empty()) line(fmt::format("S {}", parse_size(o->segment_size)));
    if (o->generic_path) line("P generic");
    // 1: the runtime's default, said so that the session shows --no-drain.
    line(fmt::format("L {}", o->no_drain ? 1 : record::kMaxLiveFiles));
    if (o->no_env) line("E off");
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
    if (o->auto_args) options += auto_args_lines(launcher.plan(o->command, {}), o->include, o->exclude);
    const std::vector<std::string> env{"ARIADNE_RECORD=" + dir.string(), "ARIADNE_RECORD_OPTIONS=" + options,
                                       fmt::format("{}={}", record::kLinkVariable, link.target_end),
                                       sites.variable()};
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
    std::atomic<bool> running{true};
    std::atomic<std::uint64_t> stopped_at{0};  // bytes when --max-size stopped it
    std::thread background([&] {
      while (running.load()) {
        compressor.pass(false, 1, &running);
        if (max_size != 0 && stopped_at.load() == 0) {
          const std::uint64_t bytes = recording_bytes(dir);
          if (bytes > max_size && record::request_stop(link.recorder_end)) stopped_at.store(bytes);
        }
        const auto resume = std::chrono::steady_clock::now() + compressor.pause();
        while (running.load() && std::chrono::steady_clock::now() < resume)
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
    const launch::ExitStatus status = launch::wait_forwarding_signals(pid);
    running.store(false);
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

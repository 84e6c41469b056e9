// `ariadne chaos [-n RUNS] [--seed S] -- PROG ARGS`: records PROG as
// `record --replayable` does, again and again, each time with the
// recorder's chaos mode scheduling its threads at random from a seed of its
// own (src/replay/Chaos.hpp), until a run fails (a non-zero exit or a fatal
// signal). That recording is kept, the passing ones are deleted, and the
// command that replays the failure is printed. Run k's seed is a function
// of S and k alone, so the same S gives the same schedules.
#include <fmt/format.h>
#include <sys/random.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/Commands.hpp"
#include "cli/RecordingDirectory.hpp"
#include "cli/Replayable.hpp"
#include "launch/LaunchError.hpp"
#include "launch/Launcher.hpp"

namespace ariadne::cli {

namespace {

namespace fs = std::filesystem;
using launch::LaunchError;

constexpr const char* kDescription =
    "Record PROG again and again as `ariadne record --replayable` does (its threads one at a time), "
    "each run with the threads scheduled at random -- turns from a few ticks to twice --ticks long, "
    "random thread priorities that starve some threads for a while, the runnable thread to go on picked "
    "at random, a pretended processor count of 1 to 8 -- until a run fails: PROG exits with a non-zero "
    "status or is killed by a signal.\n"
    "That run's recording is kept in DIR and the command that replays it is printed; each passing run's "
    "recording is deleted. PROG's output is kept in the recording (DIR/replay.stdout, replay.stderr), "
    "not shown; one line on stderr per run says how it ended, its hand-offs and a digest of its "
    "schedule.\n"
    "The schedule's random choices come from a generator in the recorder seeded from S and the run's "
    "number; they are in the log as hand-offs, which `ariadne replay` follows. The same S gives the same "
    "schedules as long as PROG's threads meet only in the calls replay intercepts (mutexes, condition "
    "variables, joins...), not in blocking system calls whose timing varies.\n"
    "Build PROG with the flags `ariadne flags --replayable` prints, so that every basic block is a "
    "point where a turn may end.\n"
    "Example: ariadne chaos -n 200 --seed 7 -o bug.chaos -- ./prog\n"
    "Exit status: 1 when a run failed (its recording kept), 0 when none of RUNS failed (nothing kept), "
    "2 for bad options, a PROG that cannot be run, or a recording that could not be made.";

// The seed as given: digits, 1 to 2^64-1.
std::uint64_t parse_seed(const std::string& text) {
  std::uint64_t v = 0;
  bool ok = !text.empty() && text.size() <= 20;
  for (const char c : text) {
    if (!ok || c < '0' || c > '9') {
      ok = false;
      break;
    }
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) ok = false;
    v = v * 10 + digit;
  }
  if (!ok || v == 0)
    throw LaunchError(fmt::format("--seed '{}': expected a number from 1 to 18446744073709551615", text));
  return v;
}

std::uint64_t random_seed() {
  std::uint64_t v = 0;
  while (v == 0)
    if (::getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
      throw LaunchError(fmt::format("cannot draw a seed (getrandom): {}", std::strerror(errno)));
  return v % 1000000000000ull + 1;  // short enough to type again
}

// Run k's seed: a mix of S and k (splitmix64's finaliser), never 0.
std::uint64_t run_seed(std::uint64_t seed, std::uint64_t run) {
  std::uint64_t z = seed + run * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return z == 0 ? 1 : z;
}

std::string how_it_ended(const launch::ExitStatus& s) {
  if (s.signaled) {
    const char* name = ::sigabbrev_np(s.value);
    return name != nullptr ? fmt::format("killed by SIG{}", name)
                           : fmt::format("killed by signal {}", s.value);
  }
  return fmt::format("exited with {}", s.value);
}

// A shell word for the replay command line.
std::string quoted(const std::string& word) {
  const bool plain = !word.empty() && word.find_first_not_of(
                                          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789@%+=:,./_-") == std::string::npos;
  if (plain) return word;
  std::string q = "'";
  for (const char c : word) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

struct Opts {
  std::uint64_t runs = 100;
  std::string seed;
  std::string output = "ariadne.chaos";
  std::uint64_t ticks = kDefaultReplayTicks;
  std::vector<std::string> command;
};

void chaos(const Opts& o) {
  const std::uint64_t seed = o.seed.empty() ? random_seed() : parse_seed(o.seed);
  // PROG and DIR checked before the first line: a bad one is the only line.
  launch::Launcher().plan(o.command, {});
  {
    RecordingDirectory dir(o.output);
    dir.prepare();
  }
  std::fprintf(stderr, "ariadne chaos: up to %llu runs of %s, seed %llu (--seed %llu repeats them)\n",
               static_cast<unsigned long long>(o.runs), o.command.front().c_str(),
               static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed));
  for (std::uint64_t k = 1; k <= o.runs; ++k) {
    ReplayableRecording what;
    what.output = o.output;
    what.command = o.command;
    what.ticks = o.ticks;
    what.chaos_seed = run_seed(seed, k);
    what.pass_output = false;
    what.compress_log = false;  // a passing run's recording is deleted
    RecordedRun run = record_replayable_run(what);
    if (!run.log.readable)
      throw LaunchError(fmt::format("run {}: {}: no replay log was written ({}); PROG {}", k, o.output,
                                    run.log.header_problem, how_it_ended(run.status)));
    if (!run.output_saved)
      throw LaunchError(fmt::format("run {}: cannot write the copy of PROG's output in {}", k, o.output));
    const bool failed = run.status.signaled || run.status.value != 0;
    std::fprintf(stderr,
                 "ariadne chaos: run %llu of %llu: PROG %s; %u thread%s, %llu hand-offs, schedule %016llx\n",
                 static_cast<unsigned long long>(k), static_cast<unsigned long long>(o.runs),
                 how_it_ended(run.status).c_str(), run.log.threads, run.log.threads == 1 ? "" : "s",
                 static_cast<unsigned long long>(run.log.by_kind[1]),
                 static_cast<unsigned long long>(run.log.schedule_digest));
    if (failed) {
      compress_kept_log(o.output, run);
      std::fprintf(stderr,
                   "ariadne chaos: run %llu failed (PROG %s); its recording is kept in %s (PROG's output in "
                   "%s/replay.stdout and replay.stderr)\n",
                   static_cast<unsigned long long>(k), how_it_ended(run.status).c_str(), o.output.c_str(),
                   o.output.c_str());
      std::fprintf(stderr, "ariadne chaos: replay it: ariadne replay %s\n", quoted(o.output).c_str());
      throw CommandExit{1};
    }
    // Test-only (chaos_test.sh suite-replays): the passing run is kept and
    // the search ends, so that a chaos recording of a program that never
    // fails can be replayed.
    if (std::getenv("ARIADNE_CHAOS_KEEP_PASSING") != nullptr) {
      compress_kept_log(o.output, run);
      std::fprintf(stderr, "ariadne chaos: run %llu passed; kept in %s (ARIADNE_CHAOS_KEEP_PASSING)\n",
                   static_cast<unsigned long long>(k), o.output.c_str());
      return;
    }
    // A passing run's recording: only its own files are in DIR (the
    // recorder refuses a DIR holding anything else).
    std::error_code ec;
    fs::remove_all(o.output, ec);
    if (ec)
      throw LaunchError(
          fmt::format("{}: cannot delete the passing run's recording: {}", o.output, ec.message()));
  }
  std::fprintf(stderr, "ariadne chaos: no failure in %llu runs (seed %llu); no recording kept\n",
               static_cast<unsigned long long>(o.runs), static_cast<unsigned long long>(seed));
}

}  // namespace

void add_chaos_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("chaos", kDescription);
  auto o = std::make_shared<Opts>();
  cmd->add_option("-n,--runs", o->runs, "Record PROG at most RUNS times (default 100; 1 to 1000000)")
      ->type_name("RUNS")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000}));
  cmd->add_option("--seed", o->seed,
                  "Seed of the schedules (1 to 2^64-1; default: drawn at random and printed): the same seed "
                  "gives the same schedules")
      ->type_name("S");
  cmd->add_option("-o,--output", o->output,
                  "Where each run is recorded, and where the failing run's recording stays (default "
                  "ariadne.chaos). An earlier recording there is replaced; a directory that is not a "
                  "recording and not empty is refused")
      ->type_name("DIR");
  cmd->add_option("--ticks", o->ticks,
                  "The scale of a turn: most turns last up to twice TICKS ticks (default 20000; 1 to 10^12); "
                  "a tenth are under 64 and a tenth under 2048 whatever it is")
      ->type_name("TICKS")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1000000000000}));
  cmd->add_option("command", o->command, "PROG ARGS... (put them after --)")->required();
  cmd->prefix_command();
  cmd->positionals_at_end();
  cmd->callback([o] {
    chaos(*o);
    throw CommandExit{0};
  });
}

}  // namespace ariadne::cli

// ariadne dump (--chrome | --flamegraph | --html) DIR [-o FILE]: a recording
// in a format other tools open. The Chrome trace is written while the
// recording is read (any size, little memory); the folded stacks and the
// HTML page aggregate calls by path first (memory grows with the distinct
// paths, not with the trace).
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "analysis/CallTree.hpp"
#include "analysis/ChromeTraceWriter.hpp"
#include "analysis/FlameGraphPage.hpp"
#include "analysis/FoldedStacks.hpp"
#include "cli/Commands.hpp"
#include "cli/Progress.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::cli {
namespace {

using tracefile::Problem;
using tracefile::TraceDir;

constexpr const char* kDescription =
    "Write the recording in DIR (made by `ariadne record`) in a format other tools open:\n"
    "  --chrome      Chrome Trace Event JSON: open it in the Perfetto UI (ui.perfetto.dev, "
    "'Open trace file') or chrome://tracing. One B/E pair per call on its recorded pid/tid, "
    "captured arguments and return values as args, instant events for fork, exec, signals and "
    "lost events. Written while DIR is read, so recordings of any size work.\n"
    "  --flamegraph  folded stacks, one line per call path with its self time in ns "
    "(\"prog [pid];thread TID;main;f;g 1234\"): input for flamegraph.pl, speedscope or inferno.\n"
    "  --html        one self-contained interactive flame graph page (zoom, search, details "
    "on hover) that needs no network access.\n"
    "Output goes to FILE (-o) or standard output. A damaged DIR: the problems are listed on "
    "stderr, what is intact is written, and the exit status is 1. Exit status 2: DIR is not "
    "a recording, or FILE cannot be written.";

enum class Format { chrome, folded, html };

struct Options {
  bool chrome = false, folded = false, html = false;
  std::string dir, output;
};

[[noreturn]] void fail(const std::string& message, int status = 2) {
  std::fprintf(stderr, "ariadne: dump: %s\n", message.c_str());
  throw CommandExit{status};
}

std::string base_name(const std::vector<std::string>& argv) {
  if (argv.empty() || argv.front().empty()) return "?";
  const std::string& path = argv.front();
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash + 1 == path.size() ? path : path.substr(slash + 1);
}

// Process names per pid: an exec'd image shares its pid with what it
// replaced, so one pid can be "sh -> demo".
void name_processes_and_threads(const TraceDir& dir, analysis::ChromeTraceWriter& w) {
  std::vector<std::pair<std::uint32_t, std::string>> names;
  for (const auto& p : dir.processes()) {
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == p.pid; });
    if (it == names.end()) {
      names.emplace_back(p.pid, base_name(p.argv));
    } else if (const std::string next = base_name(p.argv); it->second != next) {
      it->second += " -> " + next;
    }
  }
  for (const auto& [pid, name] : names) w.name_process(pid, name);
  for (const auto& p : dir.processes())
    for (const auto& t : p.threads)
      w.name_thread(p.pid, t.tid, t.tid == p.pid ? base_name(p.argv) : fmt::format("thread {}", t.tid));
}

// Feeds every thread of every process to `visitor`, with the progress bar.
template <typename BeginThread, typename EndThread>
void walk_all(TraceDir& dir, tracefile::CallVisitor& visitor, std::vector<Problem>& problems,
              BeginThread begin_thread, EndThread end_thread) {
  std::uint64_t total_bytes = 0;
  for (const auto& p : dir.processes())
    for (const auto& t : p.threads)
      for (const auto& s : t.segments) total_bytes += s.bytes;
  Progress progress("dump", total_bytes);
  dir.progress = [&progress](std::uint64_t bytes) { progress.advance(bytes); };
  for (const auto& p : dir.processes()) {
    for (const auto& t : p.threads) {
      begin_thread(p, t);
      tracefile::walk_calls(dir, p, t, visitor, problems);
      end_thread();
    }
  }
  dir.progress = nullptr;
  progress.finish();
}

void report_problems(const std::vector<Problem>& problems) {
  constexpr std::size_t kShown = 20;
  for (std::size_t i = 0; i < problems.size() && i < kShown; ++i)
    std::fprintf(stderr, "ariadne: dump: %s\n", problems[i].text().c_str());
  if (problems.size() > kShown)
    std::fprintf(stderr, "ariadne: dump: ... and %zu more problems\n", problems.size() - kShown);
}

std::string command_line(const TraceDir& dir) {
  std::string out;
  for (const auto& a : dir.session().argv) out += (out.empty() ? "" : " ") + a;
  return out.empty() ? dir.path() : out;
}

void run(const Options& o) {
  const Format format = o.chrome ? Format::chrome : o.folded ? Format::folded : Format::html;
  std::vector<Problem> problems;
  TraceDir dir = [&] {
    try {
      return TraceDir::open(o.dir, problems);
    } catch (const tracefile::TraceError& e) {
      fail(e.what());
    }
  }();

  std::FILE* out = stdout;
  if (!o.output.empty() && o.output != "-") {
    out = std::fopen(o.output.c_str(), "w");
    if (out == nullptr) fail(fmt::format("{}: cannot write: {}", o.output, std::strerror(errno)));
  }
  bool written = true;
  if (format == Format::chrome) {
    analysis::ChromeTraceWriter writer(out, dir.start_ns());
    writer.begin(dir.session());
    name_processes_and_threads(dir, writer);
    walk_all(
        dir, writer, problems, [&](const auto& p, const auto& t) { writer.begin_thread(p, t); },
        [&] { writer.end_thread(); });
    written = writer.finish();
  } else {
    analysis::CallTree tree;
    analysis::CallTreeBuilder builder(tree);
    walk_all(
        dir, builder, problems, [&](const auto& p, const auto& t) { builder.begin_thread(p, t); }, [] {});
    tree.finish();
    if (format == Format::folded) {
      written = analysis::write_folded_stacks(tree, out);
    } else {
      analysis::FlameGraphOptions options;
      options.title = command_line(dir);
      written = analysis::write_flame_graph_page(tree, options, out);
    }
  }
  written &= std::fflush(out) == 0;
  if (out != stdout) written &= std::fclose(out) == 0;
  report_problems(problems);
  if (!written) fail(fmt::format("{}: write failed", o.output.empty() ? "standard output" : o.output), 1);
  if (!problems.empty()) throw CommandExit{1};
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("dump", kDescription);
  auto o = std::make_shared<Options>();
  auto* chrome = cmd->add_flag("--chrome", o->chrome, "Chrome Trace Event JSON (Perfetto UI, chrome://tracing)");
  auto* folded = cmd->add_flag("--flamegraph", o->folded, "Folded stacks (flamegraph.pl, speedscope)");
  auto* html = cmd->add_flag("--html", o->html, "A self-contained interactive flame graph page");
  chrome->excludes(folded)->excludes(html);
  folded->excludes(html);
  cmd->add_option("dir", o->dir, "The recording directory")->required()->type_name("DIR");
  cmd->add_option("-o,--output", o->output, "Write to FILE instead of standard output")->type_name("FILE");
  cmd->callback([o] {
    if (!o->chrome && !o->folded && !o->html) fail("give one of --chrome, --flamegraph, --html");
    run(*o);
  });
}

}  // namespace ariadne::cli

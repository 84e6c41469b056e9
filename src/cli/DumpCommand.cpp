// ariadne dump (--chrome | --flamegraph | --html) DIR [-o FILE]: a recording
// in a format other tools open. The Chrome trace is written while the
// recording is read (any size, little memory); the folded stacks and the
// HTML page aggregate calls by path first (memory grows with the distinct
// paths, not with the trace).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "analysis/AutoArgs.hpp"
#include "analysis/CallTree.hpp"
#include "analysis/ChromeTraceWriter.hpp"
#include "analysis/FlameGraphPage.hpp"
#include "analysis/FoldedStacks.hpp"
#include "cli/Commands.hpp"
#include "cli/Progress.hpp"
#include "cli/TraceCommon.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::cli {
namespace {

using tracefile::Call;
using tracefile::Problem;
using tracefile::ProcessInfo;
using tracefile::SessionInfo;
using tracefile::TraceDir;

constexpr const char* kDescription =
    "Write the recording in DIR (made by `ariadne record`) in a format other tools open:\n"
    "  --chrome      Chrome Trace Event JSON: open it in the Perfetto UI (ui.perfetto.dev, "
    "'Open trace file') or chrome://tracing. One B/E pair per call on its recorded pid/tid, "
    "captured arguments and return values as args, instant events for fork, exec, signals and "
    "lost events. Written while DIR is read, so recordings of any size work.\n"
    "  --flamegraph  folded stacks, one line per call path with its self time in ns "
    "(\"prog [pid];thread TID;main;f;g 1234\"), or its number of calls with --weight=calls: input for "
    "flamegraph.pl, speedscope or inferno. Every path is written, those whose calls all timed as 0 "
    "too; under qemu-aarch64 the clock ticks in ~1 us steps and most short calls time as 0, so "
    "--weight=calls draws what the time cannot.\n"
    "  --html        one self-contained interactive flame graph page (zoom, search, details "
    "on hover) that needs no network access.\n"
    "--pid and --tid keep one process (all its images) or one thread.\n"
    "Output goes to FILE (-o) or standard output. A damaged DIR: the problems are listed on "
    "stderr, what is intact is written, and the exit status is 1. Exit status 2: DIR is not "
    "a recording, or FILE cannot be written.";

enum class Format { chrome, folded, html };

struct Options {
  bool chrome = false, folded = false, html = false;
  std::string weight = "time";  // --flamegraph: time (self ns) or calls
  std::string dir, output;
  Selection selection;
};

[[noreturn]] void fail(const std::string& message, int status = kStatusNotRecording) {
  std::fprintf(stderr, "ariadne: dump: %s\n", message.c_str());
  throw CommandExit{status};
}

std::string base_name(const std::vector<std::string>& argv) {
  if (argv.empty() || argv.front().empty()) return "?";
  const std::string& path = argv.front();
  const auto slash = path.rfind('/');
  return slash == std::string::npos || slash + 1 == path.size() ? path : path.substr(slash + 1);
}

// A recording made with -a: its values named and formatted from DWARF, as
// `show` does.
class DwarfValueNames : public analysis::ValueNames {
 public:
  explicit DwarfValueNames(const SessionInfo& session) : of_(session) {}
  bool arguments(const ProcessInfo& p, const Call& c,
                 std::vector<std::pair<std::string, std::string>>& named) override {
    const analysis::FunctionLayout* layout = this->layout(p, c);
    bool fits = false;
    if (layout != nullptr) named = analysis::named_arguments(*layout, c.args, fits);
    return fits;
  }
  bool return_value(const ProcessInfo& p, const Call& c, std::string& text) override {
    const analysis::FunctionLayout* layout = this->layout(p, c);
    if (layout == nullptr || c.retval.empty()) return false;
    text = analysis::format_return(*layout, c.retval.front());
    return true;
  }

 private:
  const analysis::FunctionLayout* layout(const ProcessInfo& p, const Call& c) {
    analysis::ProcessArguments* arguments = of_(p);
    return arguments != nullptr ? arguments->layout(c.site) : nullptr;
  }
  analysis::ArgumentsByProcess of_;
};

// Process names per pid: an exec'd image shares its pid with what it
// replaced, so one pid can be "sh -> demo".
void name_processes_and_threads(const TraceDir& dir, const Selection& selection,
                                analysis::ChromeTraceWriter& w) {
  std::vector<std::pair<std::uint32_t, std::string>> names;
  for (const auto& p : dir.processes()) {
    if (!selection.process(p)) continue;
    auto it = std::find_if(names.begin(), names.end(), [&](const auto& n) { return n.first == p.pid; });
    if (it == names.end()) {
      names.emplace_back(p.pid, base_name(p.argv));
    } else if (const std::string next = base_name(p.argv); it->second != next) {
      it->second += " -> " + next;
    }
  }
  for (const auto& [pid, name] : names) w.name_process(pid, name);
  selection.for_each_thread(dir, [&w](const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t) {
    w.name_thread(p.pid, t.tid, t.tid == p.pid ? base_name(p.argv) : fmt::format("thread {}", t.tid));
  });
}

// Feeds every selected thread, then every fiber, to `visitor`, with the
// progress bar. A fiber is a thread here: begin_thread gets a ThreadInfo
// whose tid is fiber_lane_tid(id), and `fiber_named(p, tid, id)` first.
template <typename BeginThread, typename EndThread, typename FiberNamed>
void walk_all(TraceDir& dir, const Selection& selection, tracefile::CallVisitor& visitor,
              std::vector<Problem>& problems, BeginThread begin_thread, EndThread end_thread,
              FiberNamed fiber_named) {
  Progress progress("dump", selected_bytes(dir, selection));
  attach(dir, progress);
  selection.for_each_thread(dir, [&](const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t) {
    begin_thread(p, t);
    tracefile::walk_calls(dir, p, t, visitor, problems);
    end_thread();
  });
  tracefile::ThreadInfo lane;
  walk_selected_fibers(
      dir, selection, problems,
      [&](const tracefile::ProcessInfo& p, std::uint64_t id,
          const std::vector<std::uint32_t>&) -> tracefile::CallVisitor& {
        lane.tid = fiber_lane_tid(id);
        fiber_named(p, lane.tid, id);
        begin_thread(p, lane);
        return visitor;
      },
      end_thread);
  dir.progress = nullptr;
  progress.done();
}

std::string command_line(const TraceDir& dir) {
  std::string out;
  for (const auto& a : dir.session().argv) out += (out.empty() ? "" : " ") + a;
  return out.empty() ? dir.path() : out;
}

void run(const Options& o) {
  const Format format = o.chrome ? Format::chrome : o.folded ? Format::folded : Format::html;
  OpenTrace trace = open_trace(o.dir);
  TraceDir& dir = trace.dir;
  o.selection.check(dir, o.dir);
  std::vector<Problem>& problems = trace.problems;

  std::FILE* out = stdout;
  if ((o.output.empty() || o.output == "-") && format == Format::html && ::isatty(STDOUT_FILENO) == 1)
    fail("--html writes a page, not text for a terminal: give -o FILE.html");
  if (!o.output.empty() && o.output != "-") {
    out = std::fopen(o.output.c_str(), "w");
    if (out == nullptr) fail(fmt::format("{}: cannot write: {}", o.output, std::strerror(errno)));
  }
  bool written = true;
  if (format == Format::chrome) {
    analysis::ChromeTraceWriter writer(out, dir.start_ns());
    DwarfValueNames value_names(dir.session());
    writer.set_value_names(&value_names);
    writer.begin(dir.session());
    name_processes_and_threads(dir, o.selection, writer);
    walk_all(
        dir, o.selection, writer, problems, [&](const auto& p, const auto& t) { writer.begin_thread(p, t); },
        [&] { writer.end_thread(); },
        [&](const auto& p, std::uint32_t tid, std::uint64_t id) {
          writer.name_thread(p.pid, tid, fmt::format("fiber {}", id));
        });
    written = writer.finish();
  } else {
    analysis::CallTree tree;
    analysis::CallTreeBuilder builder(tree);
    std::uint64_t fiber = 0;
    walk_all(
        dir, o.selection, builder, problems,
        [&](const auto& p, const auto& t) {
          if (fiber != 0) {
            builder.begin_lane(p, fmt::format("fiber {}", fiber));
          } else {
            builder.begin_thread(p, t);
          }
          fiber = 0;
        },
        [] {}, [&](const auto&, std::uint32_t, std::uint64_t id) { fiber = id; });
    tree.finish();
    if (format == Format::folded) {
      written = analysis::write_folded_stacks(
          tree, out, o.weight == "calls" ? analysis::FoldedWeight::calls : analysis::FoldedWeight::self_ns);
    } else {
      analysis::FlameGraphOptions options;
      options.title = command_line(dir);
      written = analysis::write_flame_graph_page(tree, options, out);
    }
  }
  int write_errno = written ? 0 : errno;  // the writers stop at their first failed write
  errno = 0;
  if (std::fflush(out) != 0 || std::ferror(out) != 0) {
    written = false;
    if (write_errno == 0) write_errno = errno;
  }
  const bool to_stdout = out == stdout;
  if (!to_stdout && std::fclose(out) != 0) {
    written = false;
    if (write_errno == 0) write_errno = errno;
  }
  if (!written) {
    if (to_stdout) std::clearerr(stdout);  // said here, not again by main
    fail(fmt::format("{}: write failed: {}", to_stdout ? "standard output" : o.output,
                     write_errno != 0 ? std::strerror(write_errno) : "an earlier write failed"),
         kStatusProblems);
  }
  finish(problems);  // the problems on stderr, status 1 if any
}

}  // namespace

void add_dump_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("dump", kDescription);
  auto o = std::make_shared<Options>();
  auto* chrome =
      cmd->add_flag("--chrome", o->chrome, "Chrome Trace Event JSON (Perfetto UI, chrome://tracing)");
  auto* folded = cmd->add_flag("--flamegraph", o->folded, "Folded stacks (flamegraph.pl, speedscope)");
  auto* html = cmd->add_flag("--html", o->html, "A self-contained interactive flame graph page");
  chrome->excludes(folded)->excludes(html);
  folded->excludes(html);
  cmd->add_option("--weight", o->weight,
                  "With --flamegraph: what each path's number is, its self time in ns (time, the default) or "
                  "its number of calls (calls)")
      ->type_name("time|calls")
      ->check(CLI::IsMember({"time", "calls"}))
      ->needs(folded);
  cmd->add_option("dir", o->dir, "The recording directory")->required()->type_name("DIR");
  cmd->add_option("-o,--output", o->output, "Write to FILE instead of standard output")->type_name("FILE");
  o->selection.add_options(*cmd);
  cmd->callback([o] {
    if (!o->chrome && !o->folded && !o->html) fail("give one of --chrome, --flamegraph, --html");
    run(*o);
  });
}

}  // namespace ariadne::cli

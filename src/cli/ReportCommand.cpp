// ariadne report DIR: per function, the calls, total, self, average, min and
// max time, over all threads (or per thread with --threads). Calls still open
// at the end of the recording (a crash, a kill) are not timed; their count is
// given below the table. Calls inherited through fork are counted in the
// parent, where they began.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>

#include "analysis/SourceLines.hpp"
#include "cli/Commands.hpp"
#include "cli/FunctionStats.hpp"
#include "cli/TraceCommon.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

using Stats = FunctionStats;
using Collector = FunctionStatsCollector;
using Table = FunctionTable;

void print_table(const Table& t, const std::string& sort) {
  const std::vector<FunctionRow> rows = sorted_rows(t, sort);
  std::printf("%12s %12s %10s %12s %12s %12s  %s\n", "Total time", "Self time", "Calls", "Average", "Min",
              "Max", "Function");
  std::printf("%12s %12s %10s %12s %12s %12s  %s\n", "==========", "==========", "==========", "==========",
              "==========", "==========", "====================");
  for (const auto& [name, s] : rows) {
    std::printf("%12s %12s %10llu %12s %12s %12s  %s%s%s\n", format_duration(s.total).c_str(),
                format_duration(s.self).c_str(), static_cast<unsigned long long>(s.calls),
                format_duration(s.sum / s.calls).c_str(), format_duration(s.min).c_str(),
                format_duration(s.max).c_str(), name.c_str(), s.source.empty() ? "" : "  ", s.source.c_str());
  }
}

// "+12.3%", "-4.0%", "new" (nothing before), "gone" (nothing after).
std::string change(std::uint64_t before, std::uint64_t after) {
  if (before == 0) return after == 0 ? "0.0%" : "new";
  if (after == 0) return "gone";
  return fmt::format("{:+.1f}%", (static_cast<double>(after) - static_cast<double>(before)) * 100.0 /
                                     static_cast<double>(before));
}

// report DIR --diff BASE: BASE's figures, DIR's, and the change, the largest
// change of the sort key first (in ns or calls, not in percent: a function
// going from 10 ns to 30 ns is not news).
void print_diff(const Table& base, const Table& now, const std::string& sort) {
  std::map<std::string, std::pair<Stats, Stats>> both;
  for (const auto& [name, s] : base) both[name].first = s;
  for (const auto& [name, s] : now) both[name].second = s;
  std::vector<std::pair<std::string, std::pair<Stats, Stats>>> rows(both.begin(), both.end());
  auto delta = [&](const std::pair<Stats, Stats>& r) {
    const auto a = sort_key(r.first, sort), b = sort_key(r.second, sort);
    return a > b ? a - b : b - a;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    if (sort == "name") return a.first < b.first;
    const auto da = delta(a.second), db = delta(b.second);
    return da != db ? da > db : a.first < b.first;
  });
  std::printf("%12s %12s %8s  %12s %12s %8s  %10s %10s %8s  %s\n", "Total base", "Total", "Change",
              "Self base", "Self", "Change", "Calls base", "Calls", "Change", "Function");
  for (const auto& [name, r] : rows) {
    const Stats& a = r.first;
    const Stats& b = r.second;
    if (a.calls == 0 && b.calls == 0) continue;
    std::printf("%12s %12s %8s  %12s %12s %8s  %10llu %10llu %8s  %s\n", format_duration(a.total).c_str(),
                format_duration(b.total).c_str(), change(a.total, b.total).c_str(),
                format_duration(a.self).c_str(), format_duration(b.self).c_str(),
                change(a.self, b.self).c_str(), static_cast<unsigned long long>(a.calls),
                static_cast<unsigned long long>(b.calls), change(a.calls, b.calls).c_str(), name.c_str());
  }
}

struct Opts {
  std::string dir = "ariadne.data";
  std::string base;
  std::string sort = "total";
  std::string only, hide;
  bool threads = false, srcline = false;
  Selection sel;
  Regex only_re, hide_re;
  std::vector<std::string> notes;  // printed below the table
};

void print_open(std::uint64_t open, const char* which) {
  if (open > 0)
    std::printf("# %llu call%s still open at the end of the %srecording (not timed)\n",
                static_cast<unsigned long long>(open), open == 1 ? "" : "s", which);
}

// One recording's table (or, with --threads, one table per thread printed as
// it is read). Problems go to `problems`.
Table collect(const std::string& path, Opts& o, bool print_threads, std::uint64_t& open, std::uint64_t& lost,
              std::vector<Problem>& problems) {
  OpenTrace t = open_trace(path);
  o.sel.check(t.dir, path);
  if (t.dir.session().stop_reason == static_cast<std::uint32_t>(tracefile::StopReason::max_size))
    o.notes.push_back(
        fmt::format("# {}recording stopped when it passed --max-size ({} bytes): later calls are "
                    "not in it",
                    path == o.base ? "base " : "", t.dir.session().stop_limit));
  Progress progress("report", selected_bytes(t.dir, o.sel));
  attach(t.dir, progress);
  Table all;
  bool first = true;
  analysis::SourceLinesByProcess lines_of(o.srcline);
  o.sel.for_each_thread(t.dir, [&](const ProcessInfo& p, const ThreadInfo& th) {
    Collector c(p, o.only_re, o.hide_re);
    walk_calls(t.dir, p, th, c, t.problems);
    open += c.open;
    lost += c.lost;
    if (print_threads) {
      Table one;
      merge_into(one, p, c, lines_of(p));
      progress.done();
      std::printf("%s# process %u (%s), thread %u\n", first ? "" : "\n", p.pid, p.key.c_str(), th.tid);
      print_table(one, o.sort);
      first = false;
    } else {
      merge_into(all, p, c, lines_of(p));
    }
  });
  // Each fiber's calls, paired across the threads it ran on.
  std::optional<Collector> fc;
  const ProcessInfo* fiber_process = nullptr;
  walk_selected_fibers(
      t.dir, o.sel, t.problems,
      [&](const ProcessInfo& p, std::uint64_t id, const std::vector<std::uint32_t>&) -> CallVisitor& {
        fiber_process = &p;
        if (print_threads) {
          progress.done();
          std::printf("%s# process %u (%s), fiber %llu\n", first ? "" : "\n", p.pid, p.key.c_str(),
                      static_cast<unsigned long long>(id));
          first = false;
        }
        return fc.emplace(p, o.only_re, o.hide_re);
      },
      [&] {
        open += fc->open;
        if (print_threads) {
          Table one;
          merge_into(one, *fiber_process, *fc, lines_of(*fiber_process));
          print_table(one, o.sort);
        } else {
          merge_into(all, *fiber_process, *fc, lines_of(*fiber_process));
        }
      });
  progress.done();
  for (const ProcessInfo& p : t.dir.processes()) {
    if (p.unhooked != 0 && o.sel.process(p))
      o.notes.push_back(fmt::format(
          "# {}process {}: {} call{} got no return hook (the runtime could not grow a shadow stack): "
          "their exits were not traced, so they stay open (not timed, not in the table)",
          path == o.base ? "base recording, " : "", p.pid, p.unhooked, p.unhooked == 1 ? "" : "s"));
  }
  problems.insert(problems.end(), t.problems.begin(), t.problems.end());
  return all;
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report",
      "Per function of a recording: calls, total time (outermost calls only: a recursive call's time is "
      "in its caller's), self time (without traced callees), average, min and max.\nCalls still open when "
      "the recording ended are not timed (their number is printed below the table).\nWith --diff BASE: "
      "the figures of BASE and of DIR side by side with the change, the largest change first.\nExit "
      "status: 0; 1 if a recording is damaged (problems on stderr, the table shows what is intact); 2 if "
      "DIR is not a recording.");
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  cmd->add_option("--diff", o->base, "Compare with the recording BASE (the figures before the change)")
      ->type_name("BASE");
  cmd->add_option("-s,--sort", o->sort, "Sort by: calls, total, self, avg, min, max or name (default total)")
      ->check(CLI::IsMember({"calls", "total", "self", "avg", "min", "max", "name"}));
  cmd->add_option("-F,--filter", o->only, "Only calls of functions matching REGEX and their callees");
  cmd->add_option("-N,--notrace", o->hide, "Leave out calls of functions matching REGEX and their callees");
  cmd->add_flag("--threads", o->threads, "One table per thread")->excludes("--diff");
  cmd->add_flag("--srcline", o->srcline,
                "Each function's source file and line, after its name (from the DWARF line table: programs "
                "built with -g)")
      ->excludes("--diff");
  o->sel.add_options(*cmd);
  cmd->callback([o] {
    if (!o->only.empty()) o->only_re.compile(o->only, "-F");
    if (!o->hide.empty()) o->hide_re.compile(o->hide, "-N");
    std::vector<Problem> problems;
    std::uint64_t open = 0, base_open = 0, lost = 0, base_lost = 0;
    if (o->base.empty()) {
      const Table all = collect(o->dir, *o, o->threads, open, lost, problems);
      if (!o->threads) print_table(all, o->sort);
    } else {
      const Table base = collect(o->base, *o, false, base_open, base_lost, problems);
      const Table now = collect(o->dir, *o, false, open, lost, problems);
      print_diff(base, now, o->sort);
      print_open(base_open, "base ");
      if (base_lost > 0)
        std::printf("# base recording: %llu events lost while recording\n",
                    static_cast<unsigned long long>(base_lost));
    }
    print_open(open, "");
    for (const std::string& note : o->notes) std::printf("%s\n", note.c_str());
    say_lost_events(lost);
    finish(problems);
  });
}

}  // namespace ariadne::cli

// ariadne report DIR: per function, the calls, total, self, average, min and
// max time, over all threads (or per thread with --threads). Calls still open
// at the end of the recording (a crash, a kill) are not timed; their count is
// given below the table. Calls inherited through fork are counted in the
// parent, where they began.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "cli/Commands.hpp"
#include "cli/TraceCommon.hpp"

namespace ariadne::cli {
namespace {

using namespace tracefile;

struct Stats {
  std::uint64_t calls = 0, total = 0, self = 0, min = UINT64_MAX, max = 0;
  void add(std::uint64_t dur, std::uint64_t self_ns) {
    ++calls;
    total += dur;
    self += self_ns;
    min = std::min(min, dur);
    max = std::max(max, dur);
  }
  void merge(const Stats& o) {
    calls += o.calls;
    total += o.total;
    self += o.self;
    min = std::min(min, o.min);
    max = std::max(max, o.max);
  }
};

// Per site id while walking one thread: no string work per call.
struct Collector : CallVisitor {
  std::unordered_map<std::uint32_t, Stats> by_site;
  std::uint64_t open = 0;
  void on_exit(const Call& c) override {
    if (c.inherited) return;
    if (!c.complete) {
      ++open;
      return;
    }
    const std::uint64_t dur = c.end_ns - c.begin_ns;
    by_site[c.site].add(dur, dur > c.child_ns ? dur - c.child_ns : 0);
  }
};

using Table = std::map<std::string, Stats>;

void print_table(const Table& t, const std::string& sort) {
  std::vector<std::pair<std::string, Stats>> rows(t.begin(), t.end());
  auto key = [&](const Stats& s) -> std::uint64_t {
    if (sort == "calls") return s.calls;
    if (sort == "self") return s.self;
    if (sort == "avg") return s.calls ? s.total / s.calls : 0;
    if (sort == "min") return s.min;
    if (sort == "max") return s.max;
    return s.total;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const auto& a, const auto& b) {
    if (sort == "name") return a.first < b.first;
    const auto ka = key(a.second), kb = key(b.second);
    return ka != kb ? ka > kb : a.first < b.first;
  });
  std::printf("%12s %12s %10s %12s %12s %12s  %s\n", "Total time", "Self time", "Calls", "Average", "Min",
              "Max", "Function");
  std::printf("%12s %12s %10s %12s %12s %12s  %s\n", "==========", "==========", "==========", "==========",
              "==========", "==========", "====================");
  for (const auto& [name, s] : rows) {
    if (s.calls == 0) continue;
    std::printf("%12s %12s %10llu %12s %12s %12s  %s\n", format_duration(s.total).c_str(),
                format_duration(s.self).c_str(), static_cast<unsigned long long>(s.calls),
                format_duration(s.total / s.calls).c_str(), format_duration(s.min).c_str(),
                format_duration(s.max).c_str(), name.c_str());
  }
}

void merge_into(Table& t, const ProcessInfo& p, const Collector& c) {
  for (const auto& [site, s] : c.by_site) t[p.site_name(site)].merge(s);
}

}  // namespace

void add_report_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report",
      "Per function of a recording: calls, total time, self time (without traced callees), average, min "
      "and max.\nCalls still open when the recording ended are not timed (their number is printed below "
      "the table).\nExit status: 0; 1 if the recording is damaged (problems on stderr, the table shows what "
      "is intact); 2 if DIR is not a recording.");
  struct Opts {
    std::string dir = "ariadne.data";
    std::string sort = "total";
    bool threads = false;
    Selection sel;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  cmd->add_option("-s,--sort", o->sort, "Sort by: calls, total, self, avg, min, max or name (default total)")
      ->check(CLI::IsMember({"calls", "total", "self", "avg", "min", "max", "name"}));
  cmd->add_flag("--threads", o->threads, "One table per thread");
  o->sel.add_options(*cmd);
  cmd->callback([o] {
    OpenTrace t = open_trace(o->dir);
    o->sel.check(t.dir, o->dir);
    Progress progress("report", selected_bytes(t.dir, o->sel));
    attach(t.dir, progress);
    Table all;
    std::uint64_t open = 0;
    bool first = true;
    o->sel.for_each_thread(t.dir, [&](const ProcessInfo& p, const ThreadInfo& th) {
      Collector c;
      walk_calls(t.dir, p, th, c, t.problems);
      open += c.open;
      if (o->threads) {
        Table one;
        merge_into(one, p, c);
        progress.done();
        std::printf("%s# process %u (%s), thread %u\n", first ? "" : "\n", p.pid, p.key.c_str(), th.tid);
        print_table(one, o->sort);
        first = false;
      } else {
        merge_into(all, p, c);
      }
    });
    progress.done();
    if (!o->threads) print_table(all, o->sort);
    if (t.dir.session().stop_reason == static_cast<std::uint32_t>(tracefile::StopReason::max_size))
      std::printf("# recording stopped when it passed --max-size (%llu bytes): later calls are not in it\n",
                  static_cast<unsigned long long>(t.dir.session().stop_limit));
    if (open > 0)
      std::printf("# %llu call%s still open at the end of the recording (not timed)\n",
                  static_cast<unsigned long long>(open), open == 1 ? "" : "s");
    finish(t.problems);
  });
}

}  // namespace ariadne::cli

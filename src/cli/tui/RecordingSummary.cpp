#include "cli/tui/RecordingSummary.hpp"

#include <fmt/format.h>

#include <optional>

namespace ariadne::cli::tui {

namespace {

// One walk feeding both readers.
struct BothVisitors : tracefile::CallVisitor {
  tracefile::CallVisitor& a;
  tracefile::CallVisitor& b;
  BothVisitors(tracefile::CallVisitor& first, tracefile::CallVisitor& second) : a(first), b(second) {}
  void on_enter(const tracefile::Call& c) override {
    a.on_enter(c);
    b.on_enter(c);
  }
  void on_exit(const tracefile::Call& c) override {
    a.on_exit(c);
    b.on_exit(c);
  }
  void on_event(const tracefile::TraceEvent& e) override {
    a.on_event(e);
    b.on_event(e);
  }
};

}  // namespace

RecordingSummary summarize(const tracefile::TraceDir& dir, const Selection& selection,
                           std::vector<tracefile::Problem>& problems) {
  RecordingSummary s;
  analysis::CallTreeBuilder builder(s.tree);
  const Regex none;  // no -F/-N: every call counts
  std::optional<FunctionStatsCollector> stats;
  const tracefile::ProcessInfo* process = nullptr;
  auto add_stats = [&] {
    s.open += stats->open;
    s.lost += stats->lost;
    merge_into(s.functions, *process, *stats, nullptr);
  };
  selection.for_each_thread(dir, [&](const tracefile::ProcessInfo& p, const tracefile::ThreadInfo& t) {
    builder.begin_thread(p, t);
    process = &p;
    BothVisitors both(builder, stats.emplace(p, none, none));
    tracefile::walk_calls(dir, p, t, both, problems);
    add_stats();
  });
  std::optional<BothVisitors> both;
  walk_selected_fibers(
      dir, selection, problems,
      [&](const tracefile::ProcessInfo& p, std::uint64_t id,
          const std::vector<std::uint32_t>&) -> tracefile::CallVisitor& {
        builder.begin_lane(p, fmt::format("fiber {}", id));
        process = &p;
        return both.emplace(builder, stats.emplace(p, none, none));
      },
      add_stats);
  s.tree.finish();
  return s;
}

}  // namespace ariadne::cli::tui

#include "cli/FunctionStats.hpp"

#include <algorithm>

#include "analysis/SourceLines.hpp"

namespace ariadne::cli {

using namespace tracefile;

void FunctionStats::add(std::uint64_t dur, std::uint64_t self_ns, bool outermost) {
  ++calls;
  if (outermost) total += dur;
  sum += dur;
  self += self_ns;
  min = std::min(min, dur);
  max = std::max(max, dur);
}

void FunctionStats::merge(const FunctionStats& o) {
  calls += o.calls;
  total += o.total;
  sum += o.sum;
  self += o.self;
  min = std::min(min, o.min);
  max = std::max(max, o.max);
}

void FunctionStatsCollector::on_event(const TraceEvent& e) {
  if (e.kind == Event::lost) lost += e.number;
}

void FunctionStatsCollector::on_enter(const Call& c) {
  const std::size_t d = c.depth;
  if (kept_.size() <= d) kept_.resize(d + 1);
  const Kept* parent = d > 0 ? &kept_[d - 1] : nullptr;
  Kept& k = kept_[d];
  k.in_only = !only_set_ || (parent != nullptr && parent->in_only) || only_(c.site);
  k.hidden = (parent != nullptr && parent->hidden) || (hide_set_ && hide_(c.site));
  if (!c.inherited) ++active_[c.site];
}

void FunctionStatsCollector::on_exit(const Call& c) {
  if (c.inherited) return;
  std::uint32_t& nesting = active_[c.site];
  if (nesting > 0) --nesting;
  if (c.depth < kept_.size() && (!kept_[c.depth].in_only || kept_[c.depth].hidden)) return;
  if (!c.complete) {
    ++open;
    return;
  }
  const std::uint64_t dur = c.end_ns - c.begin_ns;
  by_site[c.site].add(dur, dur > c.child_ns ? dur - c.child_ns : 0, nesting == 0);
}

void merge_into(FunctionTable& t, const ProcessInfo& p, const FunctionStatsCollector& c,
                analysis::SourceLines* lines) {
  for (const auto& [site, s] : c.by_site) {
    FunctionStats& row = t[p.site_name(site)];
    row.merge(s);
    if (lines != nullptr && row.source.empty()) row.source = lines->at(site);
  }
}

std::uint64_t sort_key(const FunctionStats& s, const std::string& column) {
  if (column == "calls") return s.calls;
  if (column == "self") return s.self;
  if (column == "avg") return s.average();
  if (column == "min") return s.calls ? s.min : 0;
  if (column == "max") return s.max;
  if (column == "name") return 0;
  return s.total;
}

std::vector<FunctionRow> sorted_rows(const FunctionTable& t, const std::string& column) {
  std::vector<FunctionRow> rows;
  for (const auto& row : t)
    if (row.second.calls > 0) rows.push_back(row);
  std::stable_sort(rows.begin(), rows.end(), [&](const FunctionRow& a, const FunctionRow& b) {
    if (column == "name") return a.first < b.first;
    const auto ka = sort_key(a.second, column), kb = sort_key(b.second, column);
    return ka != kb ? ka > kb : a.first < b.first;
  });
  return rows;
}

}  // namespace ariadne::cli

// Per function of a recording: calls, total, self, average, min and max
// time, the figures of `ariadne report` and of the report view of `ariadne
// tui`, gathered by walking each thread's calls (walk_calls) with a
// FunctionStatsCollector.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli/TraceCommon.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {
class SourceLines;
}

namespace ariadne::cli {

// `total` sums only the outermost active call of a function on its thread:
// a recursive call's time is already inside its caller's (uftrace's rule, and
// the only one under which no function's total exceeds its caller's).
// Average, min and max are over every call's own duration (`sum`).
struct FunctionStats {
  std::uint64_t calls = 0, total = 0, sum = 0, self = 0, min = UINT64_MAX, max = 0;
  std::string source;  // --srcline: "file.c:12", or
  void add(std::uint64_t dur, std::uint64_t self_ns, bool outermost);
  void merge(const FunctionStats& o);
  std::uint64_t average() const { return calls ? sum / calls : 0; }
};

// Per site id while walking one thread: no string work per call. `active`
// counts the calls of each site open on the thread, so a call is outermost
// when it is the only one. -F/-N: per depth, whether the call is under an
// -F match and whether it or a caller matches -N (as `show` decides); pass
// unset Regex objects for neither.
class FunctionStatsCollector : public tracefile::CallVisitor {
 public:
  FunctionStatsCollector(const tracefile::ProcessInfo& p, const Regex& only, const Regex& hide)
      : only_set_(only.set), hide_set_(hide.set), only_(p, only), hide_(p, hide) {}

  std::unordered_map<std::uint32_t, FunctionStats> by_site;
  std::uint64_t open = 0;
  std::uint64_t lost = 0;  // events the recorder could not write (lost markers)

  void on_event(const tracefile::TraceEvent& e) override;
  void on_enter(const tracefile::Call& c) override;
  void on_exit(const tracefile::Call& c) override;

 private:
  struct Kept {
    bool in_only = true, hidden = false;
  };
  bool only_set_, hide_set_;
  SiteMatch only_, hide_;
  std::vector<Kept> kept_;
  std::unordered_map<std::uint32_t, std::uint32_t> active_;
};

// By function name, over every thread merged in.
using FunctionTable = std::map<std::string, FunctionStats>;

// Adds one walked thread's figures to `t`. lines: the process's source
// locations (--srcline), or nullptr.
void merge_into(FunctionTable& t, const tracefile::ProcessInfo& p, const FunctionStatsCollector& c,
                analysis::SourceLines* lines);

// The columns a table can be sorted by, as `report --sort` spells them.
inline const std::vector<std::string> kSortColumns{"total", "self", "calls", "avg", "min", "max", "name"};

using FunctionRow = std::pair<std::string, FunctionStats>;
// The rows of `t` with calls, largest `column` first (by name for "name");
// names break ties so the order is stable.
std::vector<FunctionRow> sorted_rows(const FunctionTable& t, const std::string& column);
// The figure a row is sorted by (0 for "name").
std::uint64_t sort_key(const FunctionStats& s, const std::string& column);

}  // namespace ariadne::cli

// What `ariadne tui` shows of a recording, read in one pass over its calls:
// the call tree of `ariadne dump` (process, thread, then one node per call
// path) and the per-function figures of `ariadne report`.
#pragma once

#include <cstdint>
#include <vector>

#include "analysis/CallTree.hpp"
#include "cli/FunctionStats.hpp"
#include "cli/TraceCommon.hpp"

namespace ariadne::cli::tui {

struct RecordingSummary {
  analysis::CallTree tree;  // finished
  FunctionTable functions;
  std::uint64_t open = 0;  // calls still open at the end (not in `functions`)
  std::uint64_t lost = 0;  // events the recorder could not write
};

// Every selected thread and fiber of `dir`; problems go to `problems`.
RecordingSummary summarize(const tracefile::TraceDir& dir, const Selection& selection,
                           std::vector<tracefile::Problem>& problems);

}  // namespace ariadne::cli::tui

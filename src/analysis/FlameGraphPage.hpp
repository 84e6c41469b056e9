// The self-contained HTML flame graph of `ariadne dump --html`: the page
// template (flamegraph.html, embedded at build time) with the CallTree
// written into it as JSON. No network access: no external script, style or
// font, so it opens from a file anywhere.
#pragma once

#include <cstdio>
#include <string>

#include "analysis/CallTree.hpp"

namespace ariadne::analysis {

struct FlameGraphOptions {
  std::string title;  // shown in the page header, e.g. the recorded command
  // Paths whose total is below this fraction of all the time are left out of
  // the page (they would be narrower than a pixel); 0 keeps everything.
  double min_fraction = 1e-5;
};

// Returns false on a write error.
bool write_flame_graph_page(const CallTree& tree, const FlameGraphOptions& options, std::FILE* out);

// The template, as embedded (for tests).
std::string_view flame_graph_template();

}  // namespace ariadne::analysis

// Folded stacks ("prog [pid];thread TID;main;f;g 1234", one line per call
// path, the number being the path's self time in ns, or its number of calls):
// the input of Brendan Gregg's flamegraph.pl, speedscope and inferno.
#pragma once

#include <cstdio>

#include "analysis/CallTree.hpp"

namespace ariadne::analysis {

// What a path's number is, and so what the flame graph's widths show.
enum class FoldedWeight {
  self_ns,  // the time spent in the path's function itself, summed over its calls
  calls,    // the path's calls: where a clock too coarse for the calls (QEMU's
            // counter ticks in ~1 us steps) times most of them as 0
};

// Writes every call path: each one with a nonzero number, and each leaf
// whatever its number (a path whose calls all timed as 0 is kept, with 0).
// Returns false on a write error.
bool write_folded_stacks(const CallTree& tree, std::FILE* out, FoldedWeight weight = FoldedWeight::self_ns);

// A frame name as the folded format can carry it: ';' separates frames and a
// line ends at '\n', so those become ':' and ' '.
std::string folded_frame(std::string_view name);

}  // namespace ariadne::analysis

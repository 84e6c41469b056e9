// Folded stacks ("prog [pid];thread TID;main;f;g 1234", one line per call
// path, the number being the path's self time in ns): the input of Brendan
// Gregg's flamegraph.pl, speedscope and inferno.
#pragma once

#include <cstdio>

#include "analysis/CallTree.hpp"

namespace ariadne::analysis {

// Writes every path with a nonzero self time; returns false on a write error.
bool write_folded_stacks(const CallTree& tree, std::FILE* out);

// A frame name as the folded format can carry it: ';' separates frames and a
// line ends at '\n', so those become ':' and ' '.
std::string folded_frame(std::string_view name);

}  // namespace ariadne::analysis

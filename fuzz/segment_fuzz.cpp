// A raw segment file: header checks, then events decoded and turned into
// calls exactly as walk_calls does for a thread.
#include "FuzzCommon.hpp"
#include "SegmentFuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ariadne::tracefile::fuzz_segment(data, size, false);
  return 0;
}

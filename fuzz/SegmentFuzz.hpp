// Loads a segment from memory and decodes it twice, as a thread's first
// and as a later segment (the two resynchronisation paths).
#pragma once

#include <cstdint>
#include <vector>

#include "tracefile/SegmentDecoder.hpp"
#include "tracefile/SegmentFile.hpp"

namespace ariadne::tracefile {

inline void fuzz_segment(const std::uint8_t* data, std::size_t size, bool compressed) {
  static SegmentLoader loader;
  ProcessInfo p;
  p.counter_hz = 62500000;
  p.sites[1] = SiteInfo{1, 0x1000, "f", 0};
  std::vector<Problem> problems;
  LoadedSegment seg;
  if (!loader.load_bytes("seg", data, size, compressed, seg, problems)) return;
  SegmentDecoder d(p);
  std::uint64_t sum = 0;
  auto fn = [&](const TraceEvent& e) {
    sum += e.ns + e.site + e.depth;
    for (const auto& v : e.values) sum += v.format().size();
    return true;
  };
  d.decode("seg", loader.data(), seg, true, fn, problems);
  d.decode("seg", loader.data(), seg, false, fn, problems);
  for (const auto& pr : problems) sum += pr.text().size();
  (void)sum;
}

}  // namespace ariadne::tracefile

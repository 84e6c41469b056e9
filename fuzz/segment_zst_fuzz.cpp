// A compressed segment (.seg.zst): streamed zstd decompression with its
// frame checksum, then the same decoding as a raw segment.
#include "FuzzCommon.hpp"
#include "SegmentFuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ariadne::tracefile::fuzz_segment(data, size, true);
  return 0;
}

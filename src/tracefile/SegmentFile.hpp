// Loading one segment (Format.hpp) into memory: a raw .seg is read as is, a
// .seg.zst is decompressed with streaming zstd (its frame checksum checked)
// into the same reusable buffer, so one segment at a time is resident. The
// header is checked here; the events are SegmentDecoder's.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

struct LoadedSegment {
  SegmentHeader header{};
  bool header_ok = false;
  // Payload bytes to decode: [header_size, header_size + used) when sealed,
  // up to the end of the data when open (the decoder stops at a zero tag).
  std::size_t payload_begin = 0, payload_end = 0;
  bool sealed = false;
};

class SegmentLoader {
 public:
  SegmentLoader();
  ~SegmentLoader();
  SegmentLoader(const SegmentLoader&) = delete;
  SegmentLoader& operator=(const SegmentLoader&) = delete;

  // Loads `path` (compressed if `compressed`); problems are reported and as
  // much as is intact is kept. Returns false if nothing can be decoded.
  bool load(const std::string& path, bool compressed, LoadedSegment& seg, std::vector<Problem>& problems);
  // Only the header (the first 64 bytes; a .zst is decompressed that far).
  bool load_header(const std::string& path, bool compressed, SegmentHeader& h);
  // A thread's live file (t<tid>.live, docs/format.md): true when it holds
  // the segment its header names (valid header, not recycled).
  bool load_live_header(const std::string& path, SegmentHeader& h) {
    return load_header(path, false, h) && h.state != static_cast<std::uint32_t>(SegmentState::recycled);
  }

  const std::vector<std::uint8_t>& data() const { return data_; }

  // Loads from memory (for the fuzz targets): `bytes` is the file contents.
  bool load_bytes(const std::string& path, const std::uint8_t* bytes, std::size_t n, bool compressed,
                  LoadedSegment& seg, std::vector<Problem>& problems);

 private:
  bool read_into(const std::string& path, std::vector<std::uint8_t>& out, std::vector<Problem>& problems,
                 std::size_t limit);
  bool decompress(const std::uint8_t* in, std::size_t n, const std::string& path,
                  std::vector<Problem>& problems, std::size_t limit);
  bool check(const std::string& path, LoadedSegment& seg, std::vector<Problem>& problems);

  std::vector<std::uint8_t> data_;
  std::vector<std::uint8_t> in_;  // a compressed file
  void* dctx_ = nullptr;          // ZSTD_DCtx, reused across segments
};

// Segment files are at most this big (header + capacity); a header claiming
// more is corrupt.
inline constexpr std::size_t kMaxSegmentBytes = 1u << 30;

}  // namespace ariadne::tracefile

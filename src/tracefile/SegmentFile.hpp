// Loading one segment (Format.hpp) into memory: a raw .seg is read as is, a
// .seg.zst is decompressed with streaming zstd (its frame checksum checked)
// into the same reusable buffer, so one segment at a time is resident. The
// header is checked here; the events are SegmentDecoder's.
#pragma once

#include <cstdint>
#include <functional>
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

// What a thread's live file holds (docs/format.md).
enum class LiveContent {
  segment,  // the segment its header names
  empty,    // nothing to read: recycled, or created with no header written yet
  damaged,  // not a regular file, or a header that fails its checks (a Problem says which)
};

class SegmentLoader {
 public:
  SegmentLoader();
  ~SegmentLoader();
  SegmentLoader(const SegmentLoader&) = delete;
  SegmentLoader& operator=(const SegmentLoader&) = delete;

  // Loads `path` (compressed if `compressed`); problems are reported and as
  // much as is intact is kept. Returns false if nothing can be decoded.
  // Never reads or decompresses more than the header promises (header_size +
  // capacity, itself at most kMaxSegmentBytes), whatever the file holds.
  bool load(const std::string& path, bool compressed, LoadedSegment& seg, std::vector<Problem>& problems);
  // Only the header (the first 64 bytes; a .zst is decompressed that far),
  // checked; no Problem.
  bool load_header(const std::string& path, bool compressed, SegmentHeader& h);
  // A thread's live file (t<tid>.<k>.live): its header, and whether it holds
  // a segment to read.
  LiveContent load_live_header(const std::string& path, SegmentHeader& h, std::vector<Problem>& problems);

  const std::vector<std::uint8_t>& data() const { return data_; }

  // Loads from memory (for the fuzz targets): `bytes` is the file contents.
  bool load_bytes(const std::string& path, const std::uint8_t* bytes, std::size_t n, bool compressed,
                  LoadedSegment& seg, std::vector<Problem>& problems);

 private:
  using ReadAt = std::function<bool(std::uint64_t offset, std::size_t n, std::vector<std::uint8_t>& out)>;
  bool load_raw(const std::string& path, const ReadAt& read, std::uint64_t size, LoadedSegment& seg,
                std::vector<Problem>& problems);
  bool load_compressed(const std::string& path, const std::uint8_t* in, std::size_t n, LoadedSegment& seg,
                       std::vector<Problem>& problems);
  bool decompress(const std::uint8_t* in, std::size_t n, const std::string& path,
                  std::vector<Problem>& problems, std::size_t limit);
  // The header at the start of data_: magic, version, CRC, sizes; sets limit_.
  bool check_header(const std::string& path, std::vector<Problem>& problems);
  bool check(const std::string& path, LoadedSegment& seg, std::vector<Problem>& problems);

  std::vector<std::uint8_t> data_;
  std::vector<std::uint8_t> in_;  // a compressed file
  std::size_t limit_ = 0;         // header_size + capacity of the header checked last
  void* dctx_ = nullptr;          // ZSTD_DCtx, reused across segments
};

}  // namespace ariadne::tracefile

#include "tracefile/SegmentFile.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "tracefile/FileAccess.hpp"

namespace ariadne::tracefile {

namespace {
ZSTD_DCtx* dctx_of(void*& p) {
  if (p == nullptr) p = ZSTD_createDCtx();
  return static_cast<ZSTD_DCtx*>(p);
}

// A header no larger than this is plausible (the format's is 64 bytes).
constexpr std::uint32_t kMaxHeaderSize = 4096;

// The largest .seg.zst a kMaxSegmentBytes segment can compress to.
std::size_t max_compressed_bytes() { return ZSTD_compressBound(kMaxSegmentBytes); }

bool all_zero(const std::uint8_t* p, std::size_t n) {
  return std::all_of(p, p + n, [](std::uint8_t b) { return b == 0; });
}
}  // namespace

SegmentLoader::SegmentLoader() = default;
SegmentLoader::~SegmentLoader() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(dctx_)); }

// The frame is decompressed with the streaming API into data_, at most
// `limit` bytes. The last 4 input bytes (the content checksum when the frame
// has one) are held back until everything before them is decoded: zstd
// reports a bad checksum from the call that also produced the last block,
// and the data decoded by that call would otherwise be lost with it.
bool SegmentLoader::decompress(const std::uint8_t* in, std::size_t n, const std::string& path,
                               std::vector<Problem>& problems, std::size_t limit) {
  ZSTD_DCtx* d = dctx_of(dctx_);
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  data_.clear();
  std::size_t produced = 0, last = 1;
  ZSTD_inBuffer ib{in, n > 4 ? n - 4 : n, 0};
  while (produced < limit) {
    const std::size_t chunk = std::min<std::size_t>(ZSTD_DStreamOutSize(), limit - produced);
    data_.resize(produced + chunk);
    ZSTD_outBuffer ob{data_.data() + produced, chunk, 0};
    last = ZSTD_decompressStream(d, &ob, &ib);
    produced += ob.pos;
    data_.resize(produced);
    if (ZSTD_isError(last)) {
      problems.push_back({path, produced,
                          fmt::format("expected a valid zstd frame, found: {} (at compressed byte {})",
                                      ZSTD_getErrorName(last), ib.pos)});
      return produced > 0;
    }
    if (last == 0) break;
    if (ob.pos < chunk && ib.pos == ib.size) {  // all input so far consumed and flushed
      if (ib.size < n) {
        ib.size = n;
        continue;
      }
      problems.push_back({path, produced, "expected the rest of the zstd frame, found the end of the file"});
      break;
    }
  }
  return true;
}

bool SegmentLoader::check_header(const std::string& path, std::vector<Problem>& problems) {
  if (data_.size() < kSegmentHeaderSize) {
    problems.push_back(
        {path, 0,
         fmt::format("expected a {}-byte segment header, found {} bytes", kSegmentHeaderSize, data_.size())});
    return false;
  }
  SegmentHeader h;
  std::memcpy(&h, data_.data(), sizeof h);
  if (std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) != 0) {
    problems.push_back({path, 0, "expected the segment magic \"ARIASEG\\0\", found other bytes"});
    return false;
  }
  // The version decides what the CRC covers; a damaged version fails the CRC.
  if (!readable_version(h.version)) {
    problems.push_back({path, offsetof(SegmentHeader, version),
                        fmt::format("expected format version {} to {}, found {}", kOldestFormatVersion,
                                    kFormatVersion, h.version)});
    return false;
  }
  const std::uint32_t crc = segment_header_crc(h);
  if (crc != h.header_crc) {
    problems.push_back(
        {path, offsetof(SegmentHeader, header_crc),
         fmt::format("expected segment header CRC {:#010x}, found {:#010x}", crc, h.header_crc)});
    return false;
  }
  if (h.header_size < kSegmentHeaderSize || h.header_size > kMaxHeaderSize) {
    problems.push_back(
        {path, offsetof(SegmentHeader, header_size),
         fmt::format("expected a header size of {}, found {}", kSegmentHeaderSize, h.header_size)});
    return false;
  }
  if (h.capacity > kMaxSegmentBytes - h.header_size) {
    problems.push_back({path, offsetof(SegmentHeader, capacity),
                        fmt::format("expected a capacity of at most {} bytes, found {}",
                                    kMaxSegmentBytes - h.header_size, h.capacity)});
    return false;
  }
  limit_ = static_cast<std::size_t>(h.header_size) + h.capacity;
  return true;
}

bool SegmentLoader::check(const std::string& path, LoadedSegment& seg, std::vector<Problem>& problems) {
  seg = LoadedSegment{};
  SegmentHeader& h = seg.header;
  std::memcpy(&h, data_.data(), sizeof h);
  if (h.header_size > data_.size()) {
    problems.push_back(
        {path, offsetof(SegmentHeader, header_size),
         fmt::format("expected a header size of {}, found {}", kSegmentHeaderSize, h.header_size)});
    return false;
  }
  seg.header_ok = true;
  seg.payload_begin = h.header_size;
  const std::size_t avail = data_.size() - h.header_size;
  if (h.state == static_cast<std::uint32_t>(SegmentState::sealed)) {
    if (h.used > h.capacity || h.used > avail) {
      problems.push_back({path, h.header_size + std::min<std::size_t>(h.used, avail),
                          fmt::format("expected {} payload bytes (sealed), found {}", h.used, avail)});
      seg.payload_end = data_.size();  // decode what is there, as an open segment
      return true;
    }
    seg.payload_end = h.header_size + h.used;
    const std::uint32_t pcrc = crc32c(data_.data() + seg.payload_begin, h.used);
    if (pcrc != h.payload_crc) {
      problems.push_back({path, seg.payload_begin,
                          fmt::format("expected payload CRC {:#010x}, found {:#010x}", h.payload_crc, pcrc)});
      // Still decoded: the events up to the damage are likely intact, and the
      // decoder reports the first one that is not.
    }
    seg.sealed = pcrc == h.payload_crc;
  } else if (h.state == static_cast<std::uint32_t>(SegmentState::open)) {
    seg.payload_end = h.header_size + std::min<std::size_t>(avail, h.capacity);
  } else {
    problems.push_back({path, offsetof(SegmentHeader, state),
                        fmt::format("expected segment state 0 (open) or 1 (sealed), found {}", h.state)});
    seg.payload_end = data_.size();
  }
  return true;
}

// Raw: the header first, then no more than it promises (header + capacity),
// whatever the file's size.
bool SegmentLoader::load_raw(const std::string& path, const ReadAt& read, std::uint64_t size,
                             LoadedSegment& seg, std::vector<Problem>& problems) {
  if (!read(0, std::min<std::uint64_t>(size, kSegmentHeaderSize), data_) || !check_header(path, problems))
    return false;
  if (size > limit_)
    problems.push_back({path, limit_,
                        fmt::format("expected a segment file of at most {} bytes (header and capacity), "
                                    "found {} bytes",
                                    limit_, size)});
  if (!read(0, static_cast<std::size_t>(std::min<std::uint64_t>(size, limit_)), data_)) return false;
  return check(path, seg, problems);
}

// Compressed: the header is decompressed first; the frame is then
// decompressed up to what the header promises and one byte more, so a frame
// that inflates past it (a zstd bomb) costs no more than the promise.
bool SegmentLoader::load_compressed(const std::string& path, const std::uint8_t* in, std::size_t n,
                                    LoadedSegment& seg, std::vector<Problem>& problems) {
  const unsigned long long declared = ZSTD_getFrameContentSize(in, n);
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared != ZSTD_CONTENTSIZE_ERROR &&
      declared > kMaxSegmentBytes) {
    problems.push_back({path, 0,
                        fmt::format("expected a zstd frame of at most {} bytes decompressed, found one "
                                    "declaring {} bytes",
                                    kMaxSegmentBytes, declared)});
    return false;
  }
  std::vector<Problem> first_pass;  // the full pass below reports the same damage
  decompress(in, n, path, first_pass, kSegmentHeaderSize);
  if (data_.size() < kSegmentHeaderSize) {
    problems.insert(problems.end(), first_pass.begin(), first_pass.end());
    check_header(path, problems);
    return false;
  }
  if (!check_header(path, problems)) return false;
  if (!decompress(in, n, path, problems, limit_ + 1)) return false;
  if (data_.size() > limit_) {
    problems.push_back({path, limit_,
                        fmt::format("expected the segment to end within {} bytes (header and capacity), "
                                    "found a zstd frame decompressing to more",
                                    limit_)});
    data_.resize(limit_);
  }
  if (data_.size() < kSegmentHeaderSize) return false;
  return check(path, seg, problems);
}

bool SegmentLoader::load(const std::string& path, bool compressed, LoadedSegment& seg,
                         std::vector<Problem>& problems) {
  RegularFile f(path, "segment", problems);
  if (!f.ok()) return false;
  if (!compressed) {
    const ReadAt read = [&](std::uint64_t off, std::size_t n, std::vector<std::uint8_t>& out) {
      return f.read_at(off, n, out, problems);
    };
    return load_raw(path, read, f.size(), seg, problems);
  }
  if (f.size() > max_compressed_bytes()) {
    problems.push_back({path, max_compressed_bytes(),
                        fmt::format("expected a compressed segment of at most {} bytes, found {} bytes",
                                    max_compressed_bytes(), f.size())});
    return false;
  }
  if (!f.read_at(0, static_cast<std::size_t>(f.size()), in_, problems)) return false;
  return load_compressed(path, in_.data(), in_.size(), seg, problems);
}

bool SegmentLoader::load_bytes(const std::string& path, const std::uint8_t* bytes, std::size_t n,
                               bool compressed, LoadedSegment& seg, std::vector<Problem>& problems) {
  if (compressed) return load_compressed(path, bytes, n, seg, problems);
  const ReadAt read = [&](std::uint64_t off, std::size_t len, std::vector<std::uint8_t>& out) {
    out.assign(bytes + off, bytes + off + std::min<std::size_t>(len, n - off));
    return true;
  };
  return load_raw(path, read, n, seg, problems);
}

bool SegmentLoader::load_header(const std::string& path, bool compressed, SegmentHeader& h) {
  std::vector<Problem> ignored;
  RegularFile f(path, "segment", ignored);
  if (!f.ok()) return false;
  if (!compressed) {
    if (!f.read_at(0, kSegmentHeaderSize, data_, ignored)) return false;
  } else {
    // The header is in the first block: a prefix of the file is enough.
    if (!f.read_at(0, std::min<std::uint64_t>(f.size(), 128u << 10), in_, ignored)) return false;
    decompress(in_.data(), in_.size(), path, ignored, kSegmentHeaderSize);
  }
  if (!check_header(path, ignored)) return false;
  std::memcpy(&h, data_.data(), sizeof h);
  return true;
}

LiveContent SegmentLoader::load_live_header(const std::string& path, SegmentHeader& h,
                                            std::vector<Problem>& problems) {
  RegularFile f(path, "live segment file", problems);
  if (!f.ok() || !f.read_at(0, kSegmentHeaderSize, data_, problems)) return LiveContent::damaged;
  // Created (zero-filled) but no header written yet: nothing was recorded in it.
  if (all_zero(data_.data(), data_.size()) &&
      (data_.size() == kSegmentHeaderSize || data_.size() == f.size()))
    return LiveContent::empty;
  if (!check_header(path, problems)) return LiveContent::damaged;
  std::memcpy(&h, data_.data(), sizeof h);
  return h.state == static_cast<std::uint32_t>(SegmentState::recycled) ? LiveContent::empty
                                                                       : LiveContent::segment;
}

}  // namespace ariadne::tracefile

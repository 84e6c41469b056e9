#include "tracefile/SegmentFile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace ariadne::tracefile {

namespace {
ZSTD_DCtx* dctx_of(void*& p) {
  if (p == nullptr) p = ZSTD_createDCtx();
  return static_cast<ZSTD_DCtx*>(p);
}

struct Fd {
  int fd;
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

ssize_t read_some(int fd, void* buf, std::size_t n) {
  for (;;) {
    const ssize_t r = ::read(fd, buf, n);
    if (r < 0 && errno == EINTR) continue;
    return r;
  }
}
}  // namespace

SegmentLoader::SegmentLoader() = default;
SegmentLoader::~SegmentLoader() { ZSTD_freeDCtx(static_cast<ZSTD_DCtx*>(dctx_)); }

bool SegmentLoader::read_raw(const std::string& path, std::vector<Problem>& problems, std::size_t limit) {
  Fd f(path);
  if (f.fd < 0) {
    problems.push_back({path, 0, fmt::format("expected a readable segment, found: {}", std::strerror(errno))});
    return false;
  }
  struct stat st {};
  std::size_t size = 0;
  if (::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<std::size_t>(st.st_size);
  if (size > limit) size = limit;
  data_.resize(size);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t r = read_some(f.fd, data_.data() + got, size - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  data_.resize(got);
  return true;
}

// Streams the frame through a fixed input buffer into data_, stopping at
// `limit` output bytes.
bool SegmentLoader::decompress_fd(int fd, const std::string& path, std::vector<Problem>& problems,
                                  std::size_t limit) {
  ZSTD_DCtx* d = dctx_of(dctx_);
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  data_.clear();
  std::vector<std::uint8_t> in(ZSTD_DStreamInSize());
  std::size_t produced = 0, consumed_total = 0;
  std::size_t last = 1;
  bool eof = false;
  while (produced < limit) {
    const ssize_t r = read_some(fd, in.data(), in.size());
    if (r < 0) {
      problems.push_back({path, produced, fmt::format("expected compressed data, found a read error: {}",
                                                      std::strerror(errno))});
      return produced > 0;
    }
    if (r == 0) {
      eof = true;
      break;
    }
    ZSTD_inBuffer ib{in.data(), static_cast<std::size_t>(r), 0};
    while (ib.pos < ib.size && produced < limit) {
      const std::size_t chunk = std::min<std::size_t>(ZSTD_DStreamOutSize(), limit - produced);
      data_.resize(produced + chunk);
      ZSTD_outBuffer ob{data_.data() + produced, chunk, 0};
      last = ZSTD_decompressStream(d, &ob, &ib);
      produced += ob.pos;
      data_.resize(produced);
      if (ZSTD_isError(last)) {
        problems.push_back({path, produced, fmt::format("expected a valid zstd frame, found: {} (at compressed byte {})",
                                                        ZSTD_getErrorName(last), consumed_total + ib.pos)});
        return produced > 0;
      }
      if (last == 0) break;  // frame complete (checksum verified)
    }
    consumed_total += ib.pos;
    if (last == 0) break;
  }
  // Output may still be buffered inside the decoder after the input ran out.
  while (last != 0 && produced < limit) {
    ZSTD_inBuffer ib{nullptr, 0, 0};
    const std::size_t chunk = std::min<std::size_t>(ZSTD_DStreamOutSize(), limit - produced);
    data_.resize(produced + chunk);
    ZSTD_outBuffer ob{data_.data() + produced, chunk, 0};
    last = ZSTD_decompressStream(d, &ob, &ib);
    produced += ob.pos;
    data_.resize(produced);
    if (ZSTD_isError(last)) {
      problems.push_back({path, produced, fmt::format("expected a valid zstd frame, found: {}", ZSTD_getErrorName(last))});
      return produced > 0;
    }
    if (ob.pos == 0) break;
  }
  if (last != 0 && produced < limit && eof) {
    problems.push_back({path, produced, "expected the rest of the zstd frame, found the end of the file"});
  }
  return true;
}

bool SegmentLoader::decompress_mem(const std::uint8_t* in, std::size_t n, const std::string& path,
                                   std::vector<Problem>& problems, std::size_t limit) {
  ZSTD_DCtx* d = dctx_of(dctx_);
  ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
  data_.clear();
  std::size_t produced = 0, last = 1;
  ZSTD_inBuffer ib{in, n, 0};
  while (produced < limit) {
    const std::size_t chunk = std::min<std::size_t>(ZSTD_DStreamOutSize(), limit - produced);
    data_.resize(produced + chunk);
    ZSTD_outBuffer ob{data_.data() + produced, chunk, 0};
    last = ZSTD_decompressStream(d, &ob, &ib);
    produced += ob.pos;
    data_.resize(produced);
    if (ZSTD_isError(last)) {
      problems.push_back({path, produced, fmt::format("expected a valid zstd frame, found: {} (at compressed byte {})",
                                                      ZSTD_getErrorName(last), ib.pos)});
      return produced > 0;
    }
    if (last == 0) break;
    if (ob.pos == 0 && ib.pos == ib.size) {
      problems.push_back({path, produced, "expected the rest of the zstd frame, found the end of the file"});
      break;
    }
  }
  return true;
}

bool SegmentLoader::check(const std::string& path, LoadedSegment& seg, std::vector<Problem>& problems) {
  seg = LoadedSegment{};
  if (data_.size() < kSegmentHeaderSize) {
    problems.push_back({path, 0, fmt::format("expected a {}-byte segment header, found {} bytes",
                                             kSegmentHeaderSize, data_.size())});
    return false;
  }
  SegmentHeader& h = seg.header;
  std::memcpy(&h, data_.data(), sizeof h);
  if (std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) != 0) {
    problems.push_back({path, 0, "expected the segment magic \"ARIASEG\\0\", found other bytes"});
    return false;
  }
  const std::uint32_t crc = crc32c(&h, offsetof(SegmentHeader, header_crc));
  if (crc != h.header_crc) {
    problems.push_back({path, offsetof(SegmentHeader, header_crc),
                        fmt::format("expected segment header CRC {:#010x}, found {:#010x}", crc, h.header_crc)});
    return false;
  }
  if (h.version != kFormatVersion) {
    problems.push_back({path, offsetof(SegmentHeader, version),
                        fmt::format("expected format version {}, found {}", kFormatVersion, h.version)});
    return false;
  }
  if (h.header_size < kSegmentHeaderSize || h.header_size > data_.size()) {
    problems.push_back({path, offsetof(SegmentHeader, header_size),
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

bool SegmentLoader::load(const std::string& path, bool compressed, LoadedSegment& seg,
                         std::vector<Problem>& problems) {
  if (!compressed) {
    if (!read_raw(path, problems, kMaxSegmentBytes)) return false;
  } else {
    Fd f(path);
    if (f.fd < 0) {
      problems.push_back({path, 0, fmt::format("expected a readable segment, found: {}", std::strerror(errno))});
      return false;
    }
    if (!decompress_fd(f.fd, path, problems, kMaxSegmentBytes)) return false;
  }
  return check(path, seg, problems);
}

bool SegmentLoader::load_bytes(const std::string& path, const std::uint8_t* bytes, std::size_t n, bool compressed,
                               LoadedSegment& seg, std::vector<Problem>& problems) {
  if (compressed) {
    if (!decompress_mem(bytes, n, path, problems, 64u << 20)) return false;
  } else {
    data_.assign(bytes, bytes + n);
  }
  return check(path, seg, problems);
}

bool SegmentLoader::load_header(const std::string& path, bool compressed, SegmentHeader& h) {
  std::vector<Problem> ignored;
  if (!compressed) {
    Fd f(path);
    if (f.fd < 0) return false;
    if (read_some(f.fd, &h, sizeof h) != static_cast<ssize_t>(sizeof h)) return false;
  } else {
    Fd f(path);
    if (f.fd < 0 || !decompress_fd(f.fd, path, ignored, sizeof h) || data_.size() < sizeof h) return false;
    std::memcpy(&h, data_.data(), sizeof h);
  }
  return std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) == 0 &&
         crc32c(&h, offsetof(SegmentHeader, header_crc)) == h.header_crc;
}

}  // namespace ariadne::tracefile

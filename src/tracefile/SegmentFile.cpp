#include "tracefile/SegmentFile.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

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

bool SegmentLoader::read_into(const std::string& path, std::vector<std::uint8_t>& out,
                              std::vector<Problem>& problems, std::size_t limit) {
  Fd f(path);
  if (f.fd < 0) {
    problems.push_back(
        {path, 0, fmt::format("expected a readable segment, found: {}", std::strerror(errno))});
    return false;
  }
  struct stat st {};
  std::size_t size = 0;
  if (::fstat(f.fd, &st) == 0 && S_ISREG(st.st_mode)) size = static_cast<std::size_t>(st.st_size);
  if (size > limit) size = limit;
  out.resize(size);
  std::size_t got = 0;
  while (got < size) {
    const ssize_t r = read_some(f.fd, out.data() + got, size - got);
    if (r <= 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return true;
}

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

bool SegmentLoader::check(const std::string& path, LoadedSegment& seg, std::vector<Problem>& problems) {
  seg = LoadedSegment{};
  if (data_.size() < kSegmentHeaderSize) {
    problems.push_back(
        {path, 0,
         fmt::format("expected a {}-byte segment header, found {} bytes", kSegmentHeaderSize, data_.size())});
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
    problems.push_back(
        {path, offsetof(SegmentHeader, header_crc),
         fmt::format("expected segment header CRC {:#010x}, found {:#010x}", crc, h.header_crc)});
    return false;
  }
  if (!readable_version(h.version)) {
    problems.push_back({path, offsetof(SegmentHeader, version),
                        fmt::format("expected format version {} to {}, found {}", kOldestFormatVersion,
                                    kFormatVersion, h.version)});
    return false;
  }
  if (h.header_size < kSegmentHeaderSize || h.header_size > data_.size()) {
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

bool SegmentLoader::load(const std::string& path, bool compressed, LoadedSegment& seg,
                         std::vector<Problem>& problems) {
  if (!compressed) {
    if (!read_into(path, data_, problems, kMaxSegmentBytes)) return false;
  } else {
    // The compressed file is read whole (it is small next to its output).
    if (!read_into(path, in_, problems, kMaxSegmentBytes) ||
        !decompress(in_.data(), in_.size(), path, problems, kMaxSegmentBytes))
      return false;
  }
  return check(path, seg, problems);
}

bool SegmentLoader::load_bytes(const std::string& path, const std::uint8_t* bytes, std::size_t n,
                               bool compressed, LoadedSegment& seg, std::vector<Problem>& problems) {
  if (compressed) {
    if (!decompress(bytes, n, path, problems, 64u << 20)) return false;
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
    // The header is in the first block: a prefix of the file is enough.
    if (!read_into(path, in_, ignored, 128u << 10) ||
        !decompress(in_.data(), in_.size(), path, ignored, sizeof h) || data_.size() < sizeof h)
      return false;
    std::memcpy(&h, data_.data(), sizeof h);
  }
  return std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) == 0 &&
         crc32c(&h, offsetof(SegmentHeader, header_crc)) == h.header_crc;
}

}  // namespace ariadne::tracefile

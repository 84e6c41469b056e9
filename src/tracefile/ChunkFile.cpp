#include "tracefile/ChunkFile.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ariadne::tracefile {

bool read_file(const std::string& path, std::vector<std::uint8_t>& out, std::vector<Problem>& problems) {
  out.clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    problems.push_back({path, 0, fmt::format("expected a readable file, found: {}", std::strerror(errno))});
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) out.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      problems.push_back({path, out.size(),
                          fmt::format("expected more bytes, found a read error: {}", std::strerror(errno))});
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return true;
}

bool parse_chunk_file(const std::string& path, const std::vector<std::uint8_t>& bytes, FileKind kind,
                      const std::function<void(const Chunk&)>& fn, std::vector<Problem>& problems) {
  const char* kind_name = kind == FileKind::session ? "session" : "process";
  if (bytes.size() < sizeof(FileHeader)) {
    problems.push_back(
        {path, 0,
         fmt::format("expected a {}-byte file header, found {} bytes", sizeof(FileHeader), bytes.size())});
    return false;
  }
  FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (std::memcmp(h.magic, kFileMagic, sizeof h.magic) != 0) {
    problems.push_back({path, 0, "expected the magic \"ARIADNE\\0\", found other bytes"});
    return false;
  }
  const std::uint32_t crc = crc32c(&h, offsetof(FileHeader, crc));
  if (crc != h.crc) {
    problems.push_back({path, offsetof(FileHeader, crc),
                        fmt::format("expected file header CRC {:#010x}, found {:#010x}", crc, h.crc)});
    return false;
  }
  if (!readable_version(h.version)) {
    problems.push_back({path, offsetof(FileHeader, version),
                        fmt::format("expected format version {} to {}, found {}", kOldestFormatVersion,
                                    kFormatVersion, h.version)});
    return false;
  }
  if (h.kind != static_cast<std::uint16_t>(kind)) {
    problems.push_back({path, offsetof(FileHeader, kind),
                        fmt::format("expected file kind {} ({}), found {}", static_cast<unsigned>(kind),
                                    kind_name, h.kind)});
    return false;
  }
  std::size_t off = sizeof(FileHeader);
  while (off < bytes.size()) {
    if (bytes.size() - off < sizeof(ChunkHeader)) {
      problems.push_back({path, off,
                          fmt::format("expected a {}-byte chunk header, found {} bytes (file cut short)",
                                      sizeof(ChunkHeader), bytes.size() - off)});
      return true;
    }
    ChunkHeader c;
    std::memcpy(&c, bytes.data() + off, sizeof c);
    const std::uint32_t hcrc = crc32c(&c, offsetof(ChunkHeader, header_crc));
    if (hcrc != c.header_crc) {
      // A zero-filled tail (a preallocated or partly written file) is not worth
      // a second complaint, but it is still a damaged chunk.
      problems.push_back(
          {path, off + offsetof(ChunkHeader, header_crc),
           fmt::format("expected chunk header CRC {:#010x}, found {:#010x}", hcrc, c.header_crc)});
      return true;
    }
    if (c.length > kMaxChunkLength) {
      problems.push_back(
          {path, off + offsetof(ChunkHeader, length),
           fmt::format("expected a chunk length of at most {}, found {}", kMaxChunkLength, c.length)});
      return true;
    }
    const std::size_t payload = off + sizeof(ChunkHeader);
    if (bytes.size() - payload < c.length) {
      problems.push_back({path, payload,
                          fmt::format("expected {} payload bytes, found {} (file cut short)", c.length,
                                      bytes.size() - payload)});
      return true;
    }
    const std::uint32_t pcrc = crc32c(bytes.data() + payload, c.length);
    if (pcrc != c.crc) {
      problems.push_back(
          {path, payload, fmt::format("expected chunk payload CRC {:#010x}, found {:#010x}", c.crc, pcrc)});
    } else {
      fn(Chunk{c.type, payload, bytes.data() + payload, c.length});
    }
    off = payload + ((static_cast<std::size_t>(c.length) + 7) & ~std::size_t{7});
  }
  return true;
}

}  // namespace ariadne::tracefile

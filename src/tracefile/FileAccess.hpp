// Opening the files of a recording as a reader must: only regular files
// (a FIFO would block every reader, /dev/zero or /dev/urandom would feed it
// without end), never through a symbolic link (the recorder makes none),
// and never more bytes than a limit fixed before the first read. Each
// refusal is one Problem naming the file and what was found instead.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

// An open regular file; closed on destruction.
class RegularFile {
 public:
  // Opens `path` (O_NONBLOCK, O_NOFOLLOW) and checks it is a regular file;
  // otherwise ok() is false and a Problem says what `path` is. `what` names
  // the file's role in the Problem ("session file", "segment"...).
  RegularFile(const std::string& path, const char* what, std::vector<Problem>& problems);
  ~RegularFile();
  RegularFile(const RegularFile&) = delete;
  RegularFile& operator=(const RegularFile&) = delete;

  bool ok() const { return fd_ >= 0; }
  std::uint64_t size() const { return size_; }
  // Reads up to `n` bytes at `offset` into `out` (resized to what was read).
  // False and a Problem on a read error.
  bool read_at(std::uint64_t offset, std::size_t n, std::vector<std::uint8_t>& out,
               std::vector<Problem>& problems);
  // The same into a caller's buffer; returns the bytes read (-1: error, no Problem).
  long read_at(std::uint64_t offset, void* buf, std::size_t n);

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

// The whole of a regular file of at most `limit` bytes. A larger file is a
// Problem ("expected a WHAT of at most LIMIT bytes, found SIZE") and nothing
// is read: its size alone says it is not what the recorder wrote.
bool read_regular_file(const std::string& path, const char* what, std::uint64_t limit,
                       std::vector<std::uint8_t>& out, std::vector<Problem>& problems);

// Session and process files are read whole; this bounds their size (their
// chunks are at most kMaxChunkLength each; a process file's site names for
// a very large program are a few MiB).
inline constexpr std::uint64_t kMaxChunkFileBytes = 128u << 20;

}  // namespace ariadne::tracefile

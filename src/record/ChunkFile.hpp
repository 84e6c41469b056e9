// Writing chunk files (Format.hpp: the session file, process files): a
// FileHeader, then chunks appended with one write(2) each, so a file cut
// short keeps every complete chunk. Shared by the runtime (process files)
// and `ariadne record` (the session file). No exceptions; Payload allocates
// only past its inline buffer (never in signal handlers: they build small
// payloads).
#pragma once

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>

#include "tracefile/Format.hpp"

namespace ariadne::record {

class Payload {
 public:
  Payload() = default;
  ~Payload();
  Payload(const Payload&) = delete;
  Payload& operator=(const Payload&) = delete;

  void varint(std::uint64_t v) noexcept;
  void bytes(const void* p, std::size_t n) noexcept;
  void string(const char* s) noexcept;  // V length + bytes; nullptr as ""
  void string(const char* s, std::size_t n) noexcept;

  const std::uint8_t* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool ok() const noexcept { return ok_; }

 private:
  bool reserve(std::size_t more) noexcept;
  std::uint8_t inline_[512];
  std::uint8_t* data_ = inline_;
  std::size_t size_ = 0;
  std::size_t capacity_ = sizeof inline_;
  bool ok_ = true;
};

// Writes v in decimal at out, NUL-terminated; returns the digits written.
std::size_t append_decimal(char* out, std::uint64_t v) noexcept;

// Writes all of `iov` (retrying short writes and EINTR); false on an error,
// whose number goes to *error if given. errno is left alone (raw syscalls:
// the runtime writes from inside the program's calls). `iov` is used up.
bool write_all(int fd, iovec* iov, int count, int* error = nullptr) noexcept;

// Creates the file's header at offset 0 of `fd` (opened O_APPEND).
bool write_file_header(int fd, tracefile::FileKind kind, int* error = nullptr) noexcept;
// Appends one chunk: header, payload, zero padding to 8 bytes, one write.
bool write_chunk(int fd, tracefile::ChunkType type, const void* payload, std::size_t length,
                 int* error = nullptr) noexcept;
inline bool write_chunk(int fd, tracefile::ChunkType type, const Payload& p, int* error = nullptr) noexcept {
  return p.ok() && write_chunk(fd, type, p.data(), p.size(), error);
}

}  // namespace ariadne::record

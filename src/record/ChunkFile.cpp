#include "record/ChunkFile.hpp"

#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

Payload::~Payload() {
  if (data_ != inline_) std::free(data_);
}

bool Payload::reserve(std::size_t more) noexcept {
  if (!ok_) return false;
  if (size_ + more <= capacity_) return true;
  std::size_t cap = capacity_ * 2;
  while (cap < size_ + more) cap *= 2;
  auto* p = static_cast<std::uint8_t*>(data_ == inline_ ? std::malloc(cap) : std::realloc(data_, cap));
  if (p == nullptr) {
    ok_ = false;
    return false;
  }
  if (data_ == inline_) std::memcpy(p, inline_, size_);
  data_ = p;
  capacity_ = cap;
  return true;
}

void Payload::varint(std::uint64_t v) noexcept {
  if (reserve(kMaxVarint)) size_ += put_varint(data_ + size_, v);
}

void Payload::bytes(const void* p, std::size_t n) noexcept {
  if (n == 0 || !reserve(n)) return;
  std::memcpy(data_ + size_, p, n);
  size_ += n;
}

void Payload::string(const char* s) noexcept { string(s, s ? std::strlen(s) : 0); }

void Payload::string(const char* s, std::size_t n) noexcept {
  varint(n);
  bytes(s, n);
}

std::size_t append_decimal(char* out, std::uint64_t v) noexcept {
  char tmp[24];
  std::size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  for (std::size_t i = 0; i < n; ++i) out[i] = tmp[n - 1 - i];
  out[n] = '\0';
  return n;
}

bool write_all(int fd, iovec* iov, int count, int* error) noexcept {
  while (count > 0) {
    const long w = sys_writev(fd, iov, count);
    if (w < 0) {
      if (w == -EINTR) continue;
      if (error != nullptr) *error = -static_cast<int>(w);
      return false;
    }
    auto left = static_cast<std::size_t>(w);
    while (count > 0 && left >= iov->iov_len) {
      left -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + left;
      iov->iov_len -= left;
    }
  }
  return true;
}

bool write_file_header(int fd, FileKind kind, int* error) noexcept {
  FileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.version = kFormatVersion;
  h.kind = static_cast<std::uint16_t>(kind);
  h.crc = crc32c(&h, 12);
  iovec iov{&h, sizeof h};
  return write_all(fd, &iov, 1, error);
}

bool write_chunk(int fd, ChunkType type, const void* payload, std::size_t length, int* error) noexcept {
  if (length > kMaxChunkLength) {
    if (error != nullptr) *error = EFBIG;
    return false;
  }
  ChunkHeader h{};
  h.type = static_cast<std::uint32_t>(type);
  h.length = static_cast<std::uint32_t>(length);
  h.crc = crc32c(payload, length);
  h.header_crc = crc32c(&h, 12);
  static const std::uint8_t kZeros[8] = {};
  iovec iov[3] = {{&h, sizeof h},
                  {const_cast<void*>(payload), length},
                  {const_cast<std::uint8_t*>(kZeros), (8 - length % 8) % 8}};
  return write_all(fd, iov, 3, error);
}

}  // namespace ariadne::record

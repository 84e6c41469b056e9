// A bounds-checked cursor over a chunk payload or a segment: every read says
// whether the bytes were there, so a damaged file cannot make a reader run
// past its end.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "tracefile/Format.hpp"

namespace ariadne::tracefile {

class ByteReader {
 public:
  ByteReader(const std::uint8_t* begin, const std::uint8_t* end) : begin_(begin), p_(begin), end_(end) {}

  bool varint(std::uint64_t& v) {
    if (p_ < end_ && *p_ < 0x80) {  // most deltas and site ids fit in one byte
      v = *p_++;
      return true;
    }
    const std::size_t n = get_varint(p_, end_, v);
    if (n == 0) return false;
    p_ += n;
    return true;
  }
  template <typename T>
  bool varint_as(T& out) {
    std::uint64_t v;
    if (!varint(v)) return false;
    out = static_cast<T>(v);
    return true;
  }
  // A string of at most `limit` bytes (a larger length means the field is corrupt).
  bool string(std::string& s, std::uint64_t limit = 1u << 20) {
    std::uint64_t n;
    const std::uint8_t* start = p_;
    if (!varint(n) || n > limit || n > static_cast<std::uint64_t>(end_ - p_)) {
      p_ = start;
      return false;
    }
    s.assign(reinterpret_cast<const char*>(p_), static_cast<std::size_t>(n));
    p_ += n;
    return true;
  }
  bool bytes(void* out, std::size_t n) {
    if (n > static_cast<std::size_t>(end_ - p_)) return false;
    std::memcpy(out, p_, n);
    p_ += n;
    return true;
  }
  bool u8(std::uint8_t& b) {
    if (p_ >= end_) return false;
    b = *p_++;
    return true;
  }
  std::size_t offset() const { return static_cast<std::size_t>(p_ - begin_); }
  std::size_t left() const { return static_cast<std::size_t>(end_ - p_); }
  bool at_end() const { return p_ >= end_; }
  const std::uint8_t* pos() const { return p_; }
  void seek(const std::uint8_t* p) { p_ = p; }

 private:
  const std::uint8_t* begin_;
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

}  // namespace ariadne::tracefile

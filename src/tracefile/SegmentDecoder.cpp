#include "tracefile/SegmentDecoder.hpp"

#include <fmt/format.h>

#include <cstring>

#include "tracefile/ByteReader.hpp"

namespace ariadne::tracefile {

namespace {
const char* event_name(std::uint8_t tag) {
  static const char* const names[] = {"end",        "entry",       "exit",         "exit_unwound",
                                      "entry_args", "exit_retval", "thread_start", "thread_exit",
                                      "fork",       "fork_child",  "exec",         "exec_failed",
                                      "signal",     "lost",        "clock",        "stack_switch"};
  return tag < sizeof names / sizeof names[0] ? names[tag] : "?";
}

}  // namespace

bool SegmentDecoder::decode_value(ByteReader& r, Value& v) {
  std::uint8_t kind;
  if (!r.u8(kind)) return false;
  v.kind = static_cast<ValueKind>(kind);
  v.bits = 0;
  switch (v.kind) {
    case ValueKind::int_:
    case ValueKind::uint_:
    case ValueKind::hex:
    case ValueKind::char_:
    case ValueKind::pointer:
      return r.varint(v.bits);
    case ValueKind::string:
      return r.string(v.text, kMaxStringCapture + 3);
    case ValueKind::float_: {
      std::uint8_t b[8];
      if (!r.bytes(b, 8)) return false;
      for (int i = 7; i >= 0; --i) v.bits = (v.bits << 8) | b[i];
      return true;
    }
    case ValueKind::bad_string:
      return true;
  }
  return false;
}

namespace {

// A string to name what could not be read: the end of the data or a bad byte.
std::string found_at(const ByteReader& r) {
  if (r.at_end()) return "the end of the data";
  return fmt::format("byte {:#04x}", *r.pos());
}
}  // namespace

SegmentDecoder::SegmentDecoder(const ProcessInfo& p)
    : counter0_(p.counter0), mono0_(p.mono0_ns), ns_per_tick_(p.counter_hz > 0 ? 1e9 / p.counter_hz : 1.0) {}

void SegmentDecoder::resync(const std::string& path, std::uint32_t depth, bool quiet,
                            std::vector<Problem>& problems) {
  if (!quiet)
    problems.push_back(
        {path, offsetof(SegmentHeader, depth),
         fmt::format("expected {} open calls at the segment start (from the previous segment), "
                     "found {} in the header",
                     open_.size(), depth)});
  if (depth <= (1u << 16)) open_.resize(depth, kUnknownSite);
}

void SegmentDecoder::bad_tag(const std::string& path, std::uint64_t off, std::uint8_t tag,
                             std::vector<Problem>& problems) {
  problems.push_back({path, off, fmt::format("expected an event tag (1-15), found {:#04x}", tag)});
}

void SegmentDecoder::truncated_event(const std::string& path, std::uint64_t base_off, const ByteReader& r,
                                     std::uint8_t tag, std::uint64_t off, std::vector<Problem>& problems) {
  problems.push_back({path, base_off + r.offset(),
                      fmt::format("expected the rest of the {} event (tag at offset {}), found {}",
                                  event_name(tag), off, found_at(r))});
}

void SegmentDecoder::unmatched_exit(const std::string& path, std::uint64_t off, std::uint8_t tag,
                                    std::vector<Problem>& problems) {
  problems.push_back({path, off,
                      fmt::format("expected an exit to close an open call, found an event {} "
                                  "with no call open",
                                  event_name(tag))});
}

void segment_mismatch(const SegmentFile& f, std::uint32_t tid, const SegmentHeader& h,
                      std::vector<Problem>& problems) {
  problems.push_back({f.path, offsetof(SegmentHeader, tid),
                      fmt::format("expected thread {} segment {} (from the file name), found thread {} "
                                  "segment {} in the header",
                                  tid, f.seq, h.tid, h.seq)});
}

}  // namespace ariadne::tracefile

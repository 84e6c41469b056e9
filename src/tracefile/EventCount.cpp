#include "tracefile/EventCount.hpp"

#include <vector>

#include "tracefile/ByteReader.hpp"
#include "tracefile/Format.hpp"
#include "tracefile/SegmentDecoder.hpp"

namespace ariadne::tracefile {

std::optional<EventCounts> scan_counts(const std::uint8_t* data, const LoadedSegment& seg) {
  const SegmentHeader& h = seg.header;
  // As SegmentDecoder::decode with first = true: a segment after the
  // thread's first starts with the header's open calls (when within the
  // readers' limit), the first with none.
  std::uint64_t depth = h.seq != 0 && h.depth <= kMaxOpenCalls ? h.depth : 0;
  // The decoder's own reader: a varint is cut short or overlong exactly
  // where the decoder finds it so.
  ByteReader r(data + seg.payload_begin, data + seg.payload_end);
  EventCounts n;
  std::uint64_t v;
  while (!r.at_end()) {
    std::uint8_t tag;
    r.u8(tag);
    switch (static_cast<Event>(tag)) {
      case Event::end:
        return n;
      case Event::entry:
        if (!r.varint(v) || !r.varint(v)) return n;  // truncated
        if (depth >= kMaxOpenCalls) return n;        // too deep
        ++depth;
        ++n.calls;
        break;
      case Event::exit:
      case Event::exit_unwound:
        if (!r.varint(v)) return n;
        if (depth == 0) return n;  // an exit with no call open (no lost marker before: the scan has none)
        --depth;
        break;
      case Event::thread_exit:
      case Event::clock:
        if (!r.varint(v)) return n;
        break;
      case Event::thread_start:
        if (!r.varint(v) || !r.varint(v)) return n;
        ++n.threads;
        break;
      default:
        if (tag > static_cast<std::uint8_t>(Event::stack_switch)) return n;  // a bad tag
        return std::nullopt;                                                 // the decoder's
    }
  }
  return n;
}

EventCounts decode_counts(const std::string& path, const std::vector<std::uint8_t>& data,
                          const LoadedSegment& seg) {
  EventCounts n;
  std::vector<Problem> ignored;
  SegmentDecoder decoder(SegmentDecoder::WithoutTimes{});
  decoder.decode(
      path, data, seg, /*first=*/true,
      [&n](const TraceEvent& e) {
        if (e.kind == Event::entry || e.kind == Event::entry_args) ++n.calls;
        if (e.kind == Event::thread_start || e.kind == Event::fork_child) ++n.threads;
        return true;
      },
      ignored);
  return n;
}

EventCounts count_calls(const std::string& path, const std::vector<std::uint8_t>& data,
                        const LoadedSegment& seg) {
  if (const auto scanned = scan_counts(data.data(), seg)) return *scanned;
  return decode_counts(path, data, seg);
}

}  // namespace ariadne::tracefile

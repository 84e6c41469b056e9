#include "tracefile/EventCount.hpp"

#include <vector>

#include "tracefile/Format.hpp"
#include "tracefile/SegmentDecoder.hpp"

namespace ariadne::tracefile {

namespace {

// One varint skipped; false where the decoder's ByteReader::varint fails.
inline bool skip_varint(const std::uint8_t*& p, const std::uint8_t* end) {
  if (p < end && *p < 0x80) {  // most deltas and site ids: one byte
    ++p;
    return true;
  }
  std::uint64_t ignored;
  const std::size_t n = get_varint(p, end, ignored);
  p += n;
  return n != 0;
}

}  // namespace

std::optional<EventCounts> scan_counts(const std::uint8_t* data, const LoadedSegment& seg) {
  const SegmentHeader& h = seg.header;
  // As SegmentDecoder::decode with first = true: a segment after the
  // thread's first starts with the header's open calls (when within the
  // readers' limit), the first with none.
  std::uint64_t depth = h.seq != 0 && h.depth <= kMaxOpenCalls ? h.depth : 0;
  const std::uint8_t* p = data + seg.payload_begin;
  const std::uint8_t* const end = data + seg.payload_end;
  EventCounts n;
  while (p < end) {
    const std::uint8_t tag = *p++;
    switch (static_cast<Event>(tag)) {
      case Event::end:
        return n;
      case Event::entry:
        if (!skip_varint(p, end) || !skip_varint(p, end)) return n;  // truncated
        if (depth >= kMaxOpenCalls) return n;                        // too deep
        ++depth;
        ++n.calls;
        break;
      case Event::exit:
      case Event::exit_unwound:
        if (!skip_varint(p, end)) return n;
        if (depth == 0) return n;  // an exit with no call open (no lost marker before: the scan has none)
        --depth;
        break;
      case Event::thread_exit:
      case Event::clock:
        if (!skip_varint(p, end)) return n;
        break;
      case Event::thread_start:
        if (!skip_varint(p, end) || !skip_varint(p, end)) return n;
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

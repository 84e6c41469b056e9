// The figures of `ariadne record`'s summary line — calls (entries) and
// threads (thread_start or fork_child) in a segment — counted at the speed
// of a scan, without building each event as SegmentDecoder does: record
// counts every segment it compresses, and the full decoder cost it two and
// a half times as much as the compression (docs/performance.md, "Wall
// time"). The counts must be the decoder's, which `report` will show, so
// the scan stops where the decoder stops (a bad tag, a truncated event, an
// exit with no call open, a call deeper than the readers' limit) and hands
// anything it does not model (arguments, fork, exec, signals, lost events,
// stack switches) back to the decoder: count_calls() runs one or the other.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tracefile/SegmentFile.hpp"

namespace ariadne::tracefile {

struct EventCounts {
  std::uint64_t calls = 0, threads = 0;
  bool operator==(const EventCounts&) const = default;
};

// The scan alone: nullopt when the segment holds an event it leaves to the
// decoder. `data`/`seg` as SegmentLoader loaded them; the segment is decoded
// as the first of its thread (what `ariadne record` sees of it).
std::optional<EventCounts> scan_counts(const std::uint8_t* data, const LoadedSegment& seg);

// The decoder alone (SegmentDecoder, WithoutTimes).
EventCounts decode_counts(const std::string& path, const std::vector<std::uint8_t>& data,
                          const LoadedSegment& seg);

// The scan, or the decoder where the scan gives up: what SegmentDecoder
// would count in the segment, events up to the first it cannot decode.
EventCounts count_calls(const std::string& path, const std::vector<std::uint8_t>& data,
                        const LoadedSegment& seg);

}  // namespace ariadne::tracefile

// Decoding a thread's events (Format.hpp) segment after segment. The state
// that crosses segments lives here: the open calls (so exits get their
// entry's site and depth) and the process's clock conversion.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tracefile/SegmentFile.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

// Site of an open call whose entry was lost with a damaged segment (the next
// segment's header says how many calls were open).
inline constexpr std::uint32_t kUnknownSite = 0xffffffffu;

class SegmentDecoder {
 public:
  explicit SegmentDecoder(const ProcessInfo& p);

  // Decodes one loaded segment; `first` is true for the first segment of the
  // thread that could be loaded. Returns false if `fn` asked to stop.
  bool decode(const std::string& path, const std::vector<std::uint8_t>& data, const LoadedSegment& seg,
              bool first, const std::function<bool(const TraceEvent&)>& fn, std::vector<Problem>& problems);

  std::uint64_t events() const { return events_; }

 private:
  std::uint64_t to_ns(std::uint64_t counter) const {
    const auto d = static_cast<std::int64_t>(counter - counter0_);
    const auto ns = static_cast<std::int64_t>(mono0_) + static_cast<std::int64_t>(static_cast<double>(d) * ns_per_tick_);
    return ns < 0 ? 0 : static_cast<std::uint64_t>(ns);
  }

  std::uint64_t counter0_, mono0_;
  double ns_per_tick_;
  std::vector<std::uint32_t> open_;  // sites of the open calls, outermost first
  TraceEvent ev_;
  std::uint64_t events_ = 0;
};

}  // namespace ariadne::tracefile

// tracefile/EventCount: the scan that `ariadne record` counts calls with
// must count what the readers' decoder counts, on well-formed segments and
// on damaged ones (the scan stops, or hands over, where the decoder stops).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <vector>

#include "TraceBuilder.hpp"
#include "tracefile/EventCount.hpp"
#include "tracefile/SegmentDecoder.hpp"  // kMaxOpenCalls

namespace ariadne::tracefile {
namespace {

struct Built {
  std::vector<std::uint8_t> data;
  LoadedSegment seg;
};

Built segment(const std::vector<std::uint8_t>& payload, std::uint32_t seq, std::uint32_t depth) {
  Built b;
  b.data.assign(kSegmentHeaderSize, 0);
  b.data.insert(b.data.end(), payload.begin(), payload.end());
  b.seg.header.seq = seq;
  b.seg.header.depth = depth;
  b.seg.header_ok = true;
  b.seg.payload_begin = kSegmentHeaderSize;
  b.seg.payload_end = b.data.size();
  return b;
}

EventCounts decoded(const Built& b) { return decode_counts("seg", b.data, b.seg); }

// A plausible stream: calls nested up to a few deep, thread start and exit,
// clocks, and now and then one of the events the scan leaves to the decoder.
std::vector<std::uint8_t> stream(std::mt19937_64& rng, bool rare_events, std::uint32_t open) {
  test::Events ev(0);
  std::uint64_t t = 0;
  auto next = [&] { return t += rng() % 300; };
  if (rng() % 4 == 0) ev.thread_start(next(), static_cast<std::uint32_t>(rng() % 50));
  const int events = static_cast<int>(rng() % 400);
  for (int i = 0; i < events; ++i) {
    const auto r = rng() % 100;
    if (r < 45) {
      ev.entry(static_cast<std::uint32_t>(rng() % 3000), next());
      ++open;
    } else if (r < 88) {
      if (open > 0 || rng() % 40 == 0) {  // now and then an exit with nothing open
        if (rng() % 10 == 0) {
          ev.exit_unwound(next());
        } else {
          ev.exit(next());
        }
        open = open > 0 ? open - 1 : 0;
      }
    } else if (r < 92) {
      ev.clock(t += rng() % (1ull << 40));
    } else if (r < 94) {
      ev.thread_exit(next());
    } else if (rare_events) {
      switch (rng() % 6) {
        case 0:
          ev.signal(next(), 10);
          break;
        case 1:
          ev.lost(next(), rng() % 9);
          break;
        case 2:
          ev.entry_args(1, next(), {test::int_value(-3)});
          ++open;
          break;
        case 3:
          ev.stack_switch(next(), rng() % 3, 1, 0);
          break;
        case 4:
          ev.fork(next(), 77);
          break;
        default:
          ev.fork_child(next(), 1, {4, 5});
          break;
      }
    }
  }
  return ev.bytes();
}

TEST(EventCount, ScanCountsWhatTheDecoderCountsOnWellFormedSegments) {
  std::mt19937_64 rng(20261207);
  int scanned = 0;
  for (int i = 0; i < 2000; ++i) {
    const std::uint32_t depth = static_cast<std::uint32_t>(rng() % 4);
    const std::uint32_t seq = static_cast<std::uint32_t>(rng() % 3);
    const Built b = segment(stream(rng, i % 2 == 1, seq != 0 ? depth : 0), seq, depth);
    const auto scan = scan_counts(b.data.data(), b.seg);
    if (scan) {
      ++scanned;
      EXPECT_EQ(*scan, decoded(b)) << "segment " << i;
    }
    EXPECT_EQ(count_calls("seg", b.data, b.seg), decoded(b)) << "segment " << i;
  }
  EXPECT_GT(scanned, 1000);  // the even ones have only the events the scan models
}

TEST(EventCount, ScanStopsWhereTheDecoderStopsOnDamagedSegments) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> p = stream(rng, i % 3 == 0, 0);
    if (p.empty()) continue;
    switch (i % 4) {
      case 0:
        p[rng() % p.size()] = static_cast<std::uint8_t>(rng());
        break;  // a byte changed
      case 1:
        p.resize(rng() % p.size());
        break;  // cut short
      case 2:
        p.insert(p.begin() + static_cast<long>(rng() % p.size()), 0xff);
        break;
      default:
        std::memset(p.data() + rng() % p.size(), 0x80, 1);
        break;  // a varint run on
    }
    const Built b = segment(p, static_cast<std::uint32_t>(i % 2), static_cast<std::uint32_t>(rng() % 3));
    EXPECT_EQ(count_calls("seg", b.data, b.seg), decoded(b)) << "segment " << i;
  }
}

TEST(EventCount, DepthAtTheReadersLimitStopsTheCount) {
  // A continuation segment whose header says the readers' limit is open:
  // its next entry is one too deep, for both.
  test::Events ev(0);
  ev.exit(1).entry(1, 2).entry(1, 3);
  const Built b = segment(ev.bytes(), 1, kMaxOpenCalls);
  EXPECT_EQ(scan_counts(b.data.data(), b.seg)->calls, 1u);
  EXPECT_EQ(decoded(b).calls, 1u);
}

}  // namespace
}  // namespace ariadne::tracefile

// Decoding a thread's events (Format.hpp) segment after segment. The state
// that crosses segments lives here: the open calls (so exits get their
// entry's site and depth) and the process's clock conversion.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tracefile/ByteReader.hpp"
#include "tracefile/SegmentFile.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

// Site of an open call whose entry was lost with a damaged segment (the next
// segment's header says how many calls were open).
inline constexpr std::uint32_t kUnknownSite = 0xffffffffu;

// Open calls a thread may have in a reader: deeper is taken as damage (a
// stretch of junk that decodes as entries), which would otherwise make the
// readers' call stacks grow without bound. Far above what a program
// recurses to; a Problem says so if one ever does.
inline constexpr std::uint32_t kMaxOpenCalls = 1u << 18;

// ns = mono0 + (counter - counter0) * ns_per_tick, saturating at 0 and
// UINT64_MAX: a damaged timestamp must not be undefined behaviour.
inline std::uint64_t counter_to_ns(std::uint64_t counter, std::uint64_t counter0, std::uint64_t mono0,
                                   double ns_per_tick) {
  const double scaled = static_cast<double>(static_cast<std::int64_t>(counter - counter0)) * ns_per_tick;
  if (!(scaled > -9.0e18 && scaled < 9.0e18)) return scaled > 0 ? UINT64_MAX : 0;
  const auto delta = static_cast<std::int64_t>(scaled);
  if (delta < 0) {
    const auto back = static_cast<std::uint64_t>(-delta);
    return back > mono0 ? 0 : mono0 - back;
  }
  const auto ahead = static_cast<std::uint64_t>(delta);
  return UINT64_MAX - mono0 < ahead ? UINT64_MAX : mono0 + ahead;
}

void segment_mismatch(const SegmentFile& f, std::uint32_t tid, const SegmentHeader& h,
                      std::vector<Problem>& problems);

inline bool is_call_event(Event k) {
  return k == Event::entry || k == Event::entry_args || k == Event::exit || k == Event::exit_unwound ||
         k == Event::exit_retval;
}

class SegmentDecoder {
 public:
  explicit SegmentDecoder(const ProcessInfo& p);
  // For a reader that needs no times (counting events): each event's `ns` is
  // its raw counter value, which saves the conversion (a third of the
  // decoding; `ariadne record` counts every segment it compresses).
  struct WithoutTimes {};
  explicit SegmentDecoder(WithoutTimes) : SegmentDecoder(ProcessInfo{}) { times_ = false; }

  // Decodes one loaded segment; `first` is true for the first segment of the
  // thread that could be loaded. Returns false if `fn` asked to stop.
  // `fn(const TraceEvent&) -> bool` is a template parameter: called once per
  // event, it must not cost an indirect call.
  template <typename Fn>
  bool decode(const std::string& path, const std::vector<std::uint8_t>& data, const LoadedSegment& seg,
              bool first, Fn&& fn, std::vector<Problem>& problems);

  std::uint64_t events() const { return events_; }

 private:
  std::uint64_t to_ns(std::uint64_t counter) const {
    return counter_to_ns(counter, counter0_, mono0_, ns_per_tick_);
  }

  // The rare paths, out of line.
  // `quiet`: the mismatch is expected (first segment, or events were lost).
  void resync(const std::string& path, std::uint32_t depth, bool quiet, std::vector<Problem>& problems);
  static void bad_tag(const std::string& path, std::uint64_t off, std::uint8_t tag,
                      std::vector<Problem>& problems);
  static void truncated_event(const std::string& path, std::uint64_t base_off, const ByteReader& r,
                              std::uint8_t tag, std::uint64_t off, std::vector<Problem>& problems);
  static void unmatched_exit(const std::string& path, std::uint64_t off, std::uint8_t tag,
                             std::vector<Problem>& problems);
  static void too_deep(const std::string& path, std::uint64_t off, std::vector<Problem>& problems);
  static bool decode_value(ByteReader& r, Value& v);

  std::uint64_t counter0_, mono0_;
  double ns_per_tick_;
  std::vector<std::uint32_t> open_;  // sites of the thread's own stack's open calls, outermost first
  std::uint64_t stack_ = 0;          // the stack running (stack_switch); 0: the thread's own
  bool after_lost_ = false;          // a lost marker was seen: the stack may be incomplete
  bool times_ = true;                // `ns` converted (not WithoutTimes)
  TraceEvent ev_;
  std::uint64_t events_ = 0;
};

template <typename Fn>
bool SegmentDecoder::decode(const std::string& path, const std::vector<std::uint8_t>& data,
                            const LoadedSegment& seg, bool first, Fn&& fn, std::vector<Problem>& problems) {
  const SegmentHeader& h = seg.header;
  // Re-synchronise on the header's count of open calls: after a damaged
  // segment the stack we carry may be wrong; the first segment of a thread
  // starts empty unless earlier segments are missing.
  if (!first || h.seq != 0) {
    if (open_.size() != h.depth) resync(path, h.depth, first || after_lost_, problems);
  }
  ByteReader r(data.data() + seg.payload_begin, data.data() + seg.payload_end);
  const std::uint64_t base_off = seg.payload_begin;
  std::uint64_t ts = h.base_timestamp;
  TraceEvent& e = ev_;
  e.file = &path;
  stack_ = 0;  // a segment starts on the thread's own stack (others are restated)
  while (!r.at_end()) {
    const std::uint64_t off = base_off + r.offset();
    std::uint8_t tag;
    r.u8(tag);
    if (tag == 0) break;
    if (tag > static_cast<std::uint8_t>(Event::stack_switch)) {
      bad_tag(path, off, tag, problems);
      return true;
    }
    e.kind = static_cast<Event>(tag);
    e.site = 0;
    e.depth = 0;
    e.number = 0;
    e.stack_id = stack_;
    e.offset = off;
    if (!e.values.empty()) e.values.clear();
    if (!e.stack.empty()) e.stack.clear();
    if (!e.text.empty()) e.text.clear();
    bool ok = true;
    std::uint64_t v = 0, dt = 0;
    switch (e.kind) {
      case Event::entry:
      case Event::entry_args:
        ok = r.varint(v) && r.varint(dt);
        e.site = static_cast<std::uint32_t>(v);
        if (ok && e.kind == Event::entry_args) {
          std::uint64_t n;
          ok = r.varint(n) && n <= 64;
          if (ok) e.values.resize(n);
          for (std::uint64_t i = 0; ok && i < n; ++i) ok = decode_value(r, e.values[i]);
        }
        break;
      case Event::exit:
      case Event::exit_unwound:
      case Event::thread_exit:
        ok = r.varint(dt);
        break;
      case Event::exit_retval:
        ok = r.varint(dt);
        if (ok) {
          e.values.resize(1);
          ok = decode_value(r, e.values[0]);
        }
        break;
      case Event::thread_start:
      case Event::fork:
      case Event::exec_failed:
      case Event::signal:
      case Event::lost:
        ok = r.varint(dt) && r.varint(e.number);
        break;
      case Event::fork_child: {
        std::uint64_t n;
        ok = r.varint(dt) && r.varint(e.number) && r.varint(n) && n <= kMaxOpenCalls && n <= r.left();
        for (std::uint64_t i = 0; ok && i < n; ++i) {
          ok = r.varint(v);
          e.stack.push_back(static_cast<std::uint32_t>(v));
        }
        break;
      }
      case Event::exec:
        ok = r.varint(dt) && r.string(e.text, 1u << 16);
        break;
      case Event::clock:
        ok = r.varint(v);
        break;
      case Event::stack_switch:
        ok = r.varint(dt) && r.varint(e.stack_id) && r.varint(e.number) && r.varint(v) && v <= (1u << 24);
        e.depth = static_cast<std::uint32_t>(v);
        break;
      case Event::end:
        break;
    }
    if (!ok) {
      truncated_event(path, base_off, r, tag, off, problems);
      return true;
    }
    if (e.kind == Event::clock) {
      ts = v;
    } else {
      ts += dt;
    }
    e.ns = times_ ? to_ns(ts) : ts;
    if (stack_ != 0 && is_call_event(e.kind)) {
      // Another stack's call: paired across threads by walk_fibers.
      if (e.kind != Event::entry && e.kind != Event::entry_args) e.site = kUnknownSite;
      ++events_;
      if (!fn(e)) return false;
      continue;
    }
    switch (e.kind) {
      case Event::entry:
      case Event::entry_args:
        if (open_.size() >= kMaxOpenCalls) {
          too_deep(path, off, problems);
          return true;
        }
        e.depth = static_cast<std::uint32_t>(open_.size());
        open_.push_back(e.site);
        break;
      case Event::exit:
      case Event::exit_unwound:
      case Event::exit_retval:
        if (open_.empty()) {
          // After a lost marker the entry may have gone with the lost
          // events: that gap is already said, the exit closes nothing known.
          if (!after_lost_) {
            unmatched_exit(path, off, tag, problems);
            return true;
          }
          e.site = kUnknownSite;
          e.depth = 0;
          break;
        }
        e.site = open_.back();
        open_.pop_back();
        e.depth = static_cast<std::uint32_t>(open_.size());
        break;
      case Event::fork_child:
        open_.assign(e.stack.begin(), e.stack.end());
        break;
      case Event::lost:
        after_lost_ = true;
        break;
      case Event::stack_switch:
        stack_ = e.stack_id;
        break;
      default:
        break;
    }
    ++events_;
    if (!fn(e)) return false;
  }
  return true;
}

// A thread's segments one after the other through one decoder: the loop
// behind TraceDir::for_each_event and walk_calls.
template <typename Fn>
bool stream_thread(const ProcessInfo& p, const ThreadInfo& t, Fn&& fn, std::vector<Problem>& problems,
                   const std::function<void(std::uint64_t)>& progress) {
  SegmentLoader loader;
  SegmentDecoder decoder(p);
  LoadedSegment seg;
  bool first = true;
  for (const auto& f : t.segments) {
    if (loader.load(f.path, f.compressed, seg, problems)) {
      const SegmentHeader& h = seg.header;
      if (h.tid != t.tid || h.seq != f.seq) segment_mismatch(f, t.tid, h, problems);
      const bool go = decoder.decode(f.path, loader.data(), seg, first, fn, problems);
      first = false;
      if (!go) return false;
    }
    if (progress) progress(f.bytes);
  }
  return true;
}

}  // namespace ariadne::tracefile

#include "tracefile/SegmentDecoder.hpp"

#include <cstring>

#include <fmt/format.h>

#include "tracefile/ByteReader.hpp"

namespace ariadne::tracefile {

namespace {
const char* event_name(std::uint8_t tag) {
  static const char* const names[] = {"end",  "entry", "exit", "exit_unwound", "entry_args",
                                      "exit_retval", "thread_start", "thread_exit", "fork", "fork_child",
                                      "exec", "exec_failed", "signal", "lost", "clock"};
  return tag < sizeof names / sizeof names[0] ? names[tag] : "?";
}

bool read_value(ByteReader& r, Value& v) {
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

// A string to name what could not be read: the end of the data or a bad byte.
std::string found_at(const ByteReader& r) {
  if (r.at_end()) return "the end of the data";
  return fmt::format("byte {:#04x}", *r.pos());
}
}  // namespace

SegmentDecoder::SegmentDecoder(const ProcessInfo& p)
    : counter0_(p.counter0), mono0_(p.mono0_ns), ns_per_tick_(p.counter_hz > 0 ? 1e9 / p.counter_hz : 1.0) {}

bool SegmentDecoder::decode(const std::string& path, const std::vector<std::uint8_t>& data,
                            const LoadedSegment& seg, bool first,
                            const std::function<bool(const TraceEvent&)>& fn, std::vector<Problem>& problems) {
  const SegmentHeader& h = seg.header;
  // Re-synchronise on the header's count of open calls: after a damaged
  // segment the stack we carry may be wrong; the first segment of a thread
  // starts empty unless earlier segments are missing.
  if (!first || h.seq != 0) {
    if (open_.size() != h.depth) {
      if (!first)
        problems.push_back({path, offsetof(SegmentHeader, depth),
                            fmt::format("expected {} open calls at the segment start (from the previous segment), "
                                        "found {} in the header",
                                        open_.size(), h.depth)});
      if (h.depth <= (1u << 16)) open_.resize(h.depth, kUnknownSite);
    }
  }
  ByteReader r(data.data() + seg.payload_begin, data.data() + seg.payload_end);
  const std::uint64_t base_off = seg.payload_begin;
  std::uint64_t ts = h.base_timestamp;
  TraceEvent& e = ev_;
  while (!r.at_end()) {
    const std::uint64_t off = base_off + r.offset();
    std::uint8_t tag;
    r.u8(tag);
    if (tag == 0) break;
    if (tag > static_cast<std::uint8_t>(Event::clock)) {
      problems.push_back({path, off, fmt::format("expected an event tag (1-14), found {:#04x}", tag)});
      return true;
    }
    e.kind = static_cast<Event>(tag);
    e.site = 0;
    e.depth = 0;
    e.number = 0;
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
          for (std::uint64_t i = 0; ok && i < n; ++i) ok = read_value(r, e.values[i]);
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
          ok = read_value(r, e.values[0]);
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
        ok = r.varint(dt) && r.varint(e.number) && r.varint(n) && n <= (1u << 16);
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
      case Event::end:
        break;
    }
    if (!ok) {
      problems.push_back({path, base_off + r.offset(),
                          fmt::format("expected the rest of the {} event (tag at offset {}), found {}",
                                      event_name(tag), off, found_at(r))});
      return true;
    }
    if (e.kind == Event::clock) {
      ts = v;
    } else {
      ts += dt;
    }
    e.ns = to_ns(ts);
    switch (e.kind) {
      case Event::entry:
      case Event::entry_args:
        e.depth = static_cast<std::uint32_t>(open_.size());
        open_.push_back(e.site);
        break;
      case Event::exit:
      case Event::exit_unwound:
      case Event::exit_retval:
        if (open_.empty()) {
          problems.push_back({path, off, fmt::format("expected an exit to close an open call, found an event {} "
                                                     "with no call open",
                                                     event_name(tag))});
          return true;
        }
        e.site = open_.back();
        open_.pop_back();
        e.depth = static_cast<std::uint32_t>(open_.size());
        break;
      case Event::fork_child:
        open_.assign(e.stack.begin(), e.stack.end());
        break;
      default:
        break;
    }
    ++events_;
    if (!fn(e)) return false;
  }
  return true;
}

}  // namespace ariadne::tracefile

#include "cli/ReplayLogSummary.hpp"

#include <cstring>
#include <vector>

#include "replay/ReplayFormat.hpp"
#include "tracefile/FileAccess.hpp"

namespace ariadne::cli {

ReplayLogSummary summarize_replay_log(const std::string& path) {
  ReplayLogSummary s;
  std::vector<std::uint8_t> bytes;
  std::vector<tracefile::Problem> problems;
  if (!tracefile::read_regular_file(path, "replay log", kMaxReplayLogBytes, bytes, problems)) {
    s.header_problem = problems.empty() ? "cannot be read" : problems.front().what;
    return s;
  }
  return summarize_replay_bytes(bytes.data(), bytes.size());
}

ReplayLogSummary summarize_replay_bytes(const std::uint8_t* bytes, std::size_t size) {
  ReplayLogSummary s;
  s.bytes = size;
  if (const char* bad = replay::check_header(bytes, size, /*any_arch=*/true); bad != nullptr) {
    s.header_problem = bad;
    return s;
  }
  s.readable = true;
  replay::FileHeader h;
  std::memcpy(&h, bytes, sizeof h);
  s.quantum = h.quantum;
  s.pid = h.pid;
  replay::Cursor c(bytes, size);
  for (;;) {
    replay::EventView ev;
    const auto st = c.peek(ev);
    if (st == replay::Cursor::Status::end) {
      s.end_offset = c.offset();
      break;
    }
    if (st != replay::Cursor::Status::event) {
      s.torn = st == replay::Cursor::Status::torn;
      s.corrupt = st == replay::Cursor::Status::corrupt;
      s.stop_offset = c.offset();
      s.stop_why = c.why();
      break;
    }
    ++s.events;
    ++s.by_kind[static_cast<unsigned>(ev.head.kind) & 7];
    switch (ev.head.kind) {
      case replay::EventKind::handoff:
        ++s.handoffs_by_reason[replay::reason_name(ev.head.reason)];
        for (const std::uint64_t w : {std::uint64_t{ev.head.thread}, ev.head.ticks, ev.head.points,
                                      std::uint64_t{static_cast<std::uint8_t>(ev.head.reason)}, ev.head.a})
          for (int i = 0; i < 8; ++i)
            s.schedule_digest = (s.schedule_digest ^ ((w >> (8 * i)) & 0xff)) * 0x100000001b3ull;
        break;
      case replay::EventKind::call:
        s.syscall_bytes += ev.head.data_len;
        break;
      case replay::EventKind::thread_create:
        ++s.threads;
        break;
      case replay::EventKind::exit:
        s.ended = true;
        break;
      default:
        break;
    }
    c.advance(ev);
  }
  return s;
}

}  // namespace ariadne::cli

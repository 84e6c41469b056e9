#include "cli/ReplayLogSummary.hpp"

#include <fmt/format.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
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

bool replay_zst_size(const std::uint8_t* in, std::size_t n, std::uint64_t limit, std::uint64_t& size,
                     ZstLogProblem& problem) {
  const unsigned long long declared = ZSTD_getFrameContentSize(in, n);
  if (declared == ZSTD_CONTENTSIZE_ERROR) {
    problem = {0, "not a zstd frame (bad magic or frame header)"};
    return false;
  }
  if (declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    problem = {0, "the zstd frame does not declare its decompressed size"};
    return false;
  }
  if (declared > limit) {
    problem = {0,
               fmt::format("the zstd frame declares {} bytes decompressed, more than a replay log may hold "
                           "({} bytes)",
                           declared, limit)};
    return false;
  }
  size = declared;
  return true;
}

bool decompress_replay_zst(const std::uint8_t* in, std::size_t n, std::uint8_t* out, std::size_t size,
                           ZstLogProblem& problem) {
  struct Free {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
  };
  const std::unique_ptr<ZSTD_DCtx, Free> d(ZSTD_createDCtx());
  if (d == nullptr) {
    problem = {0, "no memory for a zstd context"};
    return false;
  }
  // The input is given a small piece at a time too, so that damage is
  // reported near where it was found: zstd reports an error without moving
  // past the input of that call, and checks a block (up to 128 KiB) only
  // once it has all of it.
  constexpr std::size_t kInPiece = 256;
  ZSTD_inBuffer ib{in, 0, 0};
  std::size_t produced = 0;
  for (;;) {
    ib.size = std::min(n, ib.pos + kInPiece);
    // One piece at a time, never past the declared size: a frame that holds
    // more cannot write beyond it (zstd then makes no progress).
    const std::size_t piece = std::min<std::size_t>(ZSTD_DStreamOutSize(), size - produced);
    ZSTD_outBuffer ob{out + produced, piece, 0};
    const std::size_t before = ib.pos;
    const std::size_t left = ZSTD_decompressStream(d.get(), &ob, &ib);
    produced += ob.pos;
    if (ZSTD_isError(left)) {  // found within the bytes read so far
      problem = {ib.size, fmt::format("damaged zstd frame: {}", ZSTD_getErrorName(left))};
      return false;
    }
    if (left == 0) break;  // the frame is whole (and its checksum good)
    if (ob.pos == 0 && ib.pos == before) {
      problem = ib.pos == n ? ZstLogProblem{ib.pos, "the zstd frame ends early: the file was truncated"}
                            : ZstLogProblem{ib.pos, "the zstd frame holds more than the size it declares"};
      return false;
    }
  }
  ib.size = n;
  if (produced != size || ib.pos != ib.size) {
    problem = {ib.pos, fmt::format("the zstd frame holds {} bytes, declares {}{}", produced, size,
                                   ib.pos != ib.size ? " (and bytes follow it)" : "")};
    return false;
  }
  return true;
}

}  // namespace ariadne::cli

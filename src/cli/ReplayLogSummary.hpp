// Reads a replay log from start to end (the CLI's view of
// src/replay/ReplayFormat.hpp): counts for `info` and for the closing lines
// of `record --replayable` and `replay`, and the first damage, with its
// offset, for replay's check of its input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace ariadne::cli {

struct ReplayLogSummary {
  bool readable = false;       // the file could be read and its header is good
  std::string header_problem;  // else why not (offset 0)
  std::uint64_t bytes = 0;
  std::uint64_t events = 0;
  std::array<std::uint64_t, 8> by_kind{};  // index: EventKind
  std::map<std::string, std::uint64_t> handoffs_by_reason;
  // FNV-1a of every hand-off (thread, tick, point, reason, to whom): equal
  // for two runs that were scheduled alike (`ariadne chaos` prints it).
  std::uint64_t schedule_digest = 0xcbf29ce484222325ull;
  std::uint64_t syscall_bytes = 0;  // memory logged for the kernel's writes
  std::uint32_t threads = 1;
  bool ended = false;  // an exit event is there
  // Where reading stopped before the end of the file: a torn last record (a
  // killed target; replay goes up to it) or damage (replay refuses).
  bool torn = false, corrupt = false;
  std::uint64_t stop_offset = 0;
  // After the last event of a log read to its end (the writer's file grows in
  // steps and ends in zeros until `record --replayable` cuts it here).
  std::uint64_t end_offset = 0;
  std::string stop_why;
  std::uint64_t quantum = 0;
  std::uint32_t pid = 0;
};

// Read whole (replay maps it whole too); larger logs are refused for now.
inline constexpr std::uint64_t kMaxReplayLogBytes = 4ull << 30;

ReplayLogSummary summarize_replay_log(const std::string& path);
// The same walk over a log already in memory (what summarize_replay_log does
// once the file is read; the fuzzer calls it on its input).
ReplayLogSummary summarize_replay_bytes(const std::uint8_t* bytes, std::size_t size);

// A compressed log (DIR/replay.log.zst, `record --replayable` writes it once
// the program has ended): one zstd frame that declares its size. Pure, no
// file access: the CLI (ReplayLogFile.cpp) and the fuzzer call them.
// Damage is reported at an offset in the compressed bytes: for a damaged
// frame, the end of what had been read when it was found (the damage lies
// before it, within the block that ends there, up to 128 KiB).
struct ZstLogProblem {
  std::uint64_t offset = 0;
  std::string why;
};
// The size the frame declares: refused (false) when it declares none or
// more than `limit` bytes, before anything is allocated for it.
bool replay_zst_size(const std::uint8_t* in, std::size_t n, std::uint64_t limit, std::uint64_t& size,
                     ZstLogProblem& problem);
// Decompresses the frame into out[0, size) a bounded piece at a time
// (ZSTD_decompressStream): false when it is damaged, cut short, or holds
// other than `size` bytes.
bool decompress_replay_zst(const std::uint8_t* in, std::size_t n, std::uint8_t* out, std::size_t size,
                           ZstLogProblem& problem);

}  // namespace ariadne::cli

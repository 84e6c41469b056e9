// `ariadne record`'s side of the segments: compresses each finished segment
// (DIR/<proc>/t<tid>-<seq>.seg, and at the end what the threads' live files
// hold) to .seg.zst (one zstd frame with its content
// checksum) while the program runs, and every remaining one at the end, and
// keeps the figures of the summary line. Calls are counted as the readers
// count them, by a scan (src/tracefile/EventCount.hpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <utility>

namespace ariadne::cli {

struct RecordTotals {
  std::uint64_t processes = 0;
  std::uint64_t threads = 0;  // thread starts (a tid reused is another thread)
  std::uint64_t calls = 0;
  std::uint64_t bytes = 0;  // on disk, the whole directory
};

class SegmentCompressor {
 public:
  explicit SegmentCompressor(std::filesystem::path dir) : dir_(std::move(dir)) {}

  // One pass: compresses the sealed segments (all of them when `everything`:
  // the program has ended; an unsealed one is compressed whole, and the
  // segments are shared out among up to `workers` threads, as nothing else
  // needs the CPUs then). Returns the number of files compressed. Errors are
  // said on stderr once per file and leave the raw file in place. A pass
  // given `go` takes no further segment once it reads false (the program
  // has ended: the last pass takes the rest with every CPU).
  int pass(bool everything, unsigned workers = 1, const std::atomic<bool>* go = nullptr);
  // How long to wait before the next pass while the program runs: 20 ms,
  // or longer after a pass whose listing of the directories (1024 names or
  // more) took more than a twentieth of that (the finished segments of many
  // threads: a listing of 100,000 files each pass would keep a CPU busy).
  std::chrono::milliseconds pause() const;

  // Counts processes and bytes, and the threads and calls of the segments
  // compressed (after the last pass).
  RecordTotals totals() const;

 private:
  bool compress(const std::filesystem::path& seg, bool everything);
  void settle_live_files(const std::filesystem::path& proc);
  std::filesystem::path dir_;
  void say_failed(const std::string& name, const std::string& what);
  std::atomic<std::uint64_t> calls_{0}, threads_{0};
  std::chrono::steady_clock::duration listing_{};  // the last pass's
  std::mutex failed_mutex_;
  std::set<std::string> failed_;
};

}  // namespace ariadne::cli

#include "cli/SegmentCompressor.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "record/ChunkFile.hpp"
#include "tracefile/EventCount.hpp"
#include "tracefile/FileAccess.hpp"
#include "tracefile/Format.hpp"
#include "tracefile/SegmentFile.hpp"

namespace ariadne::cli {

namespace fs = std::filesystem;
using namespace ariadne::tracefile;

namespace {

// Calls (entries) and threads (thread_start, or fork_child for a fork
// child's thread) in a segment, as the readers will count them
// (tracefile/EventCount.hpp), up to anything they cannot decode (the
// readers say what is wrong; this is only the summary's figure). Threads
// are counted by their starts, not by the tids of the files: a thread that
// reuses an ended thread's tid goes on in that tid's files.
EventCounts count_events(const std::string& path, const std::vector<std::uint8_t>& raw) {
  SegmentLoader loader;
  LoadedSegment seg;
  std::vector<Problem> ignored;
  if (!loader.load_bytes(path, raw.data(), raw.size(), /*compressed=*/false, seg, ignored)) return {};
  return count_calls(path, loader.data(), seg);
}

// One compression context per compressing thread, kept from segment to
// segment: a new one per segment (the summary of many short threads is many
// small segments) cost more than compressing them.
ZSTD_CCtx* thread_context() {
  struct Free {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  thread_local const std::unique_ptr<ZSTD_CCtx, Free> cctx = [] {
    std::unique_ptr<ZSTD_CCtx, Free> c(ZSTD_createCCtx());
    if (c != nullptr) {
      ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, 3);
      ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
    }
    return c;
  }();
  return cctx.get();
}

void clear_drain_word(const fs::path& live) {
  const int fd = ::open(live.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;
  const std::uint32_t zero = 0;
  (void)::pwrite(fd, &zero, sizeof zero, offsetof(SegmentHeader, drain));
  ::close(fd);
}

}  // namespace

bool SegmentCompressor::compress(const fs::path& seg, bool everything) {
  std::vector<Problem> unreadable;  // a file gone or unreadable is left as it is
  RegularFile file(seg.string(), "segment", unreadable);
  SegmentHeader h{};
  if (!file.ok() || file.read_at(0, &h, sizeof h) != static_cast<long>(sizeof h)) return false;
  const bool sealed = std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) == 0 &&
                      h.state == static_cast<std::uint32_t>(SegmentState::sealed);
  if (!sealed && !everything) return false;
  // Sealed: header + used bytes only (a thread's last segment is its live
  // file renamed, a megabyte by default however little the thread wrote).
  // Otherwise the whole file (the reader stops at the first zero tag).
  std::uint64_t bytes = file.size();
  if (sealed && kSegmentHeaderSize + std::uint64_t{h.used} <= bytes) bytes = kSegmentHeaderSize + h.used;
  if (bytes > kMaxChunkFileBytes) return false;
  std::vector<std::uint8_t> raw;
  if (!file.read_at(0, static_cast<std::size_t>(bytes), raw, unreadable)) return false;
  const EventCounts counts = count_events(seg.string(), raw);
  calls_ += counts.calls;
  threads_ += counts.threads;
  const std::string name = seg.string();
  ZSTD_CCtx* cctx = thread_context();
  // Once the program has ended the user waits for what is left: the faster
  // level (the ratio falls by about a tenth, docs/performance.md).
  if (cctx != nullptr) ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, everything ? 1 : 3);
  if (cctx == nullptr) {
    say_failed(name, fmt::format("cannot compress {}: no memory for a zstd context", name));
    return false;
  }
  std::vector<std::uint8_t> out(ZSTD_compressBound(raw.size()));
  const std::size_t n = ZSTD_compress2(cctx, out.data(), out.size(), raw.data(), raw.size());
  if (ZSTD_isError(n)) {
    say_failed(name, fmt::format("cannot compress {}: {}", name, ZSTD_getErrorName(n)));
    return false;
  }
  const fs::path tmp = name + ".zst.tmp";
  {
    // 0600 like every file of a recording (docs/record.md), whatever the umask.
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    iovec iov{out.data(), n};
    if (fd < 0 || !record::write_all(fd, &iov, 1)) {
      say_failed(name, fmt::format("cannot write {}", tmp.string()));
      if (fd >= 0) ::close(fd);
      std::error_code ec;
      fs::remove(tmp, ec);
      return false;
    }
    ::close(fd);
  }
  std::error_code ec;
  fs::rename(tmp, name + ".zst", ec);
  if (ec) return false;
  fs::remove(seg, ec);
  return true;
}

// At the end: a thread's live file (t<tid>.<k>.live: the segment it was
// writing, or a full one not copied out) becomes the segment its header
// names, its drain word cleared, unless that one exists already (copied out
// just before the program ended) or the file holds nothing; a copy not
// finished (.seg.tmp) goes.
void SegmentCompressor::settle_live_files(const fs::path& proc) {
  std::error_code ec;
  std::vector<fs::path> live, partial;
  for (const auto& f : fs::directory_iterator(proc, ec)) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() == ".live") live.push_back(f.path());
    if (name.ends_with(".seg.tmp")) partial.push_back(f.path());
  }
  for (const auto& p : partial) fs::remove(p, ec);
  for (const auto& p : live) {
    SegmentHeader h{};
    SegmentLoader loader;
    std::vector<Problem> ignored;
    if (loader.load_live_header(p.string(), h, ignored) == LiveContent::segment) {
      const fs::path named = proc / fmt::format("t{}-{}.seg", h.tid, h.seq);
      if (!fs::exists(named, ec) && !fs::exists(named.string() + ".zst", ec)) {
        clear_drain_word(p);
        fs::rename(p, named, ec);
        if (!ec) continue;
      }
    }
    fs::remove(p, ec);
  }
}

void SegmentCompressor::say_failed(const std::string& name, const std::string& what) {
  const std::lock_guard<std::mutex> lock(failed_mutex_);
  if (failed_.insert(name).second) fmt::print(stderr, "ariadne record: {}\n", what);
}

int SegmentCompressor::pass(bool everything, unsigned workers, const std::atomic<bool>* go) {
  const auto listing_start = std::chrono::steady_clock::now();
  std::error_code ec;
  std::vector<fs::path> segments;
  std::size_t names = 0;
  for (const auto& proc : fs::directory_iterator(dir_, ec)) {
    if (!proc.is_directory(ec)) continue;
    if (everything) settle_live_files(proc.path());
    for (const auto& f : fs::directory_iterator(proc.path(), ec)) {
      ++names;
      if (f.path().extension() == ".seg") segments.push_back(f.path());
    }
  }
  // A small directory lists fast: what a listing of one takes is other
  // costs (under QEMU, the code being translated), and does not space passes.
  constexpr std::size_t kManyNames = 1024;
  listing_ = names < kManyNames ? std::chrono::steady_clock::duration{}
                                : std::chrono::steady_clock::now() - listing_start;
  std::atomic<std::size_t> next{0};
  std::atomic<int> done{0};
  auto work = [&] {
    for (std::size_t i; (go == nullptr || go->load()) && (i = next.fetch_add(1)) < segments.size();) {
      if (compress(segments[i], everything)) done.fetch_add(1);
    }
  };
  std::vector<std::thread> helpers;
  const std::size_t threads = std::max<std::size_t>(1, std::min<std::size_t>(workers, segments.size()));
  for (std::size_t i = 1; i < threads; ++i) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  return done.load();
}

std::chrono::milliseconds SegmentCompressor::pause() const {
  constexpr std::chrono::milliseconds kPause{20};
  constexpr int kListingSpacing = 20;
  return std::max(kPause, std::chrono::ceil<std::chrono::milliseconds>(kListingSpacing * listing_));
}

RecordTotals SegmentCompressor::totals() const {
  RecordTotals t;
  t.calls = calls_.load();
  t.threads = threads_.load();
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir_, ec)) {
    if (e.is_regular_file(ec)) t.bytes += e.file_size(ec);
  }
  for (const auto& proc : fs::directory_iterator(dir_, ec)) {
    if (!proc.is_directory(ec) || !fs::exists(proc.path() / "process", ec)) continue;
    ++t.processes;
  }
  return t;
}

}  // namespace ariadne::cli

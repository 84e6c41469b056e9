#include "cli/LiveFileDrainer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>

#include "record/SegmentCopy.hpp"
#include "tracefile/SegmentFile.hpp"

namespace ariadne::cli {

namespace fs = std::filesystem;
using namespace ariadne::tracefile;

namespace {

// Passes follow each other by kFastPass while segments come in, backing off
// to kSlowPass while none do (a thread that finds none of its files handed
// back copies one itself, so a late pass costs time, never events): an idle
// program, or one under QEMU, is not kept company by a busy poller.
constexpr auto kFastPass = std::chrono::microseconds(500);
constexpr auto kSlowPass = std::chrono::milliseconds(16);
// New live files appear at thread starts; looked for this often, or less:
// a directory that holds the segments of many ended threads takes long to
// list (100,000 threads: 100,000 files), so after a scan of kManyNames
// names or more the next waits kScanSpacing times as long as it took. (Not
// after a small one: the first scans under QEMU are slow because their code
// is being translated, not because of the directory.) A live file found
// late costs its thread the copying of a full segment, never an event.
constexpr auto kScanInterval = std::chrono::milliseconds(10);
constexpr int kScanSpacing = 20;
constexpr std::size_t kManyNames = 1024;

// A header this drainer can copy from: what the writer makes (a file of
// some other kind or a damaged one is left to the readers to report).
bool plausible(const SegmentHeader& h, std::size_t bytes) {
  return std::memcmp(h.magic, kSegmentMagic, sizeof h.magic) == 0 && h.header_size == kSegmentHeaderSize &&
         static_cast<std::size_t>(h.capacity) + kSegmentHeaderSize == bytes && h.used <= h.capacity;
}

}  // namespace

void LiveFileDrainer::start() {
  running_.reset();
  thread_ = std::thread([this] {
    using Clock = std::chrono::steady_clock;
    auto next_scan = Clock::now();
    std::chrono::microseconds interval = kFastPass;
    while (!running_.stopped()) {
      const auto now = Clock::now();
      if (now >= next_scan) {
        const std::size_t names = scan();
        const auto took = Clock::now() - now;
        next_scan = Clock::now() + (names < kManyNames
                                        ? kScanInterval
                                        : std::max<Clock::duration>(kScanInterval, kScanSpacing * took));
      }
      interval = pass(false) > 0 ? kFastPass : std::min<std::chrono::microseconds>(interval * 2, kSlowPass);
      running_.wait_for(interval);
    }
  });
}

void LiveFileDrainer::stop() {
  if (stopped_) return;
  stopped_ = true;
  if (thread_.joinable()) {
    running_.stop();
    thread_.join();
  }
  pass(true);
  for (auto& [path, m] : files_) release(m);
  files_.clear();
}

void LiveFileDrainer::release(Mapped& m) {
  if (m.header != nullptr) ::munmap(m.header, m.bytes);
  m.header = nullptr;
}

// Maps the live files not mapped yet; lets go of those gone or replaced.
std::size_t LiveFileDrainer::scan() {
  std::error_code ec;
  std::set<std::string> seen;
  std::size_t names = 0;
  for (const auto& proc : fs::directory_iterator(dir_, ec)) {
    if (!proc.is_directory(ec)) continue;
    for (const auto& f : fs::directory_iterator(proc.path(), ec)) {
      ++names;
      if (f.path().extension() != ".live") continue;
      const std::string path = f.path().string();
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) continue;
      auto it = files_.find(path);
      if (it != files_.end() && it->second.dev == st.st_dev && it->second.ino == st.st_ino) {
        seen.insert(path);
        continue;
      }
      if (it != files_.end()) {
        release(it->second);
        files_.erase(it);
      }
      // Still being created (not yet its full size), or not a live file of
      // this writer: looked at again next time.
      const auto bytes = static_cast<std::size_t>(st.st_size);
      if (bytes < kSegmentHeaderSize || bytes > kMaxSegmentBytes) continue;
      const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      struct stat fst {};
      void* p = MAP_FAILED;
      if (::fstat(fd, &fst) == 0 && static_cast<std::size_t>(fst.st_size) == bytes)
        p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      ::close(fd);
      if (p == MAP_FAILED) continue;
      files_[path] = Mapped{static_cast<SegmentHeader*>(p), bytes, fst.st_dev, fst.st_ino};
      seen.insert(path);
    }
  }
  for (auto it = files_.begin(); it != files_.end();) {
    if (seen.count(it->first) != 0) {
      ++it;
      continue;
    }
    release(it->second);
    it = files_.erase(it);
  }
  return names;
}

int LiveFileDrainer::pass(bool do_scan) {
  if (do_scan) scan();
  int n = 0;
  for (auto it = files_.begin(); it != files_.end();) {
    const std::string& path = it->first;
    Mapped& m = it->second;
    SegmentHeader* h = m.header;
    // Not ready, or the thread claimed it first to copy it itself.
    if (record::drain_of(h) != static_cast<std::uint32_t>(LiveDrain::ready) || !record::claim_for_copy(h)) {
      ++it;
      continue;
    }
    const SegmentHeader snapshot = *h;
    if (!plausible(snapshot, m.bytes) || snapshot.state != static_cast<std::uint32_t>(SegmentState::sealed) ||
        !copy_out(path, h)) {
      // The thread copies it out itself; if it has ended meanwhile, the
      // settling at the end names the file as its segment.
      (void)record::hand_back(h, LiveDrain::ready);
      ++it;
      continue;
    }
    ++copied_;
    ++n;
    if (record::hand_back(h, LiveDrain::copied)) {
      ++it;
      continue;
    }
    // The thread ended while it was copied: nobody will reuse the file.
    ::unlink(path.c_str());
    release(m);
    it = files_.erase(it);
  }
  return n;
}

bool LiveFileDrainer::copy_out(const fs::path& live, SegmentHeader* h) {
  int error = 0;
  if (record::copy_segment_out(live.parent_path().c_str(), h, &error)) return true;
  if (!said_error_)
    fmt::print(stderr,
               "ariadne record: cannot copy a segment out of {}: {} (the program's threads copy their own)\n",
               live.string(), std::strerror(error));
  said_error_ = true;
  return false;
}

}  // namespace ariadne::cli

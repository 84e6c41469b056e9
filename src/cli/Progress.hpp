// A progress bar on stderr for the long work of the analysis commands:
// drawn only when stderr is a terminal (never into a log or a pipe), at most
// ten times a second, and erased when the work is done.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ariadne::cli {

class Progress {
 public:
  // `total`: the amount of work, in any unit (bytes of the recording, say).
  Progress(std::string label, std::uint64_t total)
      : label_(std::move(label)), total_(total), enabled_(total > 0 && ::isatty(STDERR_FILENO) == 1) {}
  ~Progress() { finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::uint64_t done) {
    done_ += done;
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    constexpr int kWidth = 30;
    const std::uint64_t done_now = done_ < total_ ? done_ : total_;
    const int filled = static_cast<int>(done_now * kWidth / total_);
    std::string bar(static_cast<std::size_t>(filled), '=');
    if (filled < kWidth) bar += '>';
    bar.resize(kWidth, ' ');
    std::fprintf(stderr, "\r%s [%s] %3d%% ", label_.c_str(), bar.c_str(),
                 static_cast<int>(done_now * 100 / total_));
    std::fflush(stderr);
  }

  void finish() {
    if (!drawn_) return;
    drawn_ = false;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }

 private:
  std::string label_;
  std::uint64_t total_, done_ = 0;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace ariadne::cli

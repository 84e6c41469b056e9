// A progress bar on stderr for long work, drawn only when stderr is a
// terminal (never in pipes, logs or tests) and redrawn at most ~10 times a
// second, so calling add() per segment costs nothing measurable.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace ariadne::cli {

class Progress {
 public:
  // `total` in any unit (bytes, segments...); 0 draws a spinner-free counter.
  Progress(std::string label, std::uint64_t total);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void add(std::uint64_t n);
  void done();  // erases the bar (also done by the destructor)
  bool enabled() const { return enabled_; }

 private:
  void draw();

  std::string label_;
  std::uint64_t total_, done_ = 0;
  bool enabled_, drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace ariadne::cli

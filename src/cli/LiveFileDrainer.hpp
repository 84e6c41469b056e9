// `ariadne record`'s drainer: while the program runs, copies the full
// segments out of the threads' live files (DIR/<proc>/t<tid>.<k>.live) to
// their t<tid>-<seq>.seg files, so the threads do not have to: a thread
// seals a full segment, offers it (drain word `ready`) and goes on in
// another of its live files; the drainer claims the sealed one with a
// compare-and-swap, copies it out and hands it back `copied` for reuse
// (src/record/SegmentWriter.cpp, docs/format.md "Live files"). A thread
// that finds none handed back copies one out itself, so a slow or killed
// drainer costs time, never events.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "cli/StopSignal.hpp"
#include "tracefile/Format.hpp"

namespace ariadne::cli {

class LiveFileDrainer {
 public:
  explicit LiveFileDrainer(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~LiveFileDrainer() { stop(); }
  LiveFileDrainer(const LiveFileDrainer&) = delete;
  LiveFileDrainer& operator=(const LiveFileDrainer&) = delete;

  // Drains in a background thread until stop().
  void start();
  // Stops the thread, drains what is left ready, lets go of the files.
  void stop();
  // One pass: looks for new live files first when `scan`, then copies out
  // every segment offered. Returns the segments copied.
  int pass(bool scan);

  std::uint64_t copied() const { return copied_; }

 private:
  struct Mapped {
    tracefile::SegmentHeader* header = nullptr;
    std::size_t bytes = 0;
    dev_t dev = 0;
    ino_t ino = 0;
  };
  std::size_t scan();  // returns how many names the process directories hold
  void release(Mapped& m);
  bool copy_out(const std::filesystem::path& live, tracefile::SegmentHeader* h);

  std::filesystem::path dir_;
  std::map<std::string, Mapped> files_;
  std::thread thread_;
  StopSignal running_;
  std::uint64_t copied_ = 0;
  bool said_error_ = false;
  bool stopped_ = false;
};

}  // namespace ariadne::cli

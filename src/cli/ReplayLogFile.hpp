// The replay log of a recording on disk, raw or compressed (docs/replay.md,
// "The log"): DIR/replay.log as the target leaves it (memory-mapped while it
// runs, so a SIGKILLed target or recorder leaves it whole), or
// DIR/replay.log.zst, which `record --replayable` makes of it once the
// program has ended. Every reader (replay, info, chaos, the debugger) finds
// and loads it here; replay hands the target a decompressed copy in an
// anonymous file (memfd), never written to the recording.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ariadne::cli {

inline constexpr const char* kReplayLogZst = "replay.log.zst";

class ReplayLogFile {
 public:
  ReplayLogFile() = default;
  ~ReplayLogFile();
  ReplayLogFile(const ReplayLogFile&) = delete;
  ReplayLogFile& operator=(const ReplayLogFile&) = delete;

  // Which of the two files DIR holds.
  enum class Found { none, raw, compressed, both };
  static Found find(const std::filesystem::path& dir);

  // Reads DIR's log (either file; with both, the .zst: load()). False with
  // problem() ("PATH: offset N: why", N in the compressed bytes for a .zst)
  // when there is none, it cannot be read, or the frame is damaged, cut
  // short or declares more than kMaxReplayLogBytes.
  bool load(const std::filesystem::path& dir);

  const std::string& path() const { return path_; }  // the file read
  bool compressed() const { return compressed_; }
  std::uint64_t file_bytes() const { return file_bytes_; }  // on disk
  const std::uint8_t* data() const { return data_; }        // the raw log
  std::size_t size() const { return size_; }
  const std::string& problem() const { return problem_; }
  // "PATH: offset N" for an offset in the raw log (of the decompressed log,
  // it says, for a .zst).
  std::string at(std::uint64_t offset) const;
  bool found() const { return found_; }  // false: no log at all (problem() says so)

  // The raw log as a file the target can map: the .zst's memfd, created
  // without close-on-exec at a descriptor far above the program's (the
  // runtime takes it over and closes it: ReplayLog.cpp), as
  // "/proc/self/fd/N"; or the raw file's absolute path.
  std::string path_for_target() const;

 private:
  bool load_compressed();
  std::string path_;
  bool compressed_ = false, found_ = false;
  std::uint64_t file_bytes_ = 0;
  std::vector<std::uint8_t> raw_;
  int memfd_ = -1;
  void* map_ = nullptr;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  std::string problem_;
};

// DIR/replay.log → DIR/replay.log.zst (one zstd frame with its content size
// and checksum; written as .tmp and renamed, then the raw log removed). The
// log must already be cut after its last event. False and a line's worth of
// why when it could not (the raw log then stays: it replays as well).
bool compress_replay_log(const std::filesystem::path& dir, std::uint64_t& compressed_bytes, std::string& why);

}  // namespace ariadne::cli

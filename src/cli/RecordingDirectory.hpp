// The directory `ariadne record -o DIR` writes (docs/record.md "The output
// directory"). A user's directory is never destroyed by a mistyped -o: DIR
// counts as an earlier recording only if its ariadne.session is a regular
// file that parses as a session file (magic, CRCs, a session chunk), and then
// only the files a recording is made of are removed -- the session file and
// the process folders (<pid>, <pid>.<n>) holding nothing but the files the
// recorder writes there. Anything else in DIR and nothing is touched.
//
// While recording, DIR is held with an exclusive flock(2), so a second
// `ariadne record` into it is refused instead of the two deleting each
// other's files. The lock goes with this process (its fd is close-on-exec:
// PROG does not inherit it).
#pragma once

#include <filesystem>
#include <string>

namespace ariadne::cli {

class RecordingDirectory {
 public:
  // Checks the name only (nothing on disk): throws launch::LaunchError for
  // an empty one.
  explicit RecordingDirectory(const std::string& given);
  ~RecordingDirectory();
  RecordingDirectory(const RecordingDirectory&) = delete;
  RecordingDirectory& operator=(const RecordingDirectory&) = delete;

  // Locks DIR (creating it 0700 if absent), removes an earlier recording's
  // files and makes DIR 0700. Throws launch::LaunchError (one line naming
  // -o DIR and the reason, nothing removed) for a DIR that is not a
  // directory, one another recorder holds, or one that holds anything but
  // an earlier recording.
  void prepare();

  const std::filesystem::path& path() const { return path_; }

 private:
  void open_and_lock();
  void empty_earlier_recording();

  std::string given_;
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace ariadne::cli

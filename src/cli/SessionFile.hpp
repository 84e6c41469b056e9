// DIR/ariadne.session as `record` and `record --replayable` write it
// (docs/format.md): the session chunk when PROG starts, the end chunk (how
// it ended) when it has ended.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/Isa.hpp"
#include "launch/Launcher.hpp"

namespace ariadne::cli {

class SessionFile {
 public:
  // Creates DIR/ariadne.session (it must not exist) and writes the session
  // chunk. Throws launch::LaunchError (file and reason).
  SessionFile(const std::string& dir, arch::Isa isa, const std::vector<std::string>& command,
              const std::vector<std::string>& env, const std::string& options);
  ~SessionFile();
  SessionFile(const SessionFile&) = delete;
  SessionFile& operator=(const SessionFile&) = delete;

  int fd() const { return fd_; }  // for further chunks (session_stopped)
  // session_end: PROG's exit status, and its pid (the process whose end it
  // is; 0: not known, as for a replayable recording, which has no process files).
  void end(const launch::ExitStatus& status, std::uint32_t pid);

 private:
  int fd_ = -1;
};

std::uint64_t unix_ns();

}  // namespace ariadne::cli

#include "cli/SessionFile.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "launch/LaunchError.hpp"
#include "record/ChunkFile.hpp"
#include "tracefile/Format.hpp"

namespace ariadne::cli {

std::uint64_t unix_ns() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

SessionFile::SessionFile(const std::string& dir, arch::Isa isa, const std::vector<std::string>& command,
                         const std::vector<std::string>& env, const std::string& options) {
  const std::string path = dir + "/ariadne.session";
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) throw launch::LaunchError(fmt::format("{}: cannot create: {}", path, std::strerror(errno)));
  record::Payload session;
  session.varint(tracefile::kFormatVersion);
  session.string(std::string(arch::name(isa)).c_str());
  session.varint(unix_ns());
  session.varint(command.size());
  for (const auto& a : command) session.string(a.c_str(), a.size());
  session.varint(env.size());
  for (const auto& e : env) session.string(e.c_str(), e.size());
  session.string(options.c_str(), options.size());
  int error = 0;
  if (!record::write_file_header(fd_, tracefile::FileKind::session, &error) ||
      !record::write_chunk(fd_, tracefile::ChunkType::session, session, &error))
    throw launch::LaunchError(fmt::format("{}: cannot write: {}", path, std::strerror(error)));
}

SessionFile::~SessionFile() {
  if (fd_ >= 0) ::close(fd_);
}

void SessionFile::end(const launch::ExitStatus& status, std::uint32_t pid) {
  record::Payload end;
  end.varint(unix_ns());
  end.varint(status.signaled ? 1 : 0);
  end.varint(static_cast<std::uint64_t>(status.value));
  end.varint(pid);
  record::write_chunk(fd_, tracefile::ChunkType::session_end, end);
}

}  // namespace ariadne::cli

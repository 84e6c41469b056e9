#include "cli/RecordingDirectory.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>
#include <vector>

#include "launch/LaunchError.hpp"
#include "tracefile/ProcessFile.hpp"

namespace ariadne::cli {

namespace fs = std::filesystem;
using launch::LaunchError;

namespace {

constexpr const char* kSessionName = "ariadne.session";
// A session file holds the command line, the environment and the options:
// far below this. A larger one is not ours (and not worth reading).
constexpr off_t kMaxSessionBytes = 64 << 20;

// <pid> or <pid>.<n> (ProcessLog.cpp make_dir).
bool is_process_folder_name(const std::string& name) {
  static const std::regex re("[0-9]+(\\.[0-9]+)?");
  return std::regex_match(name, re);
}

// What the runtime and this command write in a process folder: the process
// file, segments (raw, compressed, half-written) and live files.
bool is_recorder_file_name(const std::string& name) {
  static const std::regex re("process|t[0-9]+-[0-9]+\\.seg(\\.zst)?(\\.tmp)?|t[0-9]+\\.[0-9]+\\.live");
  return std::regex_match(name, re);
}

// What `record --replayable` writes beside the session file
// (cli/ReplayOutput.hpp).
bool is_replay_file_name(const std::string& name) {
  return name == "replay.log" || name == "replay.log.zst" || name == "replay.log.zst.tmp" ||
         name == "replay.stdout" || name == "replay.stderr";
}

struct Entry {
  std::string name;
  unsigned char type;  // DT_*, from lstat when the file system does not say
};

// The entries of the directory `dirfd` (not "." and ".."), not following
// symlinks.
std::vector<Entry> list(int dirfd, const std::string& shown) {
  const int fd = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
  if (d == nullptr) {
    if (fd >= 0) ::close(fd);
    throw LaunchError(fmt::format("{}: cannot list: {}", shown, std::strerror(errno)));
  }
  std::vector<Entry> out;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    unsigned char type = e->d_type;
    if (type == DT_UNKNOWN) {
      struct stat st {};
      if (::fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
        type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
    }
    out.push_back({name, type});
  }
  ::closedir(d);
  return out;
}

// True when `dirfd`/ariadne.session is a regular file that parses as a
// session file with no problem at all.
bool holds_session_file(int dirfd) {
  const int fd = ::openat(dirfd, kSessionName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st {};
  std::vector<std::uint8_t> bytes;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size <= kMaxSessionBytes;
  if (ok) {
    bytes.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < bytes.size()) {
      const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    ok = got == bytes.size();
  }
  ::close(fd);
  if (!ok) return false;
  tracefile::SessionInfo session;
  std::vector<tracefile::Problem> problems;
  tracefile::parse_session_file(kSessionName, bytes, session, problems);
  return problems.empty();
}

}  // namespace

RecordingDirectory::RecordingDirectory(const std::string& given) : given_(given) {
  if (given.empty()) throw LaunchError("-o '': expected a directory name");
  std::error_code ec;
  path_ = fs::absolute(given, ec);
  if (ec) throw LaunchError(fmt::format("-o {}: {}", given, ec.message()));
}

RecordingDirectory::~RecordingDirectory() {
  if (fd_ >= 0) ::close(fd_);
}

void RecordingDirectory::prepare() {
  open_and_lock();
  empty_earlier_recording();
  if (::fchmod(fd_, 0700) != 0)
    throw LaunchError(
        fmt::format("-o {}: cannot make it private (chmod 0700): {}", given_, std::strerror(errno)));
}

void RecordingDirectory::open_and_lock() {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(path_, ec))) {
    if (path_.has_parent_path()) fs::create_directories(path_.parent_path(), ec);
    if (::mkdir(path_.c_str(), 0700) != 0 && errno != EEXIST)
      throw LaunchError(fmt::format("-o {}: cannot create the directory: {}", given_, std::strerror(errno)));
  }
  fd_ = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) {
    if (errno == ENOTDIR) throw LaunchError(fmt::format("-o {}: exists and is not a directory", given_));
    throw LaunchError(fmt::format("-o {}: cannot open the directory: {}", given_, std::strerror(errno)));
  }
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      throw LaunchError(fmt::format(
          "-o {}: another `ariadne record` is recording into it: wait for it to end or choose another DIR",
          given_));
    throw LaunchError(fmt::format("-o {}: cannot lock the directory: {}", given_, std::strerror(errno)));
  }
}

void RecordingDirectory::empty_earlier_recording() {
  const std::vector<Entry> top = list(fd_, given_);
  if (top.empty()) return;
  const auto refuse = [&](const std::string& why) {
    throw LaunchError(fmt::format(
        "-o {}: {}: refusing to touch it (remove what is there or choose another DIR)", given_, why));
  };
  bool session = false;
  for (const Entry& e : top) session = session || e.name == kSessionName;
  if (!session) refuse("exists and is not an ariadne recording (no ariadne.session)");
  if (!holds_session_file(fd_))
    refuse(
        "exists and is not an ariadne recording (ariadne.session there is not a recording's session file)");

  // Everything is checked before anything is removed.
  struct Folder {
    std::string name;
    std::vector<std::string> files;
  };
  std::vector<Folder> folders;
  std::vector<std::string> replay_files;
  for (const Entry& e : top) {
    if (e.name == kSessionName) continue;
    if (e.type == DT_REG && is_replay_file_name(e.name)) {
      replay_files.push_back(e.name);
      continue;
    }
    if (e.type != DT_DIR || !is_process_folder_name(e.name))
      refuse(fmt::format("holds an earlier recording and also '{}', which `ariadne record` did not write",
                         e.name));
    const int sub = ::openat(fd_, e.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) refuse(fmt::format("cannot open '{}': {}", e.name, std::strerror(errno)));
    std::vector<Entry> inside;
    try {
      inside = list(sub, (path_ / e.name).string());
    } catch (...) {
      ::close(sub);
      throw;
    }
    ::close(sub);
    Folder f{e.name, {}};
    for (const Entry& i : inside) {
      if (i.type != DT_REG || !is_recorder_file_name(i.name))
        refuse(
            fmt::format("holds an earlier recording and also '{}/{}', which `ariadne record` did not write",
                        e.name, i.name));
      f.files.push_back(i.name);
    }
    folders.push_back(std::move(f));
  }

  // The session file goes last: a removal cut short still leaves a
  // recording that the next `ariadne record` recognises.
  const auto failed = [&](const std::string& what) {
    throw LaunchError(fmt::format("-o {}: cannot remove the earlier recording's {}: {}", given_, what,
                                  std::strerror(errno)));
  };
  for (const Folder& f : folders) {
    const int sub = ::openat(fd_, f.name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (sub < 0) failed(f.name);
    for (const std::string& file : f.files) {
      if (::unlinkat(sub, file.c_str(), 0) != 0 && errno != ENOENT) {
        ::close(sub);
        failed(f.name + "/" + file);
      }
    }
    ::close(sub);
    if (::unlinkat(fd_, f.name.c_str(), AT_REMOVEDIR) != 0) failed(f.name);
  }
  for (const std::string& file : replay_files)
    if (::unlinkat(fd_, file.c_str(), 0) != 0 && errno != ENOENT) failed(file);
  if (::unlinkat(fd_, kSessionName, 0) != 0) failed(kSessionName);
}

}  // namespace ariadne::cli

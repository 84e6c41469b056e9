#include "tracefile/FileAccess.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ariadne::tracefile {

namespace {
const char* type_name(mode_t m) {
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m)) return "a character device";
  if (S_ISBLK(m)) return "a block device";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link";
  return "a file of an unknown type";
}
}  // namespace

RegularFile::RegularFile(const std::string& path, const char* what, std::vector<Problem>& problems)
    : path_(path) {
  // O_NONBLOCK: opening a FIFO with no writer must not wait for one; the
  // fstat below then refuses it before any read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    if (errno == ELOOP) {
      problems.push_back(
          {path, 0, fmt::format("expected a {} (a regular file), found a symbolic link", what)});
    } else {
      problems.push_back(
          {path, 0, fmt::format("expected a readable {}, found: {}", what, std::strerror(errno))});
    }
    return;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    problems.push_back(
        {path, 0, fmt::format("expected a readable {}, found: {}", what, std::strerror(errno))});
    ::close(fd);
    return;
  }
  if (!S_ISREG(st.st_mode)) {
    problems.push_back(
        {path, 0, fmt::format("expected a {} (a regular file), found {}", what, type_name(st.st_mode))});
    ::close(fd);
    return;
  }
  fd_ = fd;
  size_ = static_cast<std::uint64_t>(st.st_size);
}

RegularFile::~RegularFile() {
  if (fd_ >= 0) ::close(fd_);
}

long RegularFile::read_at(std::uint64_t offset, void* buf, std::size_t n) {
  std::size_t got = 0;
  auto* p = static_cast<std::uint8_t*>(buf);
  while (got < n) {
    const ssize_t r = ::pread(fd_, p + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return -1;
    if (r == 0) break;  // the file shrank: what is there is all there is
    got += static_cast<std::size_t>(r);
  }
  return static_cast<long>(got);
}

bool RegularFile::read_at(std::uint64_t offset, std::size_t n, std::vector<std::uint8_t>& out,
                          std::vector<Problem>& problems) {
  out.resize(n);
  const long got = read_at(offset, out.data(), n);
  if (got < 0) {
    problems.push_back(
        {path_, offset,
         fmt::format("expected {} more bytes, found a read error: {}", n, std::strerror(errno))});
    out.clear();
    return false;
  }
  out.resize(static_cast<std::size_t>(got));
  return true;
}

bool read_regular_file(const std::string& path, const char* what, std::uint64_t limit,
                       std::vector<std::uint8_t>& out, std::vector<Problem>& problems) {
  out.clear();
  RegularFile f(path, what, problems);
  if (!f.ok()) return false;
  if (f.size() > limit) {
    problems.push_back(
        {path, limit,
         fmt::format("expected a {} of at most {} bytes, found {} bytes", what, limit, f.size())});
    return false;
  }
  return f.read_at(0, static_cast<std::size_t>(f.size()), out, problems);
}

}  // namespace ariadne::tracefile

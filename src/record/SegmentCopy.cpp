#include "record/SegmentCopy.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "record/ChunkFile.hpp"

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

// <dir>/t<tid>-<seq>.seg and the same with .tmp; false if too long.
bool segment_paths(const char* dir, const SegmentHeader& h, char* path, char* tmp, std::size_t size) noexcept {
  const std::size_t n = std::strlen(dir);
  if (n + 64 > size) return false;
  std::memcpy(path, dir, n);
  std::size_t k = n;
  path[k++] = '/';
  path[k++] = 't';
  k += append_decimal(path + k, h.tid);
  path[k++] = '-';
  k += append_decimal(path + k, h.seq);
  std::memcpy(path + k, ".seg", 5);
  std::memcpy(tmp, path, k + 4);
  std::memcpy(tmp + k + 4, ".tmp", 5);
  return true;
}

}  // namespace

bool copy_segment_out(const char* proc_dir, const SegmentHeader* h) noexcept {
  SegmentHeader header = *h;
  header.drain = 0;
  if (header.used > header.capacity) {
    errno = EINVAL;
    return false;
  }
  char path[4200], tmp[4200];
  if (!segment_paths(proc_dir, header, path, tmp, sizeof path)) {
    errno = ENAMETOOLONG;
    return false;
  }
  const int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  iovec iov[2] = {{&header, sizeof header},
                  {const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(h) + kSegmentHeaderSize),
                   header.used}};
  bool ok = write_all(fd, iov, 2);
  int saved = errno;
  ::close(fd);
  if (ok && ::rename(tmp, path) != 0) {
    ok = false;
    saved = errno;
  }
  if (!ok) {
    ::unlink(tmp);
    errno = saved;
  }
  return ok;
}

}  // namespace ariadne::record

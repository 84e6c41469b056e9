#include "record/SegmentCopy.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "record/ChunkFile.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

std::size_t thread_file_path(char* out, std::size_t size, const char* dir, std::uint32_t tid, long long seq,
                             const char* suffix) noexcept {
  const std::size_t n = std::strlen(dir);
  const std::size_t m = std::strlen(suffix);
  if (n + 32 + m > size) return 0;
  std::memcpy(out, dir, n);
  std::size_t k = n;
  out[k++] = '/';
  out[k++] = 't';
  k += append_decimal(out + k, tid);
  if (seq >= 0) {
    out[k++] = '-';
    k += append_decimal(out + k, static_cast<std::uint64_t>(seq));
  }
  std::memcpy(out + k, suffix, m + 1);
  return k + m;
}

bool copy_segment_out(const char* proc_dir, SegmentHeader* h, int* error) noexcept {
  int ignored;
  int& why = error != nullptr ? *error : ignored;
  SegmentHeader header = *h;
  header.drain = 0;
  if (header.used > header.capacity) {
    why = EINVAL;
    return false;
  }
  char path[4200], tmp[4200];
  if (thread_file_path(path, sizeof path, proc_dir, header.tid, header.seq, ".seg") == 0 ||
      thread_file_path(tmp, sizeof tmp, proc_dir, header.tid, header.seq, ".seg.tmp") == 0) {
    why = ENAMETOOLONG;
    return false;
  }
  const int fd = sys_open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    why = -fd;
    return false;
  }
  iovec iov[2] = {{&header, sizeof header},
                  {reinterpret_cast<std::uint8_t*>(h) + kSegmentHeaderSize, header.used}};
  bool ok = write_all(fd, iov, 2, &why);
  sys_close(fd);
  if (ok) {
    const int rc = sys_rename(tmp, path);
    ok = rc == 0;
    if (!ok) why = -rc;
  }
  if (!ok) {
    sys_unlink(tmp);
    return false;
  }
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::recycled), __ATOMIC_RELEASE);
  return true;
}

}  // namespace ariadne::record

// The process file (ProcessLog.hpp). Load-time code: it may allocate; the
// clock and process_end chunks are also written from roll-over and fatal
// signals, so those two use stack buffers only.
#include "record/ProcessLog.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "arch/Timestamp.hpp"
#include "record/ChunkFile.hpp"
#include "trace/RuntimeMappings.hpp"
#include "trace/SiteTable.hpp"
#include "trace/StackRegions.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

extern char** environ;

namespace ariadne::record {

using namespace ariadne::tracefile;

namespace {

char g_dir[4096];
char g_execd_from[64];  // directory name of the image that exec'd this one, or ""
int g_fd = -1;
std::uint32_t g_pid = 0;
std::atomic<bool> g_ended{false};
bool g_store_environment = true;
std::atomic<bool> g_stacks{false};

std::uint64_t clock_ns(clockid_t id) noexcept {
  timespec ts{};
  ::clock_gettime(id, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000000000u + static_cast<std::uint64_t>(ts.tv_nsec);
}

// argv from /proc/self/cmdline (NUL-separated).
void add_argv(Payload& p) {
  char buf[16384];
  std::size_t n = 0;
  const int fd = sys_open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    for (;;) {
      const long r = sys_read(fd, buf + n, sizeof buf - n);
      if (r <= 0) break;
      n += static_cast<std::size_t>(r);
      if (n == sizeof buf) break;
    }
    sys_close(fd);
  }
  std::size_t count = 0;
  for (std::size_t i = 0; i < n; ++i) count += buf[i] == '\0';
  p.varint(count);
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (buf[i] != '\0') continue;
    p.string(buf + start, i - start);
    start = i + 1;
  }
}

// false with *error set when no directory could be made.
bool make_dir(const char* root, int* error) {
  const std::size_t root_len = std::strlen(root);
  *error = ENAMETOOLONG;
  if (root_len + 64 > sizeof g_dir) return false;
  std::memcpy(g_dir, root, root_len);
  std::size_t k = root_len;
  g_dir[k++] = '/';
  k += append_decimal(g_dir + k, g_pid);
  g_dir[k] = '\0';
  // "<pid>" is taken when this image was exec'd by a recorded process of
  // the same pid: the n-th exec is "<pid>.<n>", exec'd from the image
  // before it ("<pid>" or "<pid>.<n-1>").
  g_execd_from[0] = '\0';
  for (std::uint32_t n = 1; n < 100000; ++n) {
    const int rc = sys_mkdir(g_dir, 0700);
    if (rc == 0) return true;
    *error = -rc;
    if (rc != -EEXIST) return false;
    // Taken: the candidate is the image before this one.
    std::strncpy(g_execd_from, g_dir + root_len + 1, sizeof g_execd_from - 1);
    std::size_t j = k;
    g_dir[j++] = '.';
    j += append_decimal(g_dir + j, n);
    g_dir[j] = '\0';
  }
  return false;
}

}  // namespace

std::uint32_t current_tid() noexcept { return static_cast<std::uint32_t>(sys_gettid()); }

void close_process_log() noexcept {
  if (g_fd >= 0) sys_close(g_fd);
  g_fd = -1;
}

void set_store_environment(bool on) noexcept { g_store_environment = on; }
const char* process_dir() noexcept { return g_dir; }
std::uint32_t process_pid() noexcept { return g_pid; }

bool open_process_log(const char* root, std::uint32_t forked_from) noexcept {
  if (g_fd >= 0) sys_close(g_fd);
  g_fd = -1;
  g_ended.store(false);
  g_stacks.store(false);
  g_pid = static_cast<std::uint32_t>(sys_getpid());
  int error = 0;
  if (!make_dir(root, &error)) {
    sys_print(STDERR_FILENO, "ariadne-rt: record: cannot create a process directory in %s: %s\n", root,
              std::strerror(error));
    return false;
  }
  char path[4200];
  std::snprintf(path, sizeof path, "%s/process", g_dir);
  g_fd =
      trace::detail::keep_fd_apart(sys_open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600));
  if (g_fd < 0) error = -g_fd;
  if (g_fd < 0 || !write_file_header(g_fd, FileKind::process, &error)) {
    sys_print(STDERR_FILENO, "ariadne-rt: record: cannot write %s: %s\n", path, std::strerror(error));
    return false;
  }
  Payload p;
  p.varint(g_pid);
  p.varint(static_cast<std::uint64_t>(sys_getppid()));
  p.varint(forked_from);
  p.string(forked_from != 0 ? "" : g_execd_from);
  p.string(ARIADNE_RECORD_ARCH);
  p.varint(arch::timestamp_clock_kind());
  p.varint(arch::timestamp_frequency());
  add_argv(p);
  std::size_t envc = 0;
  for (char** e = environ; g_store_environment && e != nullptr && *e != nullptr; ++e) ++envc;
  p.varint(envc);
  for (std::size_t i = 0; i < envc; ++i) p.string(environ[i]);
  write_chunk(g_fd, ChunkType::process, p);
  write_clock_chunk();
  trace::detail::SiteTable& t = trace::detail::sites();
  for (std::size_t i = 0; i < t.module_count(); ++i) {
    if (t.module(i).live.load(std::memory_order_acquire)) write_module_chunks(i);
  }
  return true;
}

void write_clock_chunk() noexcept {
  if (g_fd < 0) return;
  std::uint8_t buf[3 * kMaxVarint];
  std::size_t n = 0;
  n += put_varint(buf + n, arch::timestamp());
  n += put_varint(buf + n, clock_ns(CLOCK_MONOTONIC));
  n += put_varint(buf + n, clock_ns(CLOCK_REALTIME));
  write_chunk(g_fd, ChunkType::clock, buf, n);
}

void write_module_chunks(std::size_t index) noexcept {
  if (g_fd < 0) return;
  trace::detail::ModuleRecord& m = trace::detail::sites().module(index);
  if (m.image == nullptr) return;
  {
    Payload p;
    p.varint(index);
    p.string(m.image->path.c_str(), m.image->path.size());
    p.varint(m.image->bias);
    p.string(m.image->build_id.c_str(), m.image->build_id.size());
    write_chunk(g_fd, ChunkType::module, p);
  }
  Payload p;
  p.varint(index);
  p.varint(m.count);
  for (std::size_t k = 0; k < m.count; ++k) {
    const trace::Site& s = m.sites[k].site;
    p.varint(s.id);
    p.varint(s.address - m.image->bias);
    p.string(trace::detail::display_name(s));
  }
  write_chunk(g_fd, ChunkType::sites, p);
}

void write_stacks_chunk() noexcept {
  if (g_fd < 0 || g_stacks.load(std::memory_order_relaxed) || g_stacks.exchange(true)) return;
  const std::uint8_t one = 1;
  write_chunk(g_fd, ChunkType::stacks, &one, 1);
}

void write_process_end(std::uint32_t kind, std::uint32_t value) noexcept {
  if (g_fd < 0 || g_ended.exchange(true)) return;
  if (const std::uint64_t unhooked = trace::detail::unhooked_calls(); unhooked != 0) {
    std::uint8_t count[kMaxVarint];
    write_chunk(g_fd, ChunkType::unhooked, count, put_varint(count, unhooked));
  }
  write_clock_chunk();
  std::uint8_t buf[2 * kMaxVarint];
  std::size_t n = put_varint(buf, kind);
  n += put_varint(buf + n, value);
  write_chunk(g_fd, ChunkType::process_end, buf, n);
}

}  // namespace ariadne::record

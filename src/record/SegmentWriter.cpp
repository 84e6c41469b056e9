// The writer's slow paths (ThreadLog.hpp): a thread's first segment, roll-over
// to seq+1, sealing, lost-event markers, thread exit, and fork.
//
// A thread writes into its *live file* (DIR/<proc>/t<tid>.live): one fixed
// size, created zero-filled (ftruncate) and mapped MAP_SHARED, so every store
// is in the page cache at once and a SIGKILL loses nothing already written
// (the reader stops at the first zero tag of a segment never sealed, and
// takes a live file as the segment its header names). A full segment is
// sealed in place, copied out to t<tid>-<seq>.seg with one write(), and the
// same mapped pages are zeroed and reused for seq+1: a fresh file per segment
// would cost a page fault per 4 KiB of events, several times the copy (the
// page faults were a fifth of a recorded call's cost; docs/performance.md).
// A thread's last segment (thread exit, exec, fatal signal) is not copied:
// the live file is sealed and renamed to its segment name.
#include "record/ThreadLog.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "arch/Timestamp.hpp"
#include "record/ProcessLog.hpp"

namespace ariadne::record {

using namespace ariadne::tracefile;

constinit thread_local ThreadLog* t_log = nullptr;
constinit thread_local std::uint32_t t_parent_tid = 0;

namespace {

std::atomic<ThreadLog*> g_threads{nullptr};
std::uint32_t g_segment_bytes = 1u << 20;
pthread_key_t g_exit_key;
std::atomic<bool> g_key_ready{false};

// What an exited thread's later calls (TLS destructors...) write to: nothing.
ThreadLog g_dead_log{};

// After a failed segment, the next attempt only every this many events: a
// full disk must not turn every call into a system call.
constexpr std::uint64_t kRetryEvery = 4096;

void on_thread_exit(void* p) {
  auto* t = static_cast<ThreadLog*>(p);
  if (t != nullptr && t_log == t) finish_thread(t);
}

ThreadLog* allocate_log() noexcept {
  // Reuse the log of a thread that ended.
  for (ThreadLog* t = g_threads.load(std::memory_order_acquire); t != nullptr; t = t->next) {
    bool expected = false;
    if (t->dead && __atomic_compare_exchange_n(&t->in_use, &expected, true, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
      ThreadLog* next = t->next;
      const int p0 = t->string_pipe[0], p1 = t->string_pipe[1];
      std::memset(static_cast<void*>(t), 0, offsetof(ThreadLog, sites));
      t->string_pipe[0] = p0;
      t->string_pipe[1] = p1;
      t->next = next;
      t->in_use = true;
      return t;
    }
  }
  void* m = ::mmap(nullptr, sizeof(ThreadLog), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return nullptr;
  auto* t = static_cast<ThreadLog*>(m);
  t->string_pipe[0] = t->string_pipe[1] = -1;
  t->in_use = true;
  ThreadLog* head = g_threads.load(std::memory_order_relaxed);
  do {
    t->next = head;
  } while (!g_threads.compare_exchange_weak(head, t, std::memory_order_release, std::memory_order_relaxed));
  return t;
}

// DIR/<proc>/t<tid>-<seq><suffix> (seq < 0: t<tid><suffix>); 0 if too long.
std::size_t thread_file_path(char* out, std::size_t size, std::uint32_t tid, long long seq, const char* suffix) noexcept {
  const char* dir = process_dir();
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

std::size_t live_path(char* out, std::size_t size, const ThreadLog* t) noexcept {
  return thread_file_path(out, size, t->tid, -1, ".live");
}

// Creates and maps the thread's live file; false (nothing mapped) on failure.
bool map_live_file(ThreadLog* t) noexcept {
  char path[4200];
  if (live_path(path, sizeof path, t) == 0) return false;
  const int fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const std::uint32_t bytes = g_segment_bytes;
  if (::ftruncate(fd, bytes) != 0) {
    ::close(fd);
    ::unlink(path);
    return false;
  }
  void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (m == MAP_FAILED) {
    ::unlink(path);
    return false;
  }
  t->header = static_cast<SegmentHeader*>(m);
  t->mapped_bytes = bytes;
  return true;
}

// Starts segment t->seq in the live file (mapped first if need be; else its
// payload is zero from the last copy-out); false on failure.
bool map_segment(ThreadLog* t) noexcept {
  if (t->header == nullptr && !map_live_file(t)) return false;
  const std::uint32_t bytes = t->mapped_bytes;
  void* m = t->header;
  auto* h = static_cast<SegmentHeader*>(m);
  std::memcpy(h->magic, kSegmentMagic, sizeof h->magic);
  h->version = kFormatVersion;
  h->header_size = kSegmentHeaderSize;
  h->capacity = bytes - kSegmentHeaderSize;
  h->pid = process_pid();
  h->tid = t->tid;
  h->seq = t->seq;
  h->header_crc = crc32c(h, 28);
  h->base_timestamp = t->last;
  h->depth = t->open;
  h->used = 0;
  h->payload_crc = 0;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::open), __ATOMIC_RELEASE);
  t->pos = reinterpret_cast<std::uint8_t*>(m) + kSegmentHeaderSize;
  t->limit = reinterpret_cast<std::uint8_t*>(m) + bytes;
  return true;
}

void unmap_segment(ThreadLog* t) noexcept {
  if (t->header != nullptr) ::munmap(t->header, t->mapped_bytes);
  t->header = nullptr;
  t->pos = t->limit = nullptr;
}

}  // namespace

std::uint32_t segment_bytes() noexcept { return g_segment_bytes; }
void set_segment_bytes(std::uint32_t bytes) noexcept {
  g_segment_bytes = bytes;
  g_dead_log.dead = true;
}

namespace {

// Seals the active segment in place: length and checksum, the state last.
void seal_in_place(ThreadLog* t) noexcept {
  SegmentHeader* h = t->header;
  const std::uint8_t* payload = reinterpret_cast<const std::uint8_t*>(h) + kSegmentHeaderSize;
  const auto used = static_cast<std::uint32_t>(t->pos - payload);
  h->used = used;
  h->payload_crc = crc32c(payload, used);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::sealed), __ATOMIC_RELEASE);
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) noexcept {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= static_cast<std::size_t>(k);
  }
  return true;
}

// The sealed segment in the live file, copied to t<tid>-<seq>.seg (through a
// .tmp name, so the file appears whole); false when it could not be.
bool copy_out(ThreadLog* t) noexcept {
  char tmp[4200], path[4200];
  if (thread_file_path(tmp, sizeof tmp, t->tid, t->seq, ".seg.tmp") == 0 ||
      thread_file_path(path, sizeof path, t->tid, t->seq, ".seg") == 0)
    return false;
  const int fd = ::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  const bool ok = write_all(fd, reinterpret_cast<const std::uint8_t*>(t->header), kSegmentHeaderSize + t->header->used);
  ::close(fd);
  if (!ok || ::rename(tmp, path) != 0) {
    ::unlink(tmp);
    return false;
  }
  return true;
}

}  // namespace

void seal_segment(ThreadLog* t) noexcept {
  if (t->header == nullptr) return;
  char live[4200], path[4200];
  if (t->pos == nullptr) {  // recycled and not restarted: nothing in it
    const bool named = live_path(live, sizeof live, t) != 0;
    unmap_segment(t);
    if (named) ::unlink(live);
    return;
  }
  seal_in_place(t);
  const bool named = live_path(live, sizeof live, t) != 0 &&
                     thread_file_path(path, sizeof path, t->tid, t->seq, ".seg") != 0;
  unmap_segment(t);
  // The live file becomes the segment (a reader takes a sealed live file as
  // its segment anyway, should the rename fail).
  if (named) (void)::rename(live, path);
  ++t->seq;
}

// A full segment: sealed, copied out, and the live file's pages made ready
// for the next (when the copy fails, the live file becomes the segment and
// the next one gets a new live file).
void recycle_segment(ThreadLog* t) noexcept {
  seal_in_place(t);
  if (!copy_out(t)) {
    seal_segment(t);
    return;
  }
  SegmentHeader* h = t->header;
  const std::uint32_t used = h->used;
  // Until the new header is complete the file holds nothing to read.
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::recycled), __ATOMIC_RELEASE);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  std::memset(reinterpret_cast<std::uint8_t*>(h) + kSegmentHeaderSize, 0, used);
  t->pos = t->limit = nullptr;
  ++t->seq;
}

bool roll_over(ThreadLog* t, std::size_t n) noexcept {
  if (t->dead) return false;
  if (t->pos == nullptr) {
    // No segment since a failure (the callers count what they drop): retry
    // now and then only.
    if (t->lost != 0 && t->lost % kRetryEvery != 0) return false;
  } else {
    recycle_segment(t);
    write_clock_chunk();
  }
  if (!map_segment(t)) return false;
  if (t->lost != 0) {
    const std::uint64_t now = arch::timestamp();
    std::uint8_t* p = t->pos;
    *p++ = static_cast<std::uint8_t>(Event::lost);
    p += put_varint(p, now - t->last);
    p += put_varint(p, t->lost);
    t->pos = p;
    t->last = now;
    t->lost = 0;
  }
  return t->pos + n <= t->limit;
}

void write_simple_event(ThreadLog* t, Event tag, const std::uint64_t* values, std::size_t count) noexcept {
  if (!room(t, 2 + (count + 1) * kMaxVarint)) {
    ++t->lost;
    return;
  }
  const std::uint64_t now = arch::timestamp();
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(tag);
  p += put_varint(p, now - t->last);
  for (std::size_t i = 0; i < count; ++i) p += put_varint(p, values[i]);
  t->pos = p;
  t->last = now;
}

ThreadLog* start_thread() noexcept {
  ThreadLog* t = allocate_log();
  if (t == nullptr) return &g_dead_log;
  t->tid = current_tid();
  t->parent_tid = t_parent_tid;
  t->last = arch::timestamp();
  t_log = t;
  if (!g_key_ready.load(std::memory_order_acquire)) {
    static std::atomic<int> once{0};
    int expected = 0;
    if (once.compare_exchange_strong(expected, 1)) {
      pthread_key_create(&g_exit_key, on_thread_exit);
      g_key_ready.store(true, std::memory_order_release);
    }
  }
  if (g_key_ready.load(std::memory_order_acquire)) pthread_setspecific(g_exit_key, t);
  map_segment(t);  // without one, thread_start is the first lost event
  const std::uint64_t parent = t->parent_tid;
  write_simple_event(t, Event::thread_start, &parent, 1);
  return t;
}

void finish_thread(ThreadLog* t) noexcept {
  if (t->dead) return;
  write_simple_event(t, Event::thread_exit, nullptr, 0);
  seal_segment(t);
  t->dead = true;
  t_log = &g_dead_log;
  __atomic_store_n(&t->in_use, false, __ATOMIC_RELEASE);
}

void restart_threads_in_child(std::uint32_t parent_pid) noexcept {
  ThreadLog* self = t_log;
  for (ThreadLog* t = g_threads.load(std::memory_order_acquire); t != nullptr; t = t->next) {
    if (t == self) continue;
    // The parent's threads do not exist here; their mappings are the
    // parent's files: never write them, just let go.
    unmap_segment(t);
    t->dead = true;
    t->in_use = false;
  }
  if (self == nullptr || self == &g_dead_log) return;
  unmap_segment(self);
  self->tid = current_tid();
  self->seq = 0;
  self->lost = 0;
  self->parent_tid = 0;
  map_segment(self);  // without one, fork_child is the first lost event
  // fork_child: V dt, V parent pid, V n, the open calls outermost first.
  const std::uint32_t n = self->open < kMaxOpenSites ? self->open : kMaxOpenSites;
  if (!room(self, 2 + 3 * kMaxVarint + n * 5)) {
    ++self->lost;
    return;
  }
  const std::uint64_t now = arch::timestamp();
  std::uint8_t* p = self->pos;
  *p++ = static_cast<std::uint8_t>(Event::fork_child);
  p += put_varint(p, now - self->last);
  p += put_varint(p, parent_pid);
  p += put_varint(p, n);
  for (std::uint32_t i = 0; i < n; ++i) p += put_varint(p, self->sites[i]);
  self->pos = p;
  self->last = now;
}

}  // namespace ariadne::record

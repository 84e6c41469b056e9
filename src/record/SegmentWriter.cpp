// The writer's slow paths (ThreadLog.hpp): a thread's first segment, roll-over
// to seq+1, sealing, lost-event markers, thread exit, and fork.
//
// A thread writes into a *live file* (DIR/<proc>/t<tid>.<k>.live): fixed
// size, created zero-filled (ftruncate) and mapped MAP_SHARED, so every store
// is in the page cache at once and a SIGKILL loses nothing already written
// (the reader stops at the first zero tag of a segment never sealed, and
// takes a live file as the segment its header names). A full segment is
// sealed in place and offered for copying out to t<tid>-<seq>.seg (drain word
// `ready`); the thread goes on in another live file: one `ariadne record`'s
// drainer copied out and handed back (src/cli/LiveFileDrainer.cpp), a new one
// while it has fewer than g_live_files, else the oldest full one, copied out
// with one write() by the thread itself (the only way with one live file).
// Whoever copies claims the file first (compare-and-swap ready -> copying).
// Mapped pages are zeroed and reused, never remapped: a fresh file per
// segment would cost a page fault per 4 KiB of events, several times the
// copy (the page faults were a fifth of a recorded call's cost;
// docs/performance.md). A thread's last segment (thread exit, exec, fatal
// signal) is not copied: the live file is sealed and renamed to its segment
// name.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "arch/Timestamp.hpp"
#include "record/ProcessLog.hpp"
#include "record/RecorderLink.hpp"
#include "record/SegmentCopy.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/RuntimeMappings.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::record {

using namespace ariadne::tracefile;

constinit thread_local ThreadLog* t_log = nullptr;
constinit thread_local std::uint32_t t_parent_tid = 0;

namespace {

std::atomic<ThreadLog*> g_threads{nullptr};
std::uint32_t g_segment_bytes = 1u << 20;
std::uint32_t g_live_files = 1;
bool g_open_sites_from_shadow_stack = false;
pthread_key_t g_exit_key;
std::atomic<bool> g_key_ready{false};

// What an exited thread's later calls (TLS destructors...) write to: nothing.
ThreadLog g_dead_log{};

// After a failed segment, the next attempt only every this many events: a
// full disk must not turn every call into a system call.
constexpr std::uint64_t kRetryEvery = 4096;

// The next segment number of each tid whose thread ended, so that a thread
// that reuses its tid (the kernel hands tids out again: pid_max is 32768 by
// default) goes on from there instead of writing t<tid>-0.seg again over the
// first thread's segments. Indexed by tid (below PID_MAX_LIMIT, 2^22 on
// 64-bit Linux): 16 MiB of address space, mapped at the first thread's end,
// a page touched per 1024 tids.
constexpr std::uint32_t kMaxTids = 1u << 22;
std::atomic<std::uint32_t*> g_next_seq{nullptr};

std::uint32_t next_seq_of(std::uint32_t tid) noexcept {
  std::uint32_t* table = g_next_seq.load(std::memory_order_acquire);
  return table != nullptr && tid < kMaxTids ? __atomic_load_n(&table[tid], __ATOMIC_ACQUIRE) : 0;
}

void remember_next_seq(std::uint32_t tid, std::uint32_t seq) noexcept {
  if (tid >= kMaxTids) return;
  std::uint32_t* table = g_next_seq.load(std::memory_order_acquire);
  if (table == nullptr) {
    void* m = trace::detail::map_runtime(kMaxTids * sizeof(std::uint32_t), PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    if (m == MAP_FAILED) return;
    auto* mine = static_cast<std::uint32_t*>(m);
    if (g_next_seq.compare_exchange_strong(table, mine, std::memory_order_acq_rel))
      table = mine;
    else
      sys_munmap(mine, kMaxTids * sizeof(std::uint32_t));  // another thread's came first: `table`
  }
  __atomic_store_n(&table[tid], seq, __ATOMIC_RELEASE);
}

void on_thread_exit(void* p) {
  // The runtime's code: what it calls is not the program's (replay).
  trace::detail::UntracedScope untraced;
  auto* t = static_cast<ThreadLog*>(p);
  if (t != nullptr && t_log == t) finish_thread(t);
}

ThreadLog* allocate_log() noexcept {
  // Reuse the log of a thread that ended.
  for (ThreadLog* t = g_threads.load(std::memory_order_acquire); t != nullptr; t = t->next) {
    bool expected = false;
    if (t->dead &&
        __atomic_compare_exchange_n(&t->in_use, &expected, true, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
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
  void* m =
      trace::detail::map_runtime(sizeof(ThreadLog), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
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
std::size_t own_file_path(char* out, std::size_t size, std::uint32_t tid, long long seq,
                          const char* suffix) noexcept {
  return thread_file_path(out, size, process_dir(), tid, seq, suffix);
}

// DIR/<proc>/t<tid>.<k>.live; 0 if too long.
std::size_t live_path(char* out, std::size_t size, std::uint32_t tid, std::uint32_t k) noexcept {
  char suffix[32];
  suffix[0] = '.';
  std::size_t n = 1 + append_decimal(suffix + 1, k);
  std::memcpy(suffix + n, ".live", 6);
  return own_file_path(out, size, tid, -1, suffix);
}

// Creates and maps a new live file as t->live[i]; false (nothing mapped) on
// failure. The name is new (O_EXCL): a live file left by an earlier thread
// with the same tid may still wait for the drainer.
bool map_live_file(ThreadLog* t, std::uint32_t i) noexcept {
  char path[4200];
  int fd = -1;
  std::uint32_t k = 0;
  for (int tries = 0; tries < 64; ++tries) {
    k = t->next_name++;
    if (live_path(path, sizeof path, t->tid, k) == 0) return false;
    fd = sys_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd != -EEXIST) break;
  }
  if (fd < 0) return false;
  const std::uint32_t bytes = g_segment_bytes;
  if (sys_ftruncate(fd, bytes) != 0) {
    sys_close(fd);
    sys_unlink(path);
    return false;
  }
  void* m = trace::detail::map_runtime(bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  sys_close(fd);
  if (m == MAP_FAILED) {
    sys_unlink(path);
    return false;
  }
  t->live[i] = static_cast<SegmentHeader*>(m);
  t->live_name[i] = k;
  t->mapped_bytes = bytes;
  return true;
}

// Starts segment t->seq in t->header, whose payload is zero.
void start_segment(ThreadLog* t) noexcept {
  SegmentHeader* h = t->header;
  const std::uint32_t bytes = t->mapped_bytes;
  std::memcpy(h->magic, kSegmentMagic, sizeof h->magic);
  h->version = kFormatVersion;
  h->header_size = kSegmentHeaderSize;
  h->capacity = bytes - kSegmentHeaderSize;
  h->pid = process_pid();
  h->tid = t->tid;
  h->seq = t->seq;
  h->base_timestamp = t->last;
  // The thread's own stack's calls: a reader pairs those within the thread.
  h->depth = t->stack != nullptr ? t->own.open : t->open;
  h->header_crc = segment_header_crc(*h);
  h->used = 0;
  h->payload_crc = 0;
  __atomic_store_n(&h->drain, static_cast<std::uint32_t>(LiveDrain::writing), __ATOMIC_RELAXED);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::open), __ATOMIC_RELEASE);
  t->pos = reinterpret_cast<std::uint8_t*>(h) + kSegmentHeaderSize;
  t->limit = reinterpret_cast<std::uint8_t*>(h) + bytes;
}

// A thread's first live file (or the first after it let them go).
bool first_live_file(ThreadLog* t) noexcept {
  if (!map_live_file(t, 0)) return false;
  t->live_count = 1;
  t->current = 0;
  t->header = t->live[0];
  return true;
}

bool map_segment(ThreadLog* t) noexcept {
  if (t->header == nullptr && !first_live_file(t)) return false;
  start_segment(t);
  return true;
}

// Unmaps every live file without a look at them (a forked child's copies of
// its parent's mappings, or after the thread let them go).
void forget_live_files(ThreadLog* t) noexcept {
  for (std::uint32_t i = 0; i < t->live_count; ++i) sys_munmap(t->live[i], t->mapped_bytes);
  t->live_count = 0;
  t->header = nullptr;
  t->pos = t->limit = nullptr;
}

}  // namespace

std::uint32_t segment_bytes() noexcept { return g_segment_bytes; }
void set_segment_bytes(std::uint32_t bytes) noexcept {
  g_segment_bytes = bytes;
  g_dead_log.dead = true;
}
void set_live_files(std::uint32_t n) noexcept {
  g_live_files = n < 1 ? 1 : n > kMaxLiveFiles ? kMaxLiveFiles : n;
}

void set_open_sites_from_shadow_stack(bool on) noexcept { g_open_sites_from_shadow_stack = on; }

namespace {

// Seals the active segment in place: length and checksum, the state last;
// then, unless it is the thread's last (`last`), offers it for copying out.
void seal_in_place(ThreadLog* t, bool last) noexcept {
  SegmentHeader* h = t->header;
  const std::uint8_t* payload = reinterpret_cast<const std::uint8_t*>(h) + kSegmentHeaderSize;
  const auto used = static_cast<std::uint32_t>(t->pos - payload);
  h->used = used;
  h->payload_crc = crc32c(payload, used);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  __atomic_store_n(&h->state, static_cast<std::uint32_t>(SegmentState::sealed), __ATOMIC_RELEASE);
  if (!last) set_drain(h, LiveDrain::ready);
}

// Makes t->live[i] the file being written, its last segment's bytes zeroed
// (it was copied out: state recycled, nothing to read meanwhile).
void reuse_live_file(ThreadLog* t, std::uint32_t i) noexcept {
  SegmentHeader* h = t->live[i];
  const std::uint32_t used = h->used <= h->capacity ? h->used : h->capacity;
  std::memset(reinterpret_cast<std::uint8_t*>(h) + kSegmentHeaderSize, 0, used);
  t->current = i;
  t->header = h;
}

// After the current segment was sealed: the live file for the next one,
// zeroed past the header (t->header): choose_next_live_file's choice (one
// the drainer copied out, a new one while the thread may keep more, one
// this thread copies out itself).
bool next_live_file(ThreadLog* t) noexcept {
  const std::uint32_t n = t->live_count;
  NextLiveFile next = choose_next_live_file(t->live, n, t->current, n < g_live_files);
  if (next.what == NextLive::map_new) {
    if (map_live_file(t, n)) {
      t->live_count = n + 1;
      t->current = n;
      t->header = t->live[n];
      return true;
    }
    next = choose_next_live_file(t->live, n, t->current, false);
  }
  if (next.what == NextLive::reuse) {
    reuse_live_file(t, next.index);
    return true;
  }
  if (next.what != NextLive::copy_out) return false;
  SegmentHeader* h = t->live[next.index];
  if (!copy_segment_out(process_dir(), h)) {
    set_drain(h, LiveDrain::ready);
    return false;
  }
  std::atomic_signal_fence(std::memory_order_seq_cst);
  reuse_live_file(t, next.index);
  return true;
}

}  // namespace

// The thread's last segment is renamed to its segment name (no one else
// touches a file the thread is writing); of its other live files, one copied
// out goes, one still waiting is renamed to its segment name, and one being
// copied is marked abandoned for the drainer to remove (leave_live_file).
void seal_segment(ThreadLog* t) noexcept {
  char live[4200], path[4200];
  for (std::uint32_t i = 0; i < t->live_count; ++i) {
    SegmentHeader* h = t->live[i];
    const bool named = live_path(live, sizeof live, t->tid, t->live_name[i]) != 0;
    if (i == t->current && t->pos != nullptr) {
      seal_in_place(t, /*last=*/true);
      if (named && own_file_path(path, sizeof path, t->tid, t->seq, ".seg") != 0) sys_rename(live, path);
      ++t->seq;
      continue;
    }
    switch (leave_live_file(h)) {
      case LeftBehind::remove:
        if (named) sys_unlink(live);
        break;
      case LeftBehind::rename:
        if (named && own_file_path(path, sizeof path, h->tid, h->seq, ".seg") != 0) sys_rename(live, path);
        break;
      case LeftBehind::leave:
        break;
    }
  }
  forget_live_files(t);
}

namespace {
// The recorder is gone or asked to stop (RecorderLink.hpp): the segment
// being written is sealed under its final name and nothing more is written
// (no thread_exit: the stream ends as a killed thread's does).
void stop_thread(ThreadLog* t) noexcept {
  seal_segment(t);
  t->dead = true;
}
}  // namespace

bool roll_over(ThreadLog* t, std::size_t n) noexcept {
  if (t->dead) return false;
  if (recording_stopped()) {
    stop_thread(t);
    return false;
  }
  if (t->pos == nullptr) {
    // No segment since a failure (the callers count what they drop): retry
    // now and then only.
    if (t->lost != 0 && t->lost % kRetryEvery != 0) return false;
    if (!(t->header != nullptr ? next_live_file(t) : first_live_file(t))) return false;
  } else {
    seal_in_place(t, /*last=*/false);
    ++t->seq;
    write_clock_chunk();
    if (!next_live_file(t)) {
      t->pos = t->limit = nullptr;
      return false;
    }
  }
  start_segment(t);
  write_lost_marker(t);
  if (t->stack != nullptr) restate_stack(t);
  return t->pos + n <= t->limit;
}

void write_lost_marker(ThreadLog* t) noexcept {
  if (t->lost == 0 && __atomic_load_n(&t->signal_lost, __ATOMIC_RELAXED) == 0) return;
  if (t->pos == nullptr || t->pos + 1 + 2 * kMaxVarint > t->limit) return;  // the next segment says it
  const std::uint64_t lost = t->lost + __atomic_exchange_n(&t->signal_lost, 0, __ATOMIC_RELAXED);
  const std::uint64_t now = arch::timestamp();
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(Event::lost);
  p += put_varint(p, now - t->last);
  p += put_varint(p, lost);
  t->pos = p;
  t->last = now;
  t->lost = 0;
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

namespace {
// t_log and its copy in the trace core's thread state, which the fused paths
// read (one load from the thread state they hold already).
void set_thread_log(ThreadLog* t) noexcept {
  t_log = t;
  trace::detail::thread_state().fused_data = t;
}
}  // namespace

ThreadLog* start_thread() noexcept {
  if (recording_stopped()) {
    set_thread_log(&g_dead_log);
    return &g_dead_log;
  }
  ThreadLog* t = allocate_log();
  if (t == nullptr) return &g_dead_log;
  t->tid = current_tid();
  t->seq = next_seq_of(t->tid);
  t->parent_tid = t_parent_tid;
  t->last = arch::timestamp();
  set_thread_log(t);
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
  write_lost_marker(t);
  write_simple_event(t, Event::thread_exit, nullptr, 0);
  seal_segment(t);
  remember_next_seq(t->tid, t->seq);
  t->dead = true;
  set_thread_log(&g_dead_log);
  __atomic_store_n(&t->in_use, false, __ATOMIC_RELEASE);
}

void restart_threads_in_child(std::uint32_t parent_pid, bool record) noexcept {
  ThreadLog* self = t_log;
  for (ThreadLog* t = g_threads.load(std::memory_order_acquire); t != nullptr; t = t->next) {
    if (t == self && record) continue;
    // The parent's threads do not exist here; their mappings are the
    // parent's files: never write them, just let go.
    forget_live_files(t);
    t->dead = true;
    t->in_use = false;
  }
  // A new process directory: its tids start from segment 0.
  if (std::uint32_t* table = g_next_seq.exchange(nullptr, std::memory_order_acq_rel))
    sys_munmap(table, kMaxTids * sizeof(std::uint32_t));
  if (!record && self != nullptr) set_thread_log(&g_dead_log);
  if (!record || self == nullptr || self == &g_dead_log) return;
  forget_live_files(self);
  self->next_name = 0;
  self->tid = current_tid();
  self->seq = 0;
  self->lost = 0;
  self->signal_lost = 0;
  self->parent_tid = 0;
  // The child has no other fibers: whatever stack it forked on is its
  // thread's own from now on, its open calls listed by fork_child.
  self->stack = nullptr;
  map_segment(self);  // without one, fork_child is the first lost event
  // fork_child: V dt, V parent pid, V n, the open calls outermost first.
  if (g_open_sites_from_shadow_stack) self->open = trace::detail::open_sites(self->sites, kMaxOpenSites);
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

// A stand-in recorder for bench/record_vs_uftrace.sh, until `ariadne record`
// exists: what a recorder built on the public trace API costs per call. Not
// the recorder (src/record/ will be); only its per-call work, done the same
// way: an entry handler and an exit handler (trace.hpp) that append the
// events of src/tracefile/Format.hpp (entry: tag, V site, V dt; exit: tag,
// V dt; dt = counter delta, src/arch/Timestamp.hpp) to a per-thread file
// mapped MAP_SHARED.
//
// Preloaded after libariadne-rt.so (`LD_PRELOAD=librecord_standin.so ariadne
// exec -- PROG`, the launcher puts the runtime first):
//   ARIADNE_STANDIN_DIR=dir   where the segments go (required; created)
//   ARIADNE_STANDIN_PARTS=p   for measuring the parts: "empty" (handlers that
//                             do nothing: the runtime alone), "clock" (read
//                             the counter only); default: the whole events
// It enables every site. Segment files dir/t<tid>-<seq>.seg are cut to the
// bytes written when full and at exit, so `du` of dir is the trace size.
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "arch/Timestamp.hpp"
#include "ariadne/trace.hpp"
#include "tracefile/Format.hpp"

namespace {

namespace trace = ariadne::trace;
namespace tf = ariadne::tracefile;

constexpr std::size_t kSegmentBytes = std::size_t{64} << 20;
constexpr std::size_t kEventRoom = 1 + 2 * tf::kMaxVarint;

const char* g_dir = nullptr;

struct Stream {
  std::uint8_t* base = nullptr;
  std::uint8_t* cursor = nullptr;
  std::uint8_t* limit = nullptr;
  std::uint64_t last = 0;
  int fd = -1;
  unsigned seq = 0;
  bool failed = false;
};
thread_local Stream t_stream;
pthread_key_t g_close_key;

void close_segment(Stream& s) {
  if (s.base == nullptr) return;
  const auto used = static_cast<off_t>(s.cursor - s.base);
  ::munmap(s.base, kSegmentBytes);
  (void)!::ftruncate(s.fd, used);
  ::close(s.fd);
  s.base = s.cursor = s.limit = nullptr;
  s.fd = -1;
}

// Cold: a new segment (first event of the thread, or the last one is full).
[[gnu::noinline]] bool open_segment(Stream& s) {
  close_segment(s);
  if (s.failed) return false;
  char path[4096];
  std::snprintf(path, sizeof path, "%s/t%ld-%u.seg", g_dir, static_cast<long>(::gettid()), s.seq++);
  s.fd = ::open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (s.fd < 0 || ::ftruncate(s.fd, static_cast<off_t>(kSegmentBytes)) != 0) {
    s.failed = true;
    return false;
  }
  void* p = ::mmap(nullptr, kSegmentBytes, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
  if (p == MAP_FAILED) {
    s.failed = true;
    return false;
  }
  s.base = s.cursor = static_cast<std::uint8_t*>(p);
  s.limit = s.base + kSegmentBytes - kEventRoom;
  s.last = ariadne_arch_timestamp();
  pthread_setspecific(g_close_key, &s);
  return true;
}

inline std::uint8_t* room(Stream& s) {
  if (__builtin_expect(s.cursor >= s.limit || s.base == nullptr, 0) && !open_segment(s)) return nullptr;
  return s.cursor;
}

void on_entry(const trace::Site& site, trace::Frame&, void*) {
  Stream& s = t_stream;
  std::uint8_t* p = room(s);
  if (p == nullptr) return;
  const std::uint64_t now = ariadne_arch_timestamp();
  *p++ = static_cast<std::uint8_t>(tf::Event::entry);
  p += tf::put_varint(p, site.id);
  p += tf::put_varint(p, now - s.last);
  s.last = now;
  s.cursor = p;
}

void on_exit(const trace::Site&, trace::Frame&, void*) {
  Stream& s = t_stream;
  std::uint8_t* p = room(s);
  if (p == nullptr) return;
  const std::uint64_t now = ariadne_arch_timestamp();
  *p++ = static_cast<std::uint8_t>(tf::Event::exit);
  p += tf::put_varint(p, now - s.last);
  s.last = now;
  s.cursor = p;
}

void on_entry_empty(const trace::Site&, trace::Frame&, void*) {}
void on_exit_empty(const trace::Site&, trace::Frame&, void*) {}
void on_entry_clock(const trace::Site&, trace::Frame&, void*) { t_stream.last = ariadne_arch_timestamp(); }
void on_exit_clock(const trace::Site&, trace::Frame&, void*) { t_stream.last = ariadne_arch_timestamp(); }

void close_main_stream() { close_segment(t_stream); }

[[gnu::constructor]] void start() {
  g_dir = std::getenv("ARIADNE_STANDIN_DIR");
  if (g_dir == nullptr || *g_dir == '\0') {
    std::fprintf(stderr, "record_standin: set ARIADNE_STANDIN_DIR\n");
    return;
  }
  ::mkdir(g_dir, 0755);
  pthread_key_create(&g_close_key, [](void* s) { close_segment(*static_cast<Stream*>(s)); });
  std::atexit(close_main_stream);
  trace::EntryHandler entry = on_entry;
  trace::ExitHandler exit = on_exit;
  if (const char* parts = std::getenv("ARIADNE_STANDIN_PARTS"); parts != nullptr && *parts != '\0') {
    const bool empty = std::strcmp(parts, "empty") == 0;
    if (!empty && std::strcmp(parts, "clock") != 0) {
      std::fprintf(stderr, "record_standin: ARIADNE_STANDIN_PARTS: empty or clock\n");
      return;
    }
    entry = empty ? on_entry_empty : on_entry_clock;
    exit = empty ? on_exit_empty : on_exit_clock;
  }
  // Lean: the events need the site only (trace.hpp kHandlerLean).
  if (trace::add_entry_handler(entry, nullptr, trace::kHandlerLean) < 0 ||
      trace::add_exit_handler(exit, nullptr, trace::kHandlerLean) < 0 ||
      trace::enable(trace::all()) < 0) {
    std::fprintf(stderr, "record_standin: %s\n", trace::error());
  }
}

}  // namespace

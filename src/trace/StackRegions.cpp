#include "trace/StackRegions.hpp"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"
#include "trace/MapsScan.hpp"
#include "trace/ReturnHooks.hpp"
#include "trace/RuntimeMappings.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::trace::detail {

namespace {

// ---- memory, errno left as the program had it (raw syscalls) ---------------

void* map_bytes(std::size_t n) {
  void* p = map_runtime(n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
  return p == MAP_FAILED ? nullptr : p;
}

void* remap_bytes(void* p, std::size_t old_bytes, std::size_t new_bytes) {
  void* q = remap_runtime(p, old_bytes, new_bytes);
  return q == MAP_FAILED ? nullptr : q;
}

// Not the munmap interposer below.
void unmap_bytes(void* p, std::size_t n) { sys_munmap(p, n); }

// A growable array of trivially copyable T in its own mapping (the runtime
// allocates nothing from the program's heap).
template <typename T>
struct MappedArray {
  T* data = nullptr;
  std::size_t size = 0;
  std::size_t capacity = 0;

  bool reserve(std::size_t n) {
    if (n <= capacity) return true;
    const std::size_t old_bytes = capacity * sizeof(T);
    std::size_t bytes = old_bytes != 0 ? old_bytes * 2 : 16384;
    while (bytes < n * sizeof(T)) bytes *= 2;
    void* p = data != nullptr ? remap_bytes(data, old_bytes, bytes) : map_bytes(bytes);
    if (p == nullptr) return false;
    data = static_cast<T*>(p);
    capacity = bytes / sizeof(T);
    return true;
  }
};

// ---- shadow stacks ---------------------------------------------------------

constexpr std::size_t kFirstShadowBytes = 32 * 1024;  // 127 entries; doubles when full
// The shadow stacks of ended threads, at the first size, are kept for the
// next stacks, so a program that starts and ends threads all the time does
// not map and unmap one per thread (an munmap in a multi-threaded process is
// a TLB shootdown on every CPU). At most this many: 2 MiB of address space,
// little of it touched. (A pooled coroutine stack registered again keeps its
// shadow stack anyway.)
constexpr std::size_t kSpareShadows = 64;
// ARIADNE_SHADOW_LIMIT=N: no shadow stack grows past N entries (0 or unset:
// as far as memory allows). For tests of what the recording says of calls
// left unhooked, and to bound the runtime's memory on a runaway recursion.
// Read once, by init_stack_regions.
constinit std::uint64_t g_shadow_limit = 0;

std::size_t shadow_bytes(std::uint32_t capacity) {
  return offsetof(ShadowStack, entries) + sizeof(ShadowEntry) * capacity;
}
std::uint32_t capacity_of(std::size_t bytes) {
  return static_cast<std::uint32_t>((bytes - offsetof(ShadowStack, entries)) / sizeof(ShadowEntry));
}

// ---- the index and the threads that cache it --------------------------------

struct Region {
  std::uintptr_t lo;
  std::uintptr_t hi;    // 0: retired (kept as a tombstone: its lo keeps the order)
  ShadowStack* shadow;  // made at the first hooked call on the stack
  bool registered;      // by register_stack, not discovered
};

constexpr int kWays = 4;
struct CacheWay {
  std::uintptr_t lo, hi;
  ShadowStack* shadow;
};
// What a thread keeps of the index. Other threads write only `hi` of a way
// (and the thread state's stack_hi), to 0, under the lock: a way then
// matches no SP, whatever it is read with.
struct PerThread {
  CacheWay ways[kWays];
  unsigned next;
  std::uint32_t slot;  // 1 + its index in g_threads; 0: not watched
  bool locking;        // holds (or is taking) the lock
  bool exited;         // past the thread-exit hook: no more shadow stacks
  unsigned exit_rounds;
  // The thread's own stack as pthread_create made it (note_own_stack), or
  // 0, 0: found without reading /proc/self/maps.
  std::uintptr_t own_lo, own_hi;
};
constinit thread_local PerThread t_self{};

struct Watched {
  PerThread* self;  // nullptr: a free slot
  ThreadState* state;
};

std::atomic<int> g_lock{0};
MappedArray<Region> g_index;  // sorted by lo
std::size_t g_tombstones = 0;
MappedArray<Watched> g_threads;
std::atomic<std::uint64_t> g_live{0}, g_made{0}, g_retired{0}, g_unhooked{0};
ShadowStack* g_spares[kSpareShadows];
std::size_t g_spare_count = 0;
pthread_key_t g_exit_key;
bool g_key_ready = false;

bool lock() {
  PerThread& me = t_self;
  if (me.locking) return false;  // a signal handler on a thread inside
  me.locking = true;
  for (unsigned spins = 0; g_lock.exchange(1, std::memory_order_acquire) != 0;) {
    while (g_lock.load(std::memory_order_relaxed) != 0) {
      if (++spins % 64 == 0) sys_sched_yield();
    }
  }
  return true;
}
void unlock() {
  g_lock.store(0, std::memory_order_release);
  t_self.locking = false;
}
class Locked {
 public:
  Locked() : held_(lock()) {}
  ~Locked() {
    if (held_) unlock();
  }
  Locked(const Locked&) = delete;
  Locked& operator=(const Locked&) = delete;
  bool held() const { return held_; }

 private:
  bool held_;
};

// First index whose lo is above x (or at or above it, when `or_equal`).
std::size_t bound(std::uintptr_t x, bool or_equal) {
  std::size_t a = 0, b = g_index.size;
  while (a < b) {
    const std::size_t m = a + (b - a) / 2;
    const std::uintptr_t lo = g_index.data[m].lo;
    if (lo < x || (!or_equal && lo == x))
      a = m + 1;
    else
      b = m;
  }
  return a;
}

// The live region containing sp, or -1. Live regions do not overlap, so it
// can only be the live one with the highest lo at or below sp.
long find(std::uintptr_t sp) {
  for (std::size_t i = bound(sp, false); i > 0;) {
    const Region& r = g_index.data[--i];
    if (r.hi == 0) continue;
    return sp < r.hi ? static_cast<long>(i) : -1;
  }
  return -1;
}

// Into a tombstone beside its place when there is one, else shifted in.
long insert(const Region& r) {
  Region* d = g_index.data;
  const std::size_t n = g_index.size;
  std::size_t pos = bound(r.lo, true);
  if (pos > 0 && d[pos - 1].hi == 0) {
    --pos;
    --g_tombstones;
  } else if (pos < n && d[pos].hi == 0) {
    --g_tombstones;
  } else {
    if (!g_index.reserve(n + 1)) return -1;
    d = g_index.data;
    std::memmove(static_cast<void*>(d + pos + 1), d + pos, (n - pos) * sizeof(Region));
    ++g_index.size;
  }
  d[pos] = r;
  g_live.fetch_add(1, std::memory_order_relaxed);
  return static_cast<long>(pos);
}

// Nobody may use s from now on: every way and thread state that holds it
// stops matching.
void forget(const ShadowStack* s) {
  for (std::size_t i = 0; i < g_threads.size; ++i) {
    const Watched& w = g_threads.data[i];
    if (w.self == nullptr) continue;
    if (__atomic_load_n(&w.state->stack, __ATOMIC_RELAXED) == s) {
      __atomic_store_n(&w.state->stack_hi, 0, __ATOMIC_RELAXED);
    }
    for (CacheWay& c : w.self->ways) {
      if (__atomic_load_n(&c.shadow, __ATOMIC_RELAXED) == s) __atomic_store_n(&c.hi, 0, __ATOMIC_RELAXED);
    }
  }
}

// Open entries are dropped with the shadow stack: whatever ran on the
// stack is gone (thread ended, memory unmapped, stack handed back). An ended
// thread's (`spare`) may be kept for another stack.
void retire(std::size_t i, bool spare = false) {
  Region& r = g_index.data[i];
  ShadowStack* s = r.shadow;
  r.hi = 0;
  r.shadow = nullptr;
  ++g_tombstones;
  g_live.fetch_sub(1, std::memory_order_relaxed);
  g_retired.fetch_add(1, std::memory_order_relaxed);
  if (s == nullptr) return;
  forget(s);
  if (spare && s->capacity == capacity_of(kFirstShadowBytes) && g_spare_count < kSpareShadows) {
    g_spares[g_spare_count++] = s;
    return;
  }
  unmap_bytes(s, shadow_bytes(s->capacity));
}

// Tombstones go when they outnumber the live regions: each removal costs
// O(1) amortised, however the program orders its unregistrations.
void compact() {
  if (g_tombstones < 64 || g_tombstones < g_live.load(std::memory_order_relaxed)) return;
  std::size_t w = 0;
  for (std::size_t i = 0; i < g_index.size; ++i) {
    if (g_index.data[i].hi != 0) g_index.data[w++] = g_index.data[i];
  }
  g_index.size = w;
  g_tombstones = 0;
}

void retire_overlapping(std::uintptr_t lo, std::uintptr_t hi) {
  if (g_live.load(std::memory_order_relaxed) == 0) return;
  std::size_t i = bound(lo, false);
  while (i > 0 && g_index.data[i - 1].hi == 0) --i;
  if (i > 0) --i;  // the one that may contain lo
  for (; i < g_index.size && g_index.data[i].lo < hi; ++i) {
    const Region& r = g_index.data[i];
    if (r.hi > lo) retire(i);
  }
}

ShadowStack* make_shadow(Region& r) {
  void* p = g_spare_count != 0 ? g_spares[--g_spare_count] : map_bytes(kFirstShadowBytes);
  if (p == nullptr) {
    note_unhooked("cannot map a shadow stack");
    return nullptr;
  }
  auto* s = static_cast<ShadowStack*>(p);
  s->top = 0;
  s->capacity = capacity_of(kFirstShadowBytes);
  s->lo = r.lo;
  s->hi = r.hi;
  r.shadow = s;
  g_made.fetch_add(1, std::memory_order_relaxed);
  return s;
}

// A new region for sp from its mapping [lo, hi), clipped to the live
// regions around it. A stack that grew down since it was found (the main
// thread's) has the same top: its region is extended instead.
long add_discovered(std::uintptr_t sp, std::uintptr_t lo, std::uintptr_t hi) {
  const std::size_t at = bound(sp, false);
  for (std::size_t i = at; i > 0;) {
    const Region& r = g_index.data[--i];
    if (r.hi == 0) continue;
    if (r.hi > lo) lo = r.hi;
    break;
  }
  for (std::size_t i = at; i < g_index.size; ++i) {
    Region& r = g_index.data[i];
    if (r.hi == 0) continue;
    if (r.lo >= hi) break;
    if (r.hi == hi && !r.registered && (i == 0 || g_index.data[i - 1].lo < lo)) {
      r.lo = lo;
      if (r.shadow != nullptr) r.shadow->lo = lo;
      return static_cast<long>(i);
    }
    hi = r.lo;
    break;
  }
  return insert(Region{lo, hi, nullptr, false});
}

void on_thread_exit(void*);

// The thread joins the threads whose caches are kept true.
bool watch(PerThread& me) {
  std::size_t i = 0;
  while (i < g_threads.size && g_threads.data[i].self != nullptr) ++i;
  if (i == g_threads.size) {
    if (!g_threads.reserve(i + 1)) return false;
    ++g_threads.size;
  }
  g_threads.data[i] = Watched{&me, &thread_state()};
  me.slot = static_cast<std::uint32_t>(i + 1);
  // Keys below 32 live in the thread descriptor: no allocation.
  if (g_key_ready) ::pthread_setspecific(g_exit_key, &me);
  return true;
}

void unwatch(PerThread& me) {
  if (me.slot != 0) g_threads.data[me.slot - 1].self = nullptr;
  me.slot = 0;
  for (CacheWay& c : me.ways) c = CacheWay{};
  ThreadState& t = thread_state();
  t.stack_hi = 0;
  t.stack = nullptr;
}

// The last round of the thread-specific destructors: calls that other
// destructors make before it are still hooked. The thread's stack is
// retired (glibc reuses it for a later thread, which must not inherit its
// entries).
void on_thread_exit(void*) {
  PerThread& me = t_self;
  if (++me.exit_rounds < PTHREAD_DESTRUCTOR_ITERATIONS) {
    ::pthread_setspecific(g_exit_key, &me);
    return;
  }
  Locked l;
  if (!l.held()) return;
  me.exited = true;
  const long i = find(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  if (i >= 0 && !g_index.data[i].registered) retire(static_cast<std::size_t>(i), /*spare=*/true);
  unwatch(me);
  compact();
}

// In a thread pthread_create started, before its routine: the stack made
// for it, so that its first hooked call needs no read of /proc/self/maps (a
// whole file per thread; under qemu-aarch64, which writes the file out at
// every open, most of what a short thread costs the tracer). Exact for a
// stack the program gave (pthread_attr_setstack) too, where the mapping
// would be the whole allocation it was carved from.
void note_own_stack() {
  const int saved_errno = errno;
  pthread_attr_t attr;
  if (::pthread_getattr_np(::pthread_self(), &attr) == 0) {
    void* addr = nullptr;
    std::size_t size = 0;
    if (::pthread_attr_getstack(&attr, &addr, &size) == 0 && size != 0) {
      t_self.own_lo = reinterpret_cast<std::uintptr_t>(addr);
      t_self.own_hi = t_self.own_lo + size;
    }
    ::pthread_attr_destroy(&attr);
  }
  errno = saved_errno;
}

std::atomic<void (*)(std::uint32_t)> g_start_observer{nullptr};

// pthread_create's routine runs inside this (the interposer below).
struct ThreadStart {
  void* (*routine)(void*);
  void* arg;
  std::uint32_t creator_tid;
};

void* start_routine(void* p) {
  const ThreadStart start = *static_cast<ThreadStart*>(p);
  std::free(p);
  note_own_stack();
  if (auto* observer = g_start_observer.load(std::memory_order_acquire)) observer(start.creator_tid);
  return start.routine(start.arg);
}

// Under the lock: the region of sp with its shadow stack, or nullptr.
ShadowStack* known_shadow(std::uintptr_t sp, bool* absent) {
  const long i = find(sp);
  *absent = i < 0;
  if (i < 0) return nullptr;
  Region& r = g_index.data[i];
  return r.shadow != nullptr ? r.shadow : make_shadow(r);
}

}  // namespace

ShadowStack* shadow_stack_for(std::uintptr_t key) noexcept {
  // A key is the SP a call was entered with; its frame lies below it. A
  // stack's first call may be entered with SP at the very top (AArch64
  // makecontext), so keys belong to (lo, hi]: look up the byte below.
  const std::uintptr_t sp = key - 1;
  PerThread& me = t_self;
  for (CacheWay& c : me.ways) {
    if (sp >= c.lo && sp < c.hi) return c.shadow;
  }
  if (me.exited) return nullptr;
  ShadowStack* s = nullptr;
  {
    Locked l;
    if (!l.held()) {
      note_unhooked("a signal handler interrupted the stack index on its thread");
      return nullptr;
    }
    if (me.slot == 0 && !watch(me)) {
      note_unhooked("cannot map the list of threads");
      return nullptr;
    }
    bool absent = false;
    s = known_shadow(sp, &absent);
    if (!absent && s == nullptr) return nullptr;
  }
  if (s == nullptr) {
    // The thread's own stack is known from pthread_create; any other is
    // read without the lock (system calls). Another thread may meanwhile
    // register a stack beside this one, so the regions are looked at again.
    std::uintptr_t lo = me.own_lo, hi = me.own_hi;
    if ((sp < lo || sp >= hi) && !mapping_of(sp, &lo, &hi)) {
      note_unhooked("the stack pointer is in no mapping of /proc/self/maps");
      return nullptr;
    }
    Locked l;
    if (!l.held()) return nullptr;
    bool absent = false;
    s = known_shadow(sp, &absent);
    if (absent) {
      const long i = add_discovered(sp, lo, hi);
      if (i < 0) {
        note_unhooked("cannot grow the index of stacks");
        return nullptr;
      }
      Region& r = g_index.data[i];
      s = r.shadow != nullptr ? r.shadow : make_shadow(r);
    }
    if (s == nullptr) return nullptr;
  }
  CacheWay& c = me.ways[me.next++ % kWays];
  c.lo = s->lo;
  c.shadow = s;
  c.hi = s->hi;
  return s;
}

ShadowStack* grow_shadow_stack(ShadowStack* s) noexcept {
  Locked l;
  if (!l.held()) return nullptr;
  const long i = find(s->lo);
  if (i < 0 || g_index.data[i].shadow != s) return nullptr;
  const std::size_t old_bytes = shadow_bytes(s->capacity);
  const std::size_t new_bytes = old_bytes * 2;
  if (new_bytes / sizeof(ShadowEntry) >= UINT32_MAX) return nullptr;
  if (g_shadow_limit != 0 && capacity_of(new_bytes) > g_shadow_limit) return nullptr;
  void* p = remap_bytes(s, old_bytes, new_bytes);
  if (p == nullptr) return nullptr;
  auto* n = static_cast<ShadowStack*>(p);
  n->capacity = capacity_of(new_bytes);
  g_index.data[i].shadow = n;
  if (n != s) forget(s);
  set_thread_stack(thread_state(), n);
  return n;
}

void set_thread_stack(ThreadState& t, ShadowStack* s) noexcept {
  t.stack_lo = s->lo + 1;
  t.stack_hi = s->hi + 1;
  t.stack = s;
}

std::uint32_t open_sites(std::uint32_t* out, std::uint32_t max) noexcept {
  const ShadowStack* s = shadow_stack_for(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  if (s == nullptr) return 0;
  const std::uint32_t n = s->top;
  for (std::uint32_t i = 0; i < n && i < max; ++i) out[i] = s->entries[i].site_id;
  return n;
}

void note_unhooked(const char* why) noexcept {
  if (g_unhooked.fetch_add(1, std::memory_order_relaxed) != 0) return;
  char line[256];
  std::size_t n = 0;
  for (const char* part : {"ariadne-rt: a call gets no return hook (", why,
                           "): its exit is not traced; every such call is counted\n"}) {
    for (; *part != '\0' && n < sizeof line; ++part) line[n++] = *part;
  }
  sys_write_all(STDERR_FILENO, line, n);
}

std::uint64_t unhooked_calls() noexcept { return g_unhooked.load(std::memory_order_relaxed); }

StackRegionCounts stack_region_counts() noexcept {
  return {g_live.load(std::memory_order_relaxed), g_made.load(std::memory_order_relaxed),
          g_retired.load(std::memory_order_relaxed)};
}

void set_thread_start_observer(void (*observer)(std::uint32_t creator_tid)) noexcept {
  g_start_observer.store(observer, std::memory_order_release);
}

void init_stack_regions() noexcept {
  g_key_ready = ::pthread_key_create(&g_exit_key, on_thread_exit) == 0;
  if (const char* text = std::getenv("ARIADNE_SHADOW_LIMIT"); text != nullptr) {
    for (; *text >= '0' && *text <= '9' && g_shadow_limit < (UINT64_MAX - 9) / 10; ++text)
      g_shadow_limit = g_shadow_limit * 10 + static_cast<std::uint64_t>(*text - '0');
  }
  // A fork while another thread holds the lock must not leave it held in
  // the child, whose only thread is the forking one.
  ::pthread_atfork([] { (void)lock(); }, [] { unlock(); },
                   [] {
                     for (std::size_t i = 0; i < g_threads.size; ++i) {
                       if (g_threads.data[i].self != &t_self) g_threads.data[i].self = nullptr;
                     }
                     unlock();
                   });
}

}  // namespace ariadne::trace::detail

using namespace ariadne::trace::detail;

ARIADNE_RT_EXPORT int ariadne_trace_register_stack(const void* lo_p, const void* hi_p) noexcept {
  const auto lo = reinterpret_cast<std::uintptr_t>(lo_p);
  const auto hi = reinterpret_cast<std::uintptr_t>(hi_p);
  if (lo >= hi) return -1;
  Locked l;
  if (!l.held()) return -1;
  const long i = find(lo);
  if (i >= 0) {
    Region& r = g_index.data[i];
    if (r.registered && r.lo == lo && r.hi == hi) {
      // Registered again (a pool's stack handed to a new coroutine): what
      // the last one left open is gone.
      if (r.shadow != nullptr) r.shadow->top = 0;
      return 0;
    }
  }
  retire_overlapping(lo, hi);
  const long at = insert(Region{lo, hi, nullptr, true});
  compact();
  return at < 0 ? -1 : 0;
}

ARIADNE_RT_EXPORT int ariadne_trace_unregister_stack(const void* lo_p) noexcept {
  const auto lo = reinterpret_cast<std::uintptr_t>(lo_p);
  Locked l;
  if (!l.held()) return -1;
  const long i = find(lo);
  if (i < 0 || g_index.data[i].lo != lo || !g_index.data[i].registered) return -1;
  retire(static_cast<std::size_t>(i));
  compact();
  return 0;
}

// Every thread the program starts learns its stack first (note_own_stack).
// Forwarded as it is when the start cannot be wrapped, and in a process
// with ThreadSanitizer: its pthread_create runs first and hands us its own
// start routine, so ours would run on the new thread before TSan has set
// the thread up, and the malloc/free and pthread_getattr_np (which
// allocates) there crash in TSan's allocator. Such threads learn their
// stacks from the mapping at their first hooked call, as threads started
// without pthread_create do.
ARIADNE_RT_EXPORT int pthread_create(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                                     void* arg) {
  using Fn = int (*)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  static Fn real = next_definition<Fn>("pthread_create");
  static const bool under_tsan = ::dlsym(RTLD_DEFAULT, "__tsan_init") != nullptr;
  if (under_tsan) return real(thread, attr, routine, arg);
  auto* start = static_cast<ThreadStart*>(std::malloc(sizeof(ThreadStart)));
  if (start == nullptr) return real(thread, attr, routine, arg);
  const bool observed = g_start_observer.load(std::memory_order_acquire) != nullptr;
  *start = {routine, arg, observed ? static_cast<std::uint32_t>(ariadne::sys_gettid()) : 0u};
  const int rc = real(thread, attr, start_routine, start);
  if (rc != 0) std::free(start);
  return rc;
}

// Stacks whose memory goes are retired first: a mapping made later at the
// same place is another stack.
// The program's munmap, defined here on purpose (NoLibcSyscalls.hpp keeps
// the name for calls only): it sets errno on failure as libc's would. It
// goes on to the next definition (libariadne-replay.so's in a replayable
// run, which logs it: MemoryInterposers.cpp), else the raw call.
#undef munmap
ARIADNE_RT_EXPORT int munmap(void* addr, std::size_t len) noexcept {
  using Fn = int (*)(void*, std::size_t);
  static const Fn next = next_definition<Fn>("munmap");
  if (g_live.load(std::memory_order_relaxed) != 0 && len != 0) {
    const auto lo = reinterpret_cast<std::uintptr_t>(addr);
    Locked l;
    if (l.held()) {
      retire_overlapping(lo, lo + len);
      compact();
    }
  }
  if (next != nullptr) return next(addr, len);
  const int rc = ariadne::sys_munmap(addr, len);
  if (rc == 0) return 0;
  errno = -rc;  // the program's call: libc's contract
  return -1;
}

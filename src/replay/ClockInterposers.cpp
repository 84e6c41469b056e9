// The clocks of a replayable run: libc's clock_gettime, gettimeofday, time,
// clock_getres, timespec_get and clock, and the vDSO's own entry points.
//
// Why the vDSO too: libc reads the clocks through the vDSO without passing
// its exported functions (timespec_get, clock, the temporary names of
// mkstemp, any libc-internal __clock_gettime), and a program may look the
// vDSO up itself. Its entry points are diverted here (divert_vdso), so every
// clock read of the program is one logged call, whoever made it.
//
// Record reads the clock through the vDSO's own code (a trampoline past the
// diversion) or, where there is none, makes the system call through the raw
// layer; never through libc's function, which would run the diverted vDSO
// entry and log the read twice.
// Replay hands back the logged result and memory. A read made inside the
// real function of another intercepted call (in_real_call) belongs to that
// call and is made, not logged.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp here (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "arch/CodePatch.hpp"
#include "arch/MovablePrefix.hpp"
#include "arch/RawSyscall.hpp"
#include "replay/Interposer.hpp"
#include "trace/RuntimeMappings.hpp"

using namespace ariadne::replay;

namespace {

// The vDSO's own functions, reached through their trampolines once diverted
// (divert_vdso): the recorded run reads the clocks as fast as natively
// (≈ 50 ns here against ≈ 420 ns for the system call, *measured*). Null
// where there is no vDSO or no trampoline could be made: the system call.
struct VdsoOriginals {
  long (*clock_gettime)(long, void*) = nullptr;
  long (*gettimeofday)(void*, void*) = nullptr;
  long (*time)(void*) = nullptr;
  long (*clock_getres)(long, void*) = nullptr;
  long (*getcpu)(void*, void*, void*) = nullptr;
};
VdsoOriginals g_vdso;

// A raw system call's result as libc returns it: -1 with errno.
long as_libc(long r) {
  if (ariadne::sys_error(r) == 0) return r;
  errno = ariadne::sys_error(r);
  return -1;
}

// One logged call: made directly when the thread is not replay's or is in
// another call's real function.
long logged_call(std::uint64_t nr, std::uint64_t digest, Args& a) {
  ReplayThread* me = self();
  if (me == nullptr || me->in_real_call) return a.call(a);
  return call(me, nr, digest, false, false, a);
}

int one_output(const Args& x, long r, OutBuf* o, std::size_t at, std::size_t bytes) {
  if (r != 0 || x.a[at] == 0) return 0;
  o[0] = {reinterpret_cast<void*>(x.a[at]), bytes};
  return 1;
}

int logged_clock_gettime(clockid_t clock, struct timespec* ts) {
  Args a{[](const Args& x) -> long {
           const auto clock = static_cast<long>(x.a[0]);
           auto* ts = reinterpret_cast<void*>(x.a[1]);
           return as_libc(g_vdso.clock_gettime != nullptr
                              ? g_vdso.clock_gettime(clock, ts)
                              : ariadne::raw_syscall(SYS_clock_gettime, clock, ts));
         },
         {static_cast<std::uint64_t>(clock), word(ts)},
         [](const Args& x, long r, OutBuf* o) { return one_output(x, r, o, 1, sizeof(struct timespec)); }};
  return static_cast<int>(
      logged_call(kCallClockGettime, digest_words({kCallClockGettime, a.a[0], a.a[1]}), a));
}

int logged_gettimeofday(struct timeval* tv, void* tz) {
  Args a{[](const Args& x) -> long {
           auto* tv = reinterpret_cast<struct timeval*>(x.a[0]);
           auto* tz = reinterpret_cast<void*>(x.a[1]);
           if (g_vdso.gettimeofday != nullptr) return as_libc(g_vdso.gettimeofday(tv, tz));
           // Its vDSO code reads RIP-relative at once (no trampoline): the
           // clock's, where there is one.
           struct timespec ts {};
           if (tz == nullptr && tv != nullptr && g_vdso.clock_gettime != nullptr &&
               g_vdso.clock_gettime(CLOCK_REALTIME, &ts) == 0) {
             *tv = {ts.tv_sec, static_cast<suseconds_t>(ts.tv_nsec / 1000)};
             return 0;
           }
           return as_libc(ariadne::raw_syscall(SYS_gettimeofday, tv, tz));
         },
         {word(tv), word(tz)},
         [](const Args& x, long r, OutBuf* o) { return one_output(x, r, o, 0, sizeof(struct timeval)); }};
  return static_cast<int>(logged_call(kCallGettimeofday, digest_words({kCallGettimeofday, a.a[0]}), a));
}

// time(2) is not a system call on every architecture: the seconds of
// CLOCK_REALTIME, as libc computes it there.
time_t logged_time() {
  Args a{[](const Args&) -> long {
           if (g_vdso.time != nullptr) return g_vdso.time(nullptr);
           struct timespec ts {};
           const long r = g_vdso.clock_gettime != nullptr
                              ? g_vdso.clock_gettime(CLOCK_REALTIME, &ts)
                              : ariadne::raw_syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
           return r == 0 ? static_cast<long>(ts.tv_sec) : as_libc(r);
         },
         {},
         nullptr};
  return logged_call(kCallTime, digest_words({kCallTime}), a);
}

int logged_clock_getres(clockid_t clock, struct timespec* res) {
  Args a{[](const Args& x) -> long {
           const auto clock = static_cast<long>(x.a[0]);
           auto* res = reinterpret_cast<void*>(x.a[1]);
           return as_libc(g_vdso.clock_getres != nullptr
                              ? g_vdso.clock_getres(clock, res)
                              : ariadne::raw_syscall(SYS_clock_getres, clock, res));
         },
         {static_cast<std::uint64_t>(clock), word(res)},
         [](const Args& x, long r, OutBuf* o) { return one_output(x, r, o, 1, sizeof(struct timespec)); }};
  return static_cast<int>(logged_call(SYS_clock_getres, digest_words({SYS_clock_getres, a.a[0], a.a[1]}), a));
}

int logged_getcpu(unsigned* cpu, unsigned* node) {
  Args a{[](const Args& x) -> long {
           auto* cpu = reinterpret_cast<void*>(x.a[0]);
           auto* node = reinterpret_cast<void*>(x.a[1]);
           return as_libc(g_vdso.getcpu != nullptr ? g_vdso.getcpu(cpu, node, nullptr)
                                                   : ariadne::raw_syscall(SYS_getcpu, cpu, node, 0));
         },
         {word(cpu), word(node)},
         [](const Args& x, long r, OutBuf* o) {
           int n = 0;
           for (std::size_t i = 0; i < 2; ++i)
             if (r == 0 && x.a[i] != 0) o[n++] = {reinterpret_cast<void*>(x.a[i]), sizeof(unsigned)};
           return n;
         }};
  return static_cast<int>(logged_call(SYS_getcpu, digest_words({SYS_getcpu, a.a[0], a.a[1]}), a));
}

// ---------------------------------------------------------------- the vDSO's entry points
// They return what the system call returns (-errno on failure) and leave
// errno alone: libc's callers check the result that way.

// A logged call's result the kernel's way (-errno), errno as it was.
template <typename Call>
long kernel_style(Call logged) {
  const int saved = errno;
  long r = logged();
  if (r == -1) r = -errno;
  errno = saved;
  return r;
}

int vdso_clock_gettime(clockid_t clock, struct timespec* ts) {
  return static_cast<int>(kernel_style([&] { return logged_clock_gettime(clock, ts); }));
}
int vdso_gettimeofday(struct timeval* tv, void* tz) {
  return static_cast<int>(kernel_style([&] { return logged_gettimeofday(tv, tz); }));
}
time_t vdso_time(time_t* out) {
  const int saved = errno;
  const time_t t = logged_time();
  errno = saved;
  if (out != nullptr) *out = t;
  return t;
}
int vdso_clock_getres(clockid_t clock, struct timespec* res) {
  return static_cast<int>(kernel_style([&] { return logged_clock_getres(clock, res); }));
}
long vdso_getcpu(unsigned* cpu, unsigned* node, void*) {
  return kernel_style([&] { return logged_getcpu(cpu, node); });
}

// The entry points by their names in each architecture's vDSO (x86-64
// __vdso_*, AArch64 __kernel_*); a name the vDSO lacks is skipped.
struct Diversion {
  const char* name;
  void* target;
  void** original;  // where its trampoline goes
};
const Diversion kDiversions[] = {
    {"__vdso_clock_gettime", reinterpret_cast<void*>(&vdso_clock_gettime),
     reinterpret_cast<void**>(&g_vdso.clock_gettime)},
    {"__kernel_clock_gettime", reinterpret_cast<void*>(&vdso_clock_gettime),
     reinterpret_cast<void**>(&g_vdso.clock_gettime)},
    {"__vdso_gettimeofday", reinterpret_cast<void*>(&vdso_gettimeofday),
     reinterpret_cast<void**>(&g_vdso.gettimeofday)},
    {"__kernel_gettimeofday", reinterpret_cast<void*>(&vdso_gettimeofday),
     reinterpret_cast<void**>(&g_vdso.gettimeofday)},
    {"__vdso_time", reinterpret_cast<void*>(&vdso_time), reinterpret_cast<void**>(&g_vdso.time)},
    {"__vdso_clock_getres", reinterpret_cast<void*>(&vdso_clock_getres),
     reinterpret_cast<void**>(&g_vdso.clock_getres)},
    {"__kernel_clock_getres", reinterpret_cast<void*>(&vdso_clock_getres),
     reinterpret_cast<void**>(&g_vdso.clock_getres)},
    {"__vdso_getcpu", reinterpret_cast<void*>(&vdso_getcpu), reinterpret_cast<void**>(&g_vdso.getcpu)},
};

// Trampolines: the instructions a diversion overwrites, then a veneer back
// to the instruction after them. One page of the runtime's own (apart from
// the program's mappings), read-execute once written.
constexpr std::size_t kTrampolineBytes = 64;
std::byte* g_trampolines = nullptr;
std::size_t g_trampolines_used = 0;

// The trampoline of the function at `entry` whose first `pad` bytes are a
// landing pad the diversion keeps; nullptr when its first instructions
// cannot run elsewhere.
void* make_trampoline(std::byte* entry, std::size_t size, std::size_t pad) {
  const std::size_t veneer = ariadne::arch::veneer_size();
  const std::size_t moved = ariadne::arch::movable_prefix(entry + pad, size - pad, veneer);
  if (moved == 0 || pad + moved + veneer > kTrampolineBytes || g_trampolines == nullptr ||
      g_trampolines_used + kTrampolineBytes > static_cast<std::size_t>(sysconf(_SC_PAGESIZE)))
    return nullptr;
  std::byte* t = g_trampolines + g_trampolines_used;
  g_trampolines_used += kTrampolineBytes;
  std::memcpy(t, entry, pad + moved);  // the landing pad too: the trampoline is called indirectly
  ariadne::arch::write_veneer(t + pad + moved, reinterpret_cast<std::uintptr_t>(entry + pad + moved));
  return t;
}

// One entry's diversion, encoded in a copy of its first bytes (the veneer
// is position-independent): `pad` bytes of landing pad kept, `bytes` written.
struct Encoded {
  std::byte code[32];
  std::size_t bytes = 0;
  std::size_t pad = 0;
};
Encoded encode(const std::byte* entry, std::size_t size, void* target) {
  Encoded e;
  const std::size_t n = size < sizeof e.code ? size : sizeof e.code;
  std::memcpy(e.code, entry, n);
  e.bytes = ariadne::arch::write_diversion(e.code, n, reinterpret_cast<std::uintptr_t>(target));
  if (e.bytes != 0) e.pad = e.bytes - ariadne::arch::veneer_size();
  return e;
}

// Writes an encoded diversion over its entry. The vDSO is the process's
// private mapping, but newer kernels refuse to make it writable (Linux 6.18
// here: mprotect EINVAL, *measured*); a write through /proc/self/mem (what a
// debugger does: copy-on-write, the page stays read-execute) still goes
// through. The page is made writable where the kernel allows it.
bool divert(std::byte* entry, const Encoded& e) {
  const long page = sysconf(_SC_PAGESIZE);
  auto* first = reinterpret_cast<std::byte*>(reinterpret_cast<std::uintptr_t>(entry) & ~(page - 1));
  const std::size_t span = static_cast<std::size_t>(entry + e.bytes - first);
  if (ariadne::sys_mprotect(first, span, PROT_READ | PROT_WRITE | PROT_EXEC) == 0) {
    std::memcpy(entry, e.code, e.bytes);
    ariadne::sys_mprotect(first, span, PROT_READ | PROT_EXEC);
    return true;
  }
  const int mem = ariadne::sys_open("/proc/self/mem", O_RDWR | O_CLOEXEC);
  if (mem < 0) return false;
  const long r =
      ariadne::raw_syscall(SYS_pwrite64, mem, e.code, e.bytes, reinterpret_cast<std::uintptr_t>(entry));
  ariadne::sys_close(mem);
  return r == static_cast<long>(e.bytes);
}

}  // namespace

void ariadne::replay::divert_vdso() noexcept {
  // The loader's own lookup of the vDSO it registered (no ELF of ours to
  // parse); none under qemu-user, which maps no vDSO.
  void* vdso = dlopen("linux-vdso.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (vdso == nullptr) vdso = dlopen("linux-vdso64.so.1", RTLD_LAZY | RTLD_NOLOAD);
  if (vdso == nullptr) return;
  const auto page = static_cast<std::size_t>(sysconf(_SC_PAGESIZE));
  void* room = ariadne::trace::detail::map_runtime(page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS);
  if (room != MAP_FAILED) g_trampolines = static_cast<std::byte*>(room);
  for (const Diversion& d : kDiversions) {
    void* entry = dlsym(vdso, d.name);
    Dl_info info{};
    const ElfW(Sym)* sym = nullptr;
    if (entry == nullptr ||
        dladdr1(entry, &info, reinterpret_cast<void**>(const_cast<ElfW(Sym)**>(&sym)), RTLD_DL_SYMENT) == 0 ||
        sym == nullptr)
      continue;
    auto* code = static_cast<std::byte*>(entry);
    const Encoded e = encode(code, sym->st_size, d.target);
    if (e.bytes == 0) continue;
    void* original = make_trampoline(code, sym->st_size, e.pad);
    if (divert(code, e) && original != nullptr) *d.original = original;
  }
  if (g_trampolines != nullptr) ariadne::sys_mprotect(g_trampolines, page, PROT_READ | PROT_EXEC);
  dlclose(vdso);
}

// ---------------------------------------------------------------- libc's functions

ARIADNE_REPLAY_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) {
  return logged_clock_gettime(clock, ts);
}

ARIADNE_REPLAY_EXPORT int gettimeofday(struct timeval* tv, void* tz) { return logged_gettimeofday(tv, tz); }

ARIADNE_REPLAY_EXPORT time_t time(time_t* out) {
  const time_t t = logged_time();
  if (out != nullptr && t != static_cast<time_t>(-1)) *out = t;
  return t;
}

ARIADNE_REPLAY_EXPORT int clock_getres(clockid_t clock, struct timespec* res) {
  return logged_clock_getres(clock, res);
}

// The processor a thread runs on: glibc reads it from the vDSO, or from
// the rseq area the kernel keeps (no system call at all).
ARIADNE_REPLAY_EXPORT int getcpu(unsigned* cpu, unsigned* node) { return logged_getcpu(cpu, node); }

ARIADNE_REPLAY_EXPORT int sched_getcpu() {
  unsigned cpu = 0;
  return logged_getcpu(&cpu, nullptr) == 0 ? static_cast<int>(cpu) : -1;
}

// libc makes these of its internal clock_gettime, which no interposer sees
// where there is no vDSO to divert (qemu-user).
ARIADNE_REPLAY_EXPORT int timespec_get(struct timespec* ts, int base) {
  if (base != TIME_UTC) return 0;
  return logged_clock_gettime(CLOCK_REALTIME, ts) == 0 ? base : 0;
}

ARIADNE_REPLAY_EXPORT clock_t clock() {
  struct timespec ts {};
  if (logged_clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return static_cast<clock_t>(-1);
  return static_cast<clock_t>(ts.tv_sec * CLOCKS_PER_SEC + ts.tv_nsec / (1000000000 / CLOCKS_PER_SEC));
}

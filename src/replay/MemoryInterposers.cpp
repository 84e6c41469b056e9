// The program's own mappings (docs/replay.md, "Memory"): mmap, mmap64,
// munmap and mremap as a replayable run sees them.
//
// The address space is the process's own, so these calls are made in
// replay too, and their results are re-imposed rather than handed back:
//   * anonymous mmap: made again with the logged address as the hint, and
//     the address checked (QEMU user mode ignores MAP_FIXED_NOREPLACE, so a
//     hint and a check is what works everywhere);
//   * file-backed mmap: the file's bytes inside the mapping are saved with
//     the event when recording (the file need not exist in replay, and its
//     fd there is a stand-in for /dev/null: StandIn.hpp); replay maps
//     anonymous memory at the logged address, copies them in and sets the
//     recorded protection;
//   * munmap, mremap: made again (a mremap that moved is steered to the
//     logged address), the result compared with the log.
// A result that differs is a divergence (Session.cpp), never a silently
// different replay. The runtime's own mappings use the raw layer
// (sys_mmap), and libc's internal ones (malloc, thread stacks, the dynamic
// loader) do not come through these exported functions.
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <cstdarg>
#include <cstring>

#include "arch/RawSyscall.hpp"
#include "replay/Interposer.hpp"

using namespace ariadne::replay;

namespace {

constexpr long kFailed = -1;  // MAP_FAILED as the logged result

// One mmap: its arguments (addr, length, prot, flags, fd, offset) and the
// part of the file inside the mapping that is logged with it.
struct MapCall {
  Args args;
  std::size_t file_bytes = 0;
  bool replaying = false;
};
MapCall& map_call(const Args& a) { return *reinterpret_cast<MapCall*>(const_cast<Args*>(&a)); }

void* real_mmap(void* addr, std::size_t len, int prot, int flags, int fd, off_t off) {
  static const auto real = next<decltype(&::mmap)>("mmap");
  return real(addr, len, prot, flags, fd, off);
}

bool anonymous(int flags) { return (flags & MAP_ANONYMOUS) != 0; }

// Record: how many bytes of the file the mapping shows (from the offset to
// the end of the file, at most the length). Zero for what is not a regular
// file (/dev/zero), and when fstat fails (mmap will fail too). Raw: an
// fstat through libc would be one of the program's logged calls.
std::size_t file_bytes_inside(int fd, std::size_t len, off_t off) {
  struct stat st {};
  if (ariadne::sys_fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= off) return 0;
  const auto rest = static_cast<std::size_t>(st.st_size - off);
  return rest < len ? rest : len;
}

// The file's bytes, logged as the memory the call "wrote" (record only:
// replay copies them itself, reimpose_mmap).
int mapped_file_bytes(const Args& a, long r, OutBuf* o) {
  const MapCall& m = map_call(a);
  if (m.replaying || m.file_bytes == 0 || r == kFailed) return 0;
  // A mapping the program cannot read (PROT_NONE, execute-only) is made
  // readable while the event is written; put back after (mmap below).
  if ((a.a[2] & PROT_READ) == 0)
    ariadne::sys_mprotect(reinterpret_cast<void*>(r), a.a[1], static_cast<int>(a.a[2]) | PROT_READ);
  o[0] = {reinterpret_cast<void*>(r), m.file_bytes};
  return 1;
}

// Replay: the mapping made again where the log says it was.
long reimpose_mmap(void* ctx, const EventView& ev) {
  MapCall& m = *static_cast<MapCall*>(ctx);
  const Args& a = m.args;
  const auto logged = static_cast<long>(ev.head.b);
  if (logged == kFailed) return kFailed;  // it failed when recorded: not made again
  auto* want = reinterpret_cast<void*>(logged);
  const int prot = static_cast<int>(a.a[2]);
  const int flags = static_cast<int>(a.a[3]);
  // MAP_FIXED: the program's own address (the logged one, in a faithful run).
  void* at = (flags & MAP_FIXED) != 0 ? reinterpret_cast<void*>(a.a[0]) : want;
  if (anonymous(flags))
    return reinterpret_cast<long>(real_mmap(at, a.a[1], prot, flags, -1, static_cast<off_t>(a.a[5])));
  void* got = real_mmap(at, a.a[1], PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)), -1, 0);
  if (got != want) return reinterpret_cast<long>(got);
  std::uint64_t addr = 0, n = 0;
  const std::uint8_t* bytes = nullptr;
  if (logged_output(ev, 0, addr, n, bytes)) {
    // The log holds the bytes of this mapping and no more (it is checked
    // by CRC; a mismatch here is a log written by another program).
    if (addr != word(want) || n > a.a[1]) return kFailed;
    std::memcpy(got, bytes, n);
  }
  if (prot != (PROT_READ | PROT_WRITE) && ariadne::sys_mprotect(got, a.a[1], prot) != 0) return kFailed;
  return logged;
}

// Replay: made again as the program asked; intercept() compares the result.
long execute_again(void* ctx, const EventView&) { return run_args(ctx); }

}  // namespace

ARIADNE_REPLAY_EXPORT void* mmap(void* addr, size_t len, int prot, int flags, int fd, off_t off) {
  ReplayThread* me = self();
  if (me == nullptr) return real_mmap(addr, len, prot, flags, fd, off);
  MapCall m{{[](const Args& x) -> long {
               return reinterpret_cast<long>(real_mmap(reinterpret_cast<void*>(x.a[0]), x.a[1],
                                                       static_cast<int>(x.a[2]), static_cast<int>(x.a[3]),
                                                       static_cast<int>(x.a[4]), static_cast<off_t>(x.a[5])));
             },
             {word(addr), len, static_cast<std::uint64_t>(prot), static_cast<std::uint64_t>(flags),
              static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(off)},
             mapped_file_bytes}};
  m.replaying = mode() == Mode::replay;
  if (!m.replaying && !anonymous(flags)) {
    m.file_bytes = file_bytes_inside(fd, len, off);
    // What one event of the log holds (with its address and length words).
    if (m.file_bytes + 16 > kMaxEventData) {
      ariadne::sys_print(2,
                         "ariadne-replay: mmap of %zu bytes of fd %d, more than one event of the log holds "
                         "(%u): the recording stops here\n",
                         m.file_bytes, fd, kMaxEventData);
      ariadne::sys_exit_group(125);
    }
  }
  // The arguments that must match: all six (a hint of 0 stays 0; the fd
  // number is the recorded one in replay, whose fd table is the recorded one).
  const CallSpec spec{SYS_mmap, args_digest(SYS_mmap, m.args, 6), false, true, reimpose_mmap};
  const long r = intercept(me, spec, run_args, args_outputs, &m.args);
  if (!m.replaying && r != kFailed && m.file_bytes != 0 && (prot & PROT_READ) == 0) {
    const int err = errno;
    ariadne::sys_mprotect(reinterpret_cast<void*>(r), len, prot);
    errno = err;
  }
  return reinterpret_cast<void*>(r);
}

ARIADNE_REPLAY_EXPORT void* mmap64(void* addr, size_t len, int prot, int flags, int fd, off64_t off) {
  return mmap(addr, len, prot, flags, fd, static_cast<off_t>(off));
}

ARIADNE_REPLAY_EXPORT int munmap(void* addr, size_t len) {
  REAL(munmap);
  ReplayThread* me = self();
  if (me == nullptr) return real(addr, len);
  Args a{[](const Args& x) -> long { return real(reinterpret_cast<void*>(x.a[0]), x.a[1]); },
         {word(addr), len}};
  const CallSpec spec{SYS_munmap, args_digest(SYS_munmap, a, 2), false, true, execute_again};
  return static_cast<int>(intercept(me, spec, run_args, args_outputs, &a));
}

namespace {

void* real_mremap(void* old, std::size_t old_len, std::size_t new_len, int flags, void* to) {
  static const auto real = next<void* (*)(void*, std::size_t, std::size_t, int, ...)>("mremap");
  return real(old, old_len, new_len, flags, to);
}

long run_mremap(const Args& x) {
  return reinterpret_cast<long>(real_mremap(reinterpret_cast<void*>(x.a[0]), x.a[1], x.a[2],
                                            static_cast<int>(x.a[3]), reinterpret_cast<void*>(x.a[4])));
}

// Replay: grown in place where it grew in place; moved to the logged
// address where it moved (the place reserved with a hint first and checked,
// so MREMAP_FIXED replaces nothing of the process's).
long reimpose_mremap(void* ctx, const EventView& ev) {
  const Args& a = *static_cast<Args*>(ctx);
  const auto logged = static_cast<long>(ev.head.b);
  const int flags = static_cast<int>(a.a[3]);
  if (logged == kFailed) return kFailed;  // it failed when recorded: not made again
  if ((flags & MREMAP_FIXED) != 0) return run_mremap(a);
  auto* old = reinterpret_cast<void*>(a.a[0]);
  if (logged == static_cast<long>(a.a[0]))
    return reinterpret_cast<long>(real_mremap(old, a.a[1], a.a[2], flags & ~MREMAP_MAYMOVE, nullptr));
  auto* want = reinterpret_cast<void*>(logged);
  void* place = real_mmap(want, a.a[2], PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (place != want) return reinterpret_cast<long>(place);
  return reinterpret_cast<long>(real_mremap(old, a.a[1], a.a[2], flags | MREMAP_FIXED, want));
}

}  // namespace

ARIADNE_REPLAY_EXPORT void* mremap(void* old, size_t old_len, size_t new_len, int flags, ...) {
  void* to = nullptr;
  if ((flags & MREMAP_FIXED) != 0) {
    va_list ap;
    va_start(ap, flags);
    to = va_arg(ap, void*);
    va_end(ap);
  }
  ReplayThread* me = self();
  if (me == nullptr) return real_mremap(old, old_len, new_len, flags, to);
  Args a{run_mremap, {word(old), old_len, new_len, static_cast<std::uint64_t>(flags), word(to)}};
  const CallSpec spec{SYS_mremap, args_digest(SYS_mremap, a, 5), false, true, reimpose_mremap};
  return reinterpret_cast<void*>(intercept(me, spec, run_args, args_outputs, &a));
}

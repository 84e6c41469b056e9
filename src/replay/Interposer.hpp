// What the interposers of a replayable run share (the *Interposers.cpp
// files): the next definition of a libc function, one call's arguments and
// the memory it writes, and the intercept() around it (Session.hpp).
//
// These files define the program's functions (read, pthread_mutex_lock...),
// so they do not include runtime/NoLibcSyscalls.hpp: they forward to libc's
// definitions, the deliberate exception that header names.
#pragma once

#include <dlfcn.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>

#include "arch/SyscallTrap.hpp"
#include "replay/Session.hpp"

#define ARIADNE_REPLAY_EXPORT extern "C" __attribute__((visibility("default")))

namespace ariadne::replay {

template <typename Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}
// `real`: libc's definition of the function being defined.
#define REAL(name) static const auto real = ::ariadne::replay::next<decltype(&::name)>(#name)

// libc's own function called by an interposer outside intercept() (a
// pthread_create, an unlock): the system calls it makes on its way are its
// own, not the program's to trap (arch/SyscallTrap.hpp).
template <typename Fn, typename... A>
auto untrapped(Fn fn, A... a) {
  const bool was_paused = arch::pause_syscall_trap(true);
  const auto r = fn(a...);
  arch::pause_syscall_trap(was_paused);
  return r;
}

inline std::uint64_t word(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

// One call: its real function, its arguments as words, and what it wrote
// given its result (nullptr: nothing).
struct Args {
  long (*call)(const Args&);
  std::uint64_t a[6];
  int (*outs)(const Args&, long result, OutBuf* out) = nullptr;
};

inline long run_args(void* p) { return static_cast<Args*>(p)->call(*static_cast<Args*>(p)); }
inline int args_outputs(void* p, long r, OutBuf* o) {
  auto* a = static_cast<Args*>(p);
  return a->outs != nullptr ? a->outs(*a, r, o) : 0;
}

inline long call(ReplayThread* me, std::uint64_t nr, std::uint64_t digest, bool blocking, bool execute,
                 Args& args) {
  return intercept(me, CallSpec{nr, digest, blocking, execute}, run_args, args_outputs, &args);
}

// intercept() with the digest of nr, the first n_args words and `bytes`.
inline long logged(ReplayThread* me, std::uint64_t nr, bool blocking, bool execute, Args& a,
                   std::size_t n_args, int (*outs)(const Args&, long, OutBuf*), const void* bytes = nullptr,
                   std::size_t n_bytes = 0);

// The digest of a call: its number, its first n_args words and `bytes`.
inline std::uint64_t args_digest(std::uint64_t nr, const Args& a, std::size_t n_args,
                                 const void* bytes = nullptr, std::size_t n_bytes = 0) {
  std::uint64_t d = 0xcbf29ce484222325ull;
  d = digest(d, &nr, sizeof nr);
  d = digest(d, a.a, n_args * sizeof a.a[0]);
  return bytes != nullptr ? digest(d, bytes, n_bytes) : d;
}

inline long logged(ReplayThread* me, std::uint64_t nr, bool blocking, bool execute, Args& a,
                   std::size_t n_args, int (*outs)(const Args&, long, OutBuf*), const void* bytes,
                   std::size_t n_bytes) {
  a.outs = outs;
  return call(me, nr, args_digest(nr, a, n_args, bytes, n_bytes), blocking, execute, a);
}

// The buffer in a[1], as long as the result says (read, pread, recv, getrandom).
inline int result_bytes(const Args& a, long r, OutBuf* o) {
  if (r <= 0) return 0;
  o[0] = {reinterpret_cast<void*>(a.a[1]), static_cast<std::size_t>(r)};
  return 1;
}

// A lock whose owner may be another thread of the program: tried, and while
// it is busy the thread waits in the runtime until the owner's unlock wakes
// it (ThreadInterposers.cpp).
template <typename TryLock>
int lock_waiting(ReplayThread* me, const void* object, TryLock try_lock) {
  for (;;) {
    const int r = try_lock();
    if (r != EBUSY) return r;
    wait_on(me, object);
  }
}

}  // namespace ariadne::replay

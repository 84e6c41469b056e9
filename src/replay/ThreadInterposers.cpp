// The pthread API and the process's end, as a replayable run sees them.
// One thread runs at a time, so a thread must never wait in the kernel for
// another thread of the program while it holds the baton: every blocking
// primitive becomes "try; if busy, wait in the runtime (wait_on) until the
// thread that frees it wakes us". The waits and wakes are decided by the
// program's own order of operations, which the baton makes the same in
// record and replay; only the hand-offs are logged.
//
// These are the program's functions (they define pthread_mutex_lock...), so
// this file does not include runtime/NoLibcSyscalls.hpp: it forwards to
// libc's definitions, the deliberate exception that header names.
#include <dlfcn.h>
#include <pthread.h>
#include <semaphore.h>
#include <unistd.h>

#include <cerrno>

#include "replay/Interposer.hpp"

using namespace ariadne::replay;

namespace {

void* start_trampoline(void* p) {
  auto* t = static_cast<ReplayThread*>(p);
  thread_started(t);
  // Its end is logged by the exit key's destructor (Session.cpp), also when
  // it leaves through pthread_exit.
  return t->start(t->arg);
}

// Barriers are the runtime's own: libc's would wait in the kernel.
struct Barrier {
  const void* addr;
  unsigned count;
  unsigned arrived;
  unsigned generation;
};
constinit Barrier g_barriers[256];

Barrier* barrier_of(const void* addr, bool create) {
  Barrier* free_slot = nullptr;
  for (Barrier& b : g_barriers) {
    if (b.addr == addr) return &b;
    if (b.addr == nullptr && free_slot == nullptr) free_slot = &b;
  }
  if (create && free_slot != nullptr) {
    free_slot->addr = addr;
    return free_slot;
  }
  return nullptr;
}

// A wake-up is a runtime point: chaos mode may hand the baton to the woken
// thread there (Chaos.hpp). `me` is nullptr outside a replayable run.
void woke(ReplayThread* me, const void* addr, int n) {
  if (me != nullptr && wake(addr, n) > 0) chaos_point(me);
}

// The unlock in a condition wait: no hand-off between it and the wait, which
// pthread_cond_wait makes one step (a signal between them is not lost).
int unlock_for_wait(pthread_mutex_t* m) {
  REAL(pthread_mutex_unlock);
  const int r = untrapped(real, m);
  wake(m, 1);
  return r;
}

}  // namespace

ARIADNE_REPLAY_EXPORT int pthread_create(pthread_t* th, const pthread_attr_t* attr, void* (*start)(void*),
                                         void* arg) {
  REAL(pthread_create);
  ReplayThread* me = self();
  if (me == nullptr) return real(th, attr, start, arg);
  const std::uint32_t index = reserve_thread(me);
  if (index == kNoThread) return EAGAIN;
  ReplayThread* t = thread_slot(index);
  t->start = start;
  t->arg = arg;
  t->program_blocked = me->program_blocked;  // a new thread inherits the mask
  const int r = untrapped(real, th, attr, start_trampoline, t);
  if (r == 0) t->handle = *th;
  thread_created(me, index, r);
  return r;
}

ARIADNE_REPLAY_EXPORT int pthread_join(pthread_t th, void** ret) {
  REAL(pthread_join);
  ReplayThread* me = self();
  ReplayThread* t = me != nullptr ? thread_by_handle(th) : nullptr;
  if (t != nullptr) {
    while (t->state.load(std::memory_order_relaxed) != kExited) wait_on(me, t);
  }
  // The thread has left the program's code: the kernel's part of its exit
  // is all that is left to wait for.
  const int r = untrapped(real, th, ret);
  if (t != nullptr && r == 0) t->handle = 0;  // the pthread_t may name a new thread from now on
  return r;
}

ARIADNE_REPLAY_EXPORT void exit(int status) {
  REAL(exit);
  process_exiting(self(), status, true);
  real(status);
  __builtin_unreachable();
}

ARIADNE_REPLAY_EXPORT void _exit(int status) {
  REAL(_exit);
  process_exiting(self(), status, true);
  real(status);
  __builtin_unreachable();
}

// ---------------------------------------------------------------- mutexes

ARIADNE_REPLAY_EXPORT int pthread_mutex_lock(pthread_mutex_t* m) {
  REAL(pthread_mutex_trylock);
  static const auto real_lock = next<decltype(&::pthread_mutex_lock)>("pthread_mutex_lock");
  ReplayThread* me = self();
  if (me == nullptr) return real_lock(m);
  return lock_waiting(me, m, [m] { return real(m); });
}

ARIADNE_REPLAY_EXPORT int pthread_mutex_unlock(pthread_mutex_t* m) {
  REAL(pthread_mutex_unlock);
  const int r = untrapped(real, m);
  woke(self(), m, 1);
  return r;
}

ARIADNE_REPLAY_EXPORT int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  REAL(pthread_cond_wait);
  ReplayThread* me = self();
  if (me == nullptr) return real(c, m);
  unlock_for_wait(m);
  wait_on(me, c);
  return pthread_mutex_lock(m);
}

// A timed wait lets the others run once and returns (a spurious wake-up,
// which POSIX allows; the caller checks its predicate and its deadline).
ARIADNE_REPLAY_EXPORT int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m,
                                                 const struct timespec* deadline) {
  REAL(pthread_cond_timedwait);
  ReplayThread* me = self();
  if (me == nullptr) return real(c, m, deadline);
  unlock_for_wait(m);
  if (!yield(me, Reason::yield)) {
    const struct timespec pause { 0, 1000000 };
    nanosleep(&pause, nullptr);
  }
  const int r = pthread_mutex_lock(m);
  if (r != 0) return r;
  struct timespec now {};
  clock_gettime(CLOCK_REALTIME, &now);
  const bool late =
      now.tv_sec > deadline->tv_sec || (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
  return late ? ETIMEDOUT : 0;
}

ARIADNE_REPLAY_EXPORT int pthread_cond_signal(pthread_cond_t* c) {
  REAL(pthread_cond_signal);
  ReplayThread* me = self();
  if (me == nullptr) return real(c);
  woke(me, c, 1);
  return 0;
}

ARIADNE_REPLAY_EXPORT int pthread_cond_broadcast(pthread_cond_t* c) {
  REAL(pthread_cond_broadcast);
  ReplayThread* me = self();
  if (me == nullptr) return real(c);
  woke(me, c, 1 << 30);
  return 0;
}

// ---------------------------------------------------------------- barriers

ARIADNE_REPLAY_EXPORT int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* a,
                                               unsigned count) {
  REAL(pthread_barrier_init);
  if (self() == nullptr) return real(b, a, count);
  if (count == 0) return EINVAL;
  Barrier* mine = barrier_of(b, true);
  if (mine == nullptr) return EAGAIN;
  *mine = Barrier{b, count, 0, 0};
  return 0;
}

ARIADNE_REPLAY_EXPORT int pthread_barrier_wait(pthread_barrier_t* b) {
  REAL(pthread_barrier_wait);
  ReplayThread* me = self();
  if (me == nullptr) return real(b);
  Barrier* mine = barrier_of(b, false);
  if (mine == nullptr) return EINVAL;
  if (++mine->arrived == mine->count) {
    mine->arrived = 0;
    ++mine->generation;
    wake(b, 1 << 30);
    return PTHREAD_BARRIER_SERIAL_THREAD;
  }
  const unsigned generation = mine->generation;
  while (mine->generation == generation) wait_on(me, b);
  return 0;
}

ARIADNE_REPLAY_EXPORT int pthread_barrier_destroy(pthread_barrier_t* b) {
  REAL(pthread_barrier_destroy);
  if (self() == nullptr) return real(b);
  if (Barrier* mine = barrier_of(b, false); mine != nullptr) mine->addr = nullptr;
  return 0;
}

// ---------------------------------------------------------------- rwlocks, spinlocks, semaphores

ARIADNE_REPLAY_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t* l) {
  REAL(pthread_rwlock_tryrdlock);
  static const auto real_lock = next<decltype(&::pthread_rwlock_rdlock)>("pthread_rwlock_rdlock");
  ReplayThread* me = self();
  if (me == nullptr) return real_lock(l);
  return lock_waiting(me, l, [l] { return real(l); });
}

ARIADNE_REPLAY_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t* l) {
  REAL(pthread_rwlock_trywrlock);
  static const auto real_lock = next<decltype(&::pthread_rwlock_wrlock)>("pthread_rwlock_wrlock");
  ReplayThread* me = self();
  if (me == nullptr) return real_lock(l);
  return lock_waiting(me, l, [l] { return real(l); });
}

ARIADNE_REPLAY_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t* l) {
  REAL(pthread_rwlock_unlock);
  const int r = untrapped(real, l);
  woke(self(), l, 1 << 30);
  return r;
}

// glibc's spin lock spins with no call and no syscall: under one thread at a
// time it would spin forever while the owner waits for the baton.
ARIADNE_REPLAY_EXPORT int pthread_spin_lock(pthread_spinlock_t* l) {
  REAL(pthread_spin_trylock);
  static const auto real_lock = next<decltype(&::pthread_spin_lock)>("pthread_spin_lock");
  ReplayThread* me = self();
  if (me == nullptr) return real_lock(l);
  return lock_waiting(me, const_cast<const int*>(l), [l] { return real(l); });
}

ARIADNE_REPLAY_EXPORT int pthread_spin_unlock(pthread_spinlock_t* l) {
  REAL(pthread_spin_unlock);
  const int r = untrapped(real, l);
  if (self() != nullptr) wake(const_cast<const int*>(l), 1);
  return r;
}

ARIADNE_REPLAY_EXPORT int sem_wait(sem_t* s) {
  REAL(sem_trywait);
  static const auto real_wait = next<decltype(&::sem_wait)>("sem_wait");
  ReplayThread* me = self();
  if (me == nullptr) return real_wait(s);
  for (;;) {
    if (real(s) == 0) return 0;
    if (errno != EAGAIN) return -1;
    wait_on(me, s);
  }
}

ARIADNE_REPLAY_EXPORT int sem_post(sem_t* s) {
  REAL(sem_post);
  const int r = untrapped(real, s);
  woke(self(), s, 1);
  return r;
}

ARIADNE_REPLAY_EXPORT int sched_yield() {
  REAL(sched_yield);
  ReplayThread* me = self();
  if (me == nullptr) return real();
  yield(me, Reason::yield);
  return 0;
}

ARIADNE_REPLAY_EXPORT pid_t fork() {
  REAL(fork);
  if (self() != nullptr) {
    static const char line[] =
        "ariadne: fork in a replayable recording is not supported yet (docs/replay.md, Limits)\n";
    static const auto real_write = next<decltype(&::write)>("write");
    real_write(2, line, sizeof line - 1);
    errno = ENOSYS;
    return -1;
  }
  return real();
}

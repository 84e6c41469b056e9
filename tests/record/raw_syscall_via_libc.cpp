// The errno mutant's stand-in for src/arch/<arch>/raw_syscall.S: the same
// contract (the kernel's result, -errno on failure) reached through libc's
// syscall(2), which also writes errno on failure, as every libc wrapper
// does. Linked only into the test runtime tests/record/errno_stress.sh runs
// as its mutant, to show the stress test notices a runtime that is not raw.
#include <unistd.h>

#include <cerrno>

extern "C" __attribute__((visibility("hidden"))) long ariadne_raw_syscall(long nr, long a0, long a1, long a2,
                                                                          long a3, long a4,
                                                                          long a5) noexcept {
  const long r = ::syscall(nr, a0, a1, a2, a3, a4, a5);
  return r == -1 ? -errno : r;
}

// sve_first_fault (AArch64 only): a vectorised strlen as SVE code writes it,
// first-fault loads (ldff1b) that run up to an unmapped page and read FFR to
// learn which bytes were loaded. Natively (qemu-aarch64 -cpu max) it prints
// the lengths; `ariadne record --replayable` must refuse it with a line
// naming sve_strlen, never record a run whose replay could load other bytes
// (docs/replay.md, "SVE first-fault loads").
#include <arm_sve.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static size_t sve_strlen(const char* s) {
  const svbool_t all = svptrue_b8();
  size_t i = 0;
  for (;;) {
    svsetffr();
    const svuint8_t bytes = svldff1_u8(all, (const uint8_t*)s + i);
    const svbool_t loaded = svrdffr();
    const svbool_t nul = svcmpeq_n_u8(loaded, bytes, 0);
    if (svptest_any(loaded, nul)) return i + svcntp_b8(loaded, svbrkb_b_z(loaded, nul));
    i += svcntp_b8(all, loaded);
  }
}

int main(void) {
  const long page = sysconf(_SC_PAGESIZE);
  char* two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(two != MAP_FAILED);
  CHECK(mprotect(two + page, page, PROT_NONE) == 0);  // the loads run into this page
  for (long n = 1; n <= 3; ++n) {
    char* s = two + page - n * 7;
    memset(s, 'x', n * 7 - 1);
    s[n * 7 - 1] = '\0';
    printf("length %zu (expected %ld)\n", sve_strlen(s), n * 7 - 1);
    CHECK(sve_strlen(s) == (size_t)(n * 7 - 1));
  }
  printf("EXIT-SUCCESS\n");
  return 0;
}

// random: 16 bytes from getrandom and 16 from /dev/urandom (open and read,
// not stdio, so both go through intercepted calls), printed in hex, and a
// value derived from them. Natively they differ on every run.
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static void print_hex(const char* what, const unsigned char* b, size_t n) {
  printf("%s:", what);
  for (size_t i = 0; i < n; ++i) printf(" %02x", b[i]);
  printf("\n");
}

int main(void) {
  unsigned char a[16], b[16];
  CHECK(getrandom(a, sizeof a, 0) == (ssize_t)sizeof a);
  print_hex("getrandom", a, sizeof a);
  int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK(read(fd, b, sizeof b) == (ssize_t)sizeof b);
  CHECK(close(fd) == 0);
  print_hex("/dev/urandom", b, sizeof b);
  // Control flow that follows the random bytes: more work on some runs.
  unsigned long x = 0;
  int rounds = (a[0] ^ b[0]) % 7 + 1;
  for (int i = 0; i < rounds; ++i) x = work_n(x + a[i] + b[i], 10);
  printf("rounds: %d, mixed: %016lx\n", rounds, x);
  printf("EXIT-SUCCESS\n");
  return 0;
}

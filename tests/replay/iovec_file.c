// iovec_file: writev and pwrite into a file made with mkdtemp, then readv,
// pread and lseek(SEEK_END) on it through an fd from dup, and dup2 onto a
// chosen number; two threads each pwrite their own region first. Prints what
// each call returned and the bytes read back.
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/uio.h>
#include <unistd.h>

#include "replay_common.h"

static int g_fd;

REPLAY_FN static void* region_writer(void* arg) {
  int id = (int)(intptr_t)arg;
  char buf[8];
  memset(buf, 'A' + id, sizeof buf);
  CHECK(pwrite(g_fd, buf, sizeof buf, 32 + 8 * id) == (ssize_t)sizeof buf);
  return NULL;
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/ariadne-replay-XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/iovec.bin", dir);
  g_fd = openat(AT_FDCWD, path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  CHECK(g_fd >= 0);
  pthread_t t[2];
  for (int i = 0; i < 2; ++i) CHECK(pthread_create(&t[i], NULL, region_writer, (void*)(intptr_t)i) == 0);
  for (int i = 0; i < 2; ++i) CHECK(pthread_join(t[i], NULL) == 0);
  char a[] = "0123456789", b[] = "abcdefghij", c[] = "KLMNOPQRSTUV";
  struct iovec w[3] = {{a, 10}, {b, 10}, {c, 12}};
  printf("writev: %zd\n", writev(g_fd, w, 3));
  printf("pwrite at 48: %zd\n", pwrite(g_fd, "tail", 4, 48));
  int d = dup(g_fd);
  CHECK(d >= 0);
  CHECK(dup2(d, 40) == 40);
  printf("lseek(dup, 0, SEEK_END): %lld\n", (long long)lseek(d, 0, SEEK_END));
  printf("lseek(40, 0, SEEK_SET): %lld\n", (long long)lseek(40, 0, SEEK_SET));
  char x[16] = {0}, y[24] = {0}, z[40] = {0};
  struct iovec r[2] = {{x, 15}, {y, 23}};
  printf("readv: %zd -> '%s' '%s'\n", readv(g_fd, r, 2), x, y);
  printf("pread at 20: %zd -> '%s'\n", pread(40, z, 32, 20), z);
  CHECK(close(40) == 0 && close(d) == 0 && close(g_fd) == 0);
  printf("close again: %d (EBADF %d)\n", close(40), errno == EBADF);
  CHECK(unlink(path) == 0 && rmdir(dir) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}

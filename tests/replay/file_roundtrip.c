// file_roundtrip: writes a file in a fresh directory from mkdtemp (open,
// write, close), stats it (stat, fstat), reads it back (open, read, lseek,
// pread) and removes it. Prints the size, the contents and what lseek and
// pread returned (not the directory's name, which is random).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "replay_common.h"

REPLAY_FN static void write_line(int fd, int i) {
  char line[64];
  int n = snprintf(line, sizeof line, "line %d: %lu\n", i, work((unsigned long)i) % 1000);
  CHECK(write(fd, line, (size_t)n) == n);
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  char dir[512], path[600];
  snprintf(dir, sizeof dir, "%s/ariadne-replay-XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/data.txt", dir);

  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
  CHECK(fd >= 0);
  for (int i = 0; i < 5; ++i) write_line(fd, i);
  CHECK(close(fd) == 0);

  struct stat st;
  CHECK(stat(path, &st) == 0);
  printf("stat: size %lld, regular %d, mode %o\n", (long long)st.st_size, S_ISREG(st.st_mode),
         (unsigned)(st.st_mode & 0777));

  fd = open(path, O_RDONLY);
  CHECK(fd >= 0);
  struct stat fst;
  CHECK(fstat(fd, &fst) == 0);
  printf("fstat: size %lld, same inode %d\n", (long long)fst.st_size, fst.st_ino == st.st_ino);
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  CHECK(n >= 0);
  buf[n] = 0;
  printf("read %zd bytes:\n%s", n, buf);
  printf("read at end: %zd\n", read(fd, buf, sizeof buf));
  printf("lseek(8, SEEK_SET): %lld\n", (long long)lseek(fd, 8, SEEK_SET));
  n = read(fd, buf, 6);
  CHECK(n == 6);
  buf[n] = 0;
  printf("read after lseek: '%s'\n", buf);
  n = pread(fd, buf, 6, 0);
  CHECK(n == 6);
  buf[n] = 0;
  printf("pread at 0: '%s', offset now %lld\n", buf, (long long)lseek(fd, 0, SEEK_CUR));
  CHECK(close(fd) == 0);
  CHECK(unlink(path) == 0);
  CHECK(rmdir(dir) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}

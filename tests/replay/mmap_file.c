// mmap_file: maps files the program wrote itself (docs/replay.md, "Memory").
// A data file written, closed, reopened and mapped MAP_PRIVATE read-only and
// read-write (the write stays in the process), and MAP_SHARED read-write (the
// write reaches the file: read back with pread); then a file holding
// getrandom bytes and the time, different on every run, mapped and summed.
// Replay has no file to map (its open is not made again, its fd is a
// stand-in): the mapped bytes must come from the recording. Prints the
// mappings' addresses, checksums and some bytes.
#include <fcntl.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "replay_common.h"

enum { kFileSize = 3 * 4096 + 123 };

REPLAY_FN static unsigned long checksum(const unsigned char* p, size_t n) {
  unsigned long sum = 0;
  for (size_t i = 0; i < n; ++i) sum = sum * 31 + p[i];
  return work(sum);
}

REPLAY_FN static void write_file(const char* path, const unsigned char* bytes, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  CHECK(fd >= 0);
  CHECK(write(fd, bytes, n) == (ssize_t)n);
  CHECK(close(fd) == 0);
}

int main(void) {
  const char* tmp = getenv("TMPDIR");
  char dir[512], data[600], random_path[600];
  snprintf(dir, sizeof dir, "%s/ariadne-mmap-XXXXXX", tmp != NULL && *tmp != 0 ? tmp : "/tmp");
  CHECK(mkdtemp(dir) != NULL);
  snprintf(data, sizeof data, "%s/data.bin", dir);
  snprintf(random_path, sizeof random_path, "%s/random.bin", dir);

  static unsigned char bytes[kFileSize];
  for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = (unsigned char)(work(i) >> 7);
  write_file(data, bytes, sizeof bytes);

  // MAP_PRIVATE, read-only.
  int fd = open(data, O_RDONLY);
  CHECK(fd >= 0);
  const unsigned char* ro = mmap(NULL, kFileSize, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(ro != MAP_FAILED);
  printf("private read-only at %p: checksum %lx, bytes %02x %02x %02x, last %02x, same as written %d\n",
         (void*)ro, checksum(ro, kFileSize), ro[0], ro[1], ro[4096], ro[kFileSize - 1],
         memcmp(ro, bytes, sizeof bytes) == 0);
  // MAP_PRIVATE, read-write at an offset: the write is the process's only.
  unsigned char* rw = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
  CHECK(rw != MAP_FAILED);
  printf("private read-write at %p (offset 4096): byte %02x", (void*)rw, rw[0]);
  rw[0] = 0xab;
  rw[8191] = 0xcd;
  printf(", after writing %02x %02x, the read-only view %02x\n", rw[0], rw[8191], ro[4096]);
  CHECK(close(fd) == 0);  // the mappings outlive the fd
  CHECK(munmap(rw, 8192) == 0);
  CHECK(munmap((void*)ro, kFileSize) == 0);

  // MAP_SHARED, read-write: the write reaches the file.
  fd = open(data, O_RDWR);
  CHECK(fd >= 0);
  unsigned char* shared = mmap(NULL, kFileSize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  CHECK(shared != MAP_FAILED);
  printf("shared read-write at %p: checksum %lx", (void*)shared, checksum(shared, kFileSize));
  memcpy(shared + 100, "written through the mapping", 27);
  CHECK(msync(shared, kFileSize, MS_SYNC) == 0);
  char back[28] = {0};
  CHECK(pread(fd, back, 27, 100) == 27);
  printf(", the file now reads '%s'\n", back);
  CHECK(munmap(shared, kFileSize) == 0);
  CHECK(close(fd) == 0);

  // A file that differs on every run: replaying from the file would differ.
  unsigned char noise[5000];
  CHECK(getrandom(noise, sizeof noise, 0) == (ssize_t)sizeof noise);
  struct timespec now;
  CHECK(clock_gettime(CLOCK_REALTIME, &now) == 0);
  memcpy(noise, &now, sizeof now);
  write_file(random_path, noise, sizeof noise);
  fd = open(random_path, O_RDONLY);
  CHECK(fd >= 0);
  const unsigned char* rnd = mmap(NULL, sizeof noise, PROT_READ, MAP_PRIVATE, fd, 0);
  CHECK(rnd != MAP_FAILED);
  printf("per-run file at %p: checksum %lx, bytes %02x %02x %02x, same as written %d, past its end %02x\n",
         (void*)rnd, checksum(rnd, sizeof noise), rnd[20], rnd[21], rnd[4999],
         memcmp(rnd, noise, sizeof noise) == 0, rnd[5000]);
  CHECK(munmap((void*)rnd, sizeof noise) == 0);
  CHECK(close(fd) == 0);

  CHECK(unlink(data) == 0);
  CHECK(unlink(random_path) == 0);
  CHECK(rmdir(dir) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}

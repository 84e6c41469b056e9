// stdio_input: input read through stdio, which reads with glibc's internal
// read() where no interposer sees it: 8 bytes of /dev/urandom by fread
// (natively new on every run), the pid field of /proc/self/stat by fscanf
// (must be getpid()'s), a file written with fprintf and read back with fgets,
// fseek, ftell, rewind and getc, and the lines of a pipe through fdopen.
// fileno() of the streams names their fds; fileno(stdin) is 0.
#include <sys/stat.h>
#include <unistd.h>

#include "replay_common.h"

int main(void) {
  FILE* r = fopen("/dev/urandom", "r");
  CHECK(r != NULL);
  unsigned char bytes[8];
  CHECK(fread(bytes, 1, sizeof bytes, r) == sizeof bytes);
  printf("urandom:");
  for (size_t i = 0; i < sizeof bytes; ++i) printf(" %02x", bytes[i]);
  printf(" (fd %s)\n", fileno(r) > 2 ? "above 2" : "wrong");
  CHECK(fclose(r) == 0);

  FILE* st = fopen("/proc/self/stat", "re");
  CHECK(st != NULL);
  long pid = 0;
  CHECK(fscanf(st, "%ld", &pid) == 1);
  CHECK(fclose(st) == 0);
  printf("/proc/self/stat pid is getpid(): %s\n", pid == (long)getpid() ? "yes" : "no");

  char dir[] = "/tmp/ariadne-stdio-XXXXXX";
  CHECK(mkdtemp(dir) != NULL);
  char path[64];
  snprintf(path, sizeof path, "%s/f", dir);
  FILE* w = fopen(path, "w");
  CHECK(w != NULL);
  for (int i = 0; i < 3; ++i) fprintf(w, "line %d %lu\n", i, work_n((unsigned long)i, 5) % 1000);
  CHECK(fclose(w) == 0);
  FILE* f = fopen(path, "r");
  CHECK(f != NULL);
  char line[64];
  while (fgets(line, sizeof line, f) != NULL) printf("read back: %s", line);
  struct stat sb;
  CHECK(fstat(fileno(f), &sb) == 0);
  printf("size %ld, at end %ld\n", (long)sb.st_size, ftell(f));
  CHECK(fseek(f, 5, SEEK_SET) == 0);
  printf("at 5: '%c'\n", getc(f));
  rewind(f);
  printf("at 0: '%c'\n", getc(f));
  CHECK(fclose(f) == 0);
  CHECK(unlink(path) == 0);
  CHECK(rmdir(dir) == 0);

  int fds[2];
  CHECK(pipe(fds) == 0);
  const char text[] = "first\nsecond\n";
  CHECK(write(fds[1], text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
  CHECK(close(fds[1]) == 0);
  FILE* p = fdopen(fds[0], "r");
  CHECK(p != NULL);
  while (fgets(line, sizeof line, p) != NULL) printf("pipe: %s", line);
  printf("pipe fileno is its fd: %s\n", fileno(p) == fds[0] ? "yes" : "no");
  CHECK(fclose(p) == 0);
  printf("fileno(stdin) %d\n", fileno(stdin));
  printf("EXIT-SUCCESS\n");
  return 0;
}

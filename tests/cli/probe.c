/* The target the CLI tests launch. It reports whether libariadne-rt.so is in
 * it (by symbol and in /proc/self/maps), and can exit or die on request. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) int probe_work(int x) { return x * 2 + 1; }

static int runtime_mapped(void) {
  FILE* f = fopen("/proc/self/maps", "r");
  char line[4096];
  int found = 0;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "/libariadne-rt.so")) found = 1;
  if (f) fclose(f);
  return found;
}

int main(int argc, char** argv) {
  const char* version = dlsym(RTLD_DEFAULT, "ariadne_rt_version");
  const char* arch = dlsym(RTLD_DEFAULT, "ariadne_rt_arch");
  if (version && arch)
    printf("runtime loaded: libariadne-rt %s (%s), mapped=%d\n", version, arch, runtime_mapped());
  else
    printf("runtime absent\n");
  printf("argv0=%s\n", argv[0]);
  fflush(stdout);
  if (argc > 2 && strcmp(argv[1], "exit") == 0) return atoi(argv[2]);
  if (argc > 2 && strcmp(argv[1], "signal") == 0) raise(atoi(argv[2]));
  return probe_work(argc) > 0 ? 0 : 1;
}

/* The target the CLI tests launch. It reports whether libariadne-rt.so is in
 * it (by symbol and in /proc/self/maps), and can exit or die on request, or
 * dlopen a library and call its probe_lib_work (`dlopen LIB`), or exec
 * another program (`exec PROG ARGS...`). */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
  if (argc > 2 && strcmp(argv[1], "dlopen") == 0) {
    void* lib = dlopen(argv[2], RTLD_NOW);
    int (*work)(int) = lib ? (int (*)(int))dlsym(lib, "probe_lib_work") : NULL;
    if (!work) {
      fprintf(stderr, "probe: %s\n", dlerror());
      return 3;
    }
    printf("probe_lib_work: %d\n", work(20));
    return 0;
  }
  if (argc > 2 && strcmp(argv[1], "exec") == 0) {
    execv(argv[2], argv + 2);
    perror("probe: execv");
    return 3;
  }
  return probe_work(argc) > 0 ? 0 : 1;
}

// library_calls: calls its shared library replay_linked (DT_NEEDED, found
// through LD_LIBRARY_PATH), then dlopens replay_loaded by name and calls it.
// Prints both values (they tell the builds apart); library_test.sh swaps in
// other builds of the libraries between record and replay.
#include <dlfcn.h>
#include <stdint.h>

#include "replay_common.h"

int linked_value(void);

REPLAY_FN static int call_loaded(void* handle) {
  int (*loaded)(void) = (int (*)(void))(uintptr_t)dlsym(handle, "loaded_value");
  CHECK(loaded != NULL);
  return loaded();
}

int main(void) {
  printf("linked: %d\n", linked_value());
  void* handle = dlopen("libreplay_loaded.so", RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) fprintf(stderr, "dlopen: %s\n", dlerror());
  CHECK(handle != NULL);
  printf("loaded: %d\n", call_loaded(handle));
  printf("EXIT-SUCCESS\n");
  return 0;
}

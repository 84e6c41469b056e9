// replay_plugin: the instrumented shared library dlopen.c loads at run time.
#include <stdatomic.h>

#include "replay_common.h"

static atomic_long g_calls;

REPLAY_FN static unsigned long mix(unsigned long x, int i) { return (x ^ (unsigned long)i) * 1099511628211u; }

// FNV-style hash of `rounds` steps from seed; counts calls across threads.
REPLAY_FN unsigned long plugin_hash(unsigned long seed, int rounds) {
  atomic_fetch_add(&g_calls, 1);
  unsigned long x = seed ^ 14695981039346656037u;
  for (int i = 0; i < rounds; ++i) x = mix(x, i);
  return x;
}

REPLAY_FN long plugin_calls(void) { return atomic_load(&g_calls); }

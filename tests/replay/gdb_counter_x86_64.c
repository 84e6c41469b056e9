// gdb_target's counter read on x86-64: one rdtsc, which replay diverts
// through an int3 (docs/replay.md, "Nondeterministic instructions").
#include <x86intrin.h>

__attribute__((noinline)) unsigned long read_counter(void) { return __rdtsc(); }

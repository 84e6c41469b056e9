/* The library probe.c dlopens (`probe dlopen LIB`): instrumented when the
 * program is not, for `record` and `abicheck` on a run whose only
 * instrumented code comes with dlopen. */
__attribute__((noinline)) int probe_lib_leaf(int x) { return x + 1; }
int probe_lib_work(int x) { return probe_lib_leaf(x) * 2; }

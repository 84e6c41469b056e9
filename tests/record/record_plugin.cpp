// A library record_probe dlopens after start: its sites reach the process
// file through the tracer's module observer.
extern "C" __attribute__((noinline, visibility("default"))) int plugin_fn(int x) { return x * 2 + 1; }

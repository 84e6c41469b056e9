// Instrumented DSO the trace tests load with dlopen (and unload, and load
// again somewhere else).
extern "C" __attribute__((noipa)) long dl_square(long x) { return x * x; }
extern "C" __attribute__((noipa)) long dl_twice(long x) { return dl_square(x) + dl_square(x); }

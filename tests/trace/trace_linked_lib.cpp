// Instrumented DSO linked into the trace tests at start.
#include "trace_test_fns.hpp"

extern "C" __attribute__((noipa)) long linked_add(long a, long b) { return a + b; }

// x86-64 reads for nondet.c, written as programs write them: compiler
// intrinsics, inlined into instrumented functions (built with -mrdrnd
// -mrdpid), so replay's sweep must find them inside ordinary code.
#include <cpuid.h>
#include <immintrin.h>
#include <x86intrin.h>

#include "nondet_probe.h"

const char* nd_describe(void) { return "rdtsc, rdtscp, cpuid, rdpid, rdrand"; }
unsigned long nd_counter(void) { return __rdtsc(); }
unsigned long nd_counter_frequency(void) {
  unsigned aux;
  return __rdtscp(&aux);
}
unsigned long nd_identity(void) {
  unsigned a, b, c, d;
  __cpuid(1, a, b, c, d);
  return a ^ ((unsigned long)b << 32);
}
unsigned long nd_identity2(void) { return _rdpid_u32(); }
int nd_random(unsigned long* value) {
  unsigned long long v = 0;
  int ok = _rdrand64_step(&v);
  *value = v;
  return ok;
}

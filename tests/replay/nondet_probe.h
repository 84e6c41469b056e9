// The reads tests/replay/nondet.c makes, one set per architecture.
#ifndef ARIADNE_TESTS_REPLAY_NONDET_PROBE_H
#define ARIADNE_TESTS_REPLAY_NONDET_PROBE_H
const char* nd_describe(void);             // which instructions, for the output
unsigned long nd_counter(void);            // cntvct_el0 / rdtsc
unsigned long nd_counter_frequency(void);  // cntfrq_el0 / rdtscp's counter
unsigned long nd_identity(void);           // midr_el1 / cpuid leaf 1 eax
unsigned long nd_identity2(void);          // id_aa64isar0_el1 + mpidr_el1 / rdpid
int nd_random(unsigned long* value);       // rndr / rdrand: 1 when a value was delivered
#endif

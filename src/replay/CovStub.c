// libariadne-cov.so: what programs built with `ariadne flags --replayable`
// link, so that they link and run without Ariadne too. GCC's
// -fsanitize-coverage=trace-pc calls __sanitizer_cov_trace_pc() at every
// basic block; here it does nothing. In a replayable run the preloaded
// libariadne-replay.so defines it too, comes first in symbol lookup and wins:
// there each call is a tick (docs/replay.md, "Loops with no calls").
void __sanitizer_cov_trace_pc(void);
void __sanitizer_cov_trace_pc(void) {}

// The target of the SIGKILL test: calls step() in rounds forever, and after
// each round prints (and flushes) how many calls of step() have completed.
// The test kills it with SIGKILL mid-run; every call it reported must be in
// the recording.
#include <unistd.h>

#include <cstdio>

namespace {
volatile unsigned long g_sink;

__attribute__((noinline)) void step(unsigned long i) { g_sink = g_sink + i; }

__attribute__((noinline)) void round_of_calls(unsigned long first, unsigned long n) {
  for (unsigned long i = 0; i < n; ++i) step(first + i);
}
}  // namespace

int main() {
  std::printf("pid %d\n", static_cast<int>(::getpid()));
  std::fflush(stdout);
  unsigned long done = 0;
  for (;;) {
    round_of_calls(done, 500);
    done += 500;
    std::printf("completed step=%lu\n", done);
    std::fflush(stdout);
  }
}

// A correct instrumented program for the abicheck CLI tests: a few checked
// calls, then exit with the status given (default 0).
#include <cstdio>
#include <cstdlib>

namespace {
__attribute__((noinline)) long step(long x) { return x * 3 + 1; }
__attribute__((noinline)) long run(int n) {
  long v = 1;
  for (int i = 0; i < n; ++i) v = step(v) % 1000003;
  return v;
}
}  // namespace

int main(int argc, char** argv) {
  const int status = argc > 1 ? std::atoi(argv[1]) : 0;
  std::printf("abi_exit: %ld, exiting with %d\n", run(10), status);
  return status;
}

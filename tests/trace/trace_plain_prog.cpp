// Built WITHOUT the instrumentation flags (trace.exec_uninstrumented_program_runs_untraced).
#include <cstdio>

int main() {
  std::puts("plain program ran");
  return 7;
}

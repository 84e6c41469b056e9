// Compiled at -O3 (tests/trace/CMakeLists.txt): GCC's IPA-CP specialises
// scale() for k == 3 into a local clone "scale(int, int) [clone
// .constprop.0]", which gets its own patchable entry and its own symbol.
#include "patch_test_lib.hpp"

__attribute__((noinline)) static int scale(int x, int k) {
  int sum = 0;
  for (int i = 0; i < x; ++i) sum += (i * k) ^ (sum >> 3);
  return sum;
}

int patch_o3_a(int x) { return scale(x, 3); }
int patch_o3_b(int x) { return scale(x + 1, 3) + 1; }

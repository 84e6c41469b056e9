// Drives the planted bugs of planted_x86_64.S for the abicheck CLI tests.
//   planted r12 | misaligned | both [TIMES]
// Without abicheck the program runs to the end (the callers are protected
// from the bugs) and exits 0.
#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" int planted_clobber_r12();
extern "C" int planted_call_r12_safe();
extern "C" long planted_call_misaligned(long (*fn)());

// In libabi_planted_callee.so (a public interface, where the ABI's alignment
// rule holds without exception): called with RSP misaligned.
extern "C" long planted_misaligned_callee();

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "both";
  const int times = argc > 2 ? std::atoi(argv[2]) : 1;
  const bool r12 = std::strcmp(mode, "r12") == 0 || std::strcmp(mode, "both") == 0;
  const bool misaligned = std::strcmp(mode, "misaligned") == 0 || std::strcmp(mode, "both") == 0;
  for (int i = 0; i < times && i < 1000; ++i) {
    if (r12) planted_call_r12_safe();
    if (misaligned) planted_call_misaligned(&planted_misaligned_callee);
  }
  std::printf("planted: %s x%d done\n", mode, times);
  return 0;
}

// The callee of the misaligned call (planted_x86_64.S), in a shared library:
// instrumented, so the checker sees its entry. GCC may call functions of the
// same module with less alignment when it knows they do not need it
// (-fipa-stack-alignment); across modules the ABI's 16 bytes always hold.
extern "C" __attribute__((noinline)) long planted_misaligned_callee() {
  static volatile long calls = 0;
  calls = calls + 1;
  return calls;
}

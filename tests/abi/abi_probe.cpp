// The program the abicheck tests run with ARIADNE_ABICHECK set. Instrumented
// (its own functions are sites) and linked with libariadne-rt.so.
//   abi_probe clean       recursion, threads, floating point, an exception and
//                         a longjmp through traced frames: nothing to report
//   abi_probe clobber     calls the two planted clobberers (abi_violations.S)
//   abi_probe sp          calls a function that returns with another SP
//   abi_probe misaligned  calls a traced function with a misaligned stack
//                         (x86-64 only: the .S helper exists only there)
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

extern "C" void abi_run_clobberers();
extern "C" void abi_lose_sp();
extern "C" void abi_call_misaligned(void (*fn)()) __attribute__((weak));

namespace {

volatile int g_sink = 0;
std::jmp_buf g_jump;

__attribute__((noinline)) long fib(int n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) double scaled(double x, int k) {
  return k == 0 ? x : scaled(x * 1.5, k - 1) / 1.25;
}

__attribute__((noinline)) void thrower(int depth) {
  if (depth == 0) throw std::runtime_error("planned");
  thrower(depth - 1);
  g_sink = g_sink + 1;
}

__attribute__((noinline)) void jump_out() { std::longjmp(g_jump, 1); }
// Called through a pointer, so the compiler does not see the one way out of
// jumper's recursion as a call that never returns (-Winfinite-recursion).
void (*volatile g_jump_out)() = jump_out;

__attribute__((noinline)) void jumper(int depth) {
  if (depth > 0) {
    jumper(depth - 1);
  } else {
    g_jump_out();
  }
  g_sink = g_sink + 1;
}

__attribute__((noinline)) long worker(int id) {
  long sum = 0;
  for (int i = 0; i < 20; ++i) sum += fib(10 + id % 3);
  return sum + static_cast<long>(scaled(1.0, 8));
}

int clean() {
  long total = fib(18);
  std::vector<std::thread> threads;
  std::vector<long> results(4);
  for (int t = 0; t < 4; ++t) threads.emplace_back([t, &results] { results[t] = worker(t); });
  for (std::thread& t : threads) t.join();
  for (long r : results) total += r;
  try {
    thrower(5);
  } catch (const std::runtime_error&) {
    ++total;
  }
  if (setjmp(g_jump) == 0) jumper(5);
  std::printf("abi_probe clean: %ld\n", total);
  return 0;
}

__attribute__((noinline)) void misaligned_victim() { g_sink = g_sink + 1; }

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "clean";
  if (std::strcmp(mode, "clean") == 0) return clean();
  if (std::strcmp(mode, "clobber") == 0) {
    abi_run_clobberers();
    std::printf("abi_probe clobber: returned\n");
    return 0;
  }
  if (std::strcmp(mode, "sp") == 0) {
    abi_lose_sp();  // the checker ends the program here: the caller's frame is gone
    std::printf("abi_probe sp: returned\n");
    return 0;
  }
  if (std::strcmp(mode, "misaligned") == 0 && abi_call_misaligned != nullptr) {
    abi_call_misaligned(misaligned_victim);
    std::printf("abi_probe misaligned: returned\n");
    return 0;
  }
  std::fprintf(stderr, "abi_probe: unknown mode %s\n", mode);
  return 2;
}

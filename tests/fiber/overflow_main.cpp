// Overflow detection end to end. Modes:
//   deep  : a context "deep" on a 64 KiB Stack recurses until it hits the
//           guard page; expected: the one-line report and death by SIGSEGV.
//   null  : a fault outside any guard page (null write) with the handler
//           installed; expected: death by SIGSEGV and NO fiber report.
//   ok    : the handler installed, the fiber recurses a bounded depth and
//           returns normally; expected: exit 0.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "arch/context.h"
#include "fiber/Stack.hpp"
#include "fiber/StackOverflow.hpp"

namespace {

long g_limit = 0;

[[gnu::noinline]] long recurse(long depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  frame[511] = static_cast<char>(depth >> 8);
  if (depth >= g_limit) return frame[0];
  // Not a tail call: the result is used after the call returns.
  return recurse(depth + 1) + frame[511];
}

void body(ariadne_transfer_t t) {
  long r = recurse(0);
  ariadne_ctx_switch(t.from, reinterpret_cast<void*>(r));
  std::abort();
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "deep";
  ariadne::fiber::install_overflow_handler_for_this_thread();
  if (std::strcmp(mode, "null") == 0) {
    volatile int* p = nullptr;
    *p = 1;
    return 0;
  }
  ariadne::fiber::Stack stack("deep", 64 * 1024);
  // 64 KiB / 512-byte frames: overflow well before 10^6; "ok" stays at 16.
  g_limit = std::strcmp(mode, "ok") == 0 ? 16 : 1000000;
  ariadne_ctx_t c = ariadne_ctx_make(stack.top(), stack.size(), body);
  ariadne_ctx_switch(c, nullptr);
  std::printf("fiber returned normally\n");
  return 0;
}

// Debuggee for gdb_backtrace.sh: fiber "walker" runs fiber_entry -> a -> b
// -> fiber_breakpoint_here while fiber "sleeper" sits suspended in
// sleeper_wait -> ariadne_ctx_switch. Both are in ariadne_fiber_registry.
#include <cstdio>
#include <cstdlib>

#include "arch/context.h"
#include "fiber/Registry.hpp"
#include "fiber/Stack.hpp"

extern "C" {
volatile int g_sink;
ariadne_fiber_record g_walker = {"walker", nullptr, ARIADNE_FIBER_READY, 1, nullptr};
ariadne_fiber_record g_sleeper = {"sleeper", nullptr, ARIADNE_FIBER_READY, 2, nullptr};

// noipa: no inlining, cloning or tail calls, so every frame is really there.
__attribute__((noipa)) void fiber_breakpoint_here(void) { g_sink = g_sink + 1; }
__attribute__((noipa)) void b(void) {
  fiber_breakpoint_here();
  g_sink = g_sink + 2;
}
__attribute__((noipa)) void a(void) {
  b();
  g_sink = g_sink + 3;
}
__attribute__((noipa)) void fiber_entry(ariadne_transfer_t t) {
  g_walker.state = ARIADNE_FIBER_RUNNING;
  a();
  g_walker.state = ARIADNE_FIBER_SUSPENDED;
  ariadne_ctx_switch(t.from, nullptr);
  std::abort();
}
__attribute__((noipa)) void sleeper_wait(ariadne_ctx_t back) {
  ariadne_transfer_t t = ariadne_ctx_switch(back, nullptr);
  g_sink = g_sink + static_cast<int>(reinterpret_cast<long>(t.data));
}
__attribute__((noipa)) void sleeper_entry(ariadne_transfer_t t) {
  g_sleeper.state = ARIADNE_FIBER_RUNNING;
  sleeper_wait(t.from);
  std::abort();
}
}

int main() {
  ariadne::fiber::Stack s1("walker", 64 * 1024), s2("sleeper", 64 * 1024);
  ariadne_fiber_register(&g_walker);
  ariadne_fiber_register(&g_sleeper);
  // Suspend the sleeper inside sleeper_wait.
  ariadne_transfer_t t = ariadne_ctx_switch(ariadne_ctx_make(s2.top(), s2.size(), sleeper_entry), nullptr);
  g_sleeper.saved_ctx = t.from;
  g_sleeper.state = ARIADNE_FIBER_SUSPENDED;
  ariadne_ctx_switch(ariadne_ctx_make(s1.top(), s1.size(), fiber_entry), nullptr);
  std::printf("gdb_fiber done %d\n", g_sink);
  return 0;
}

// Every fiber switch goes through switch_context(), so the sanitizers and
// Valgrind learn about each stack change in one place:
//   ASan:  __sanitizer_start_switch_fiber / __sanitizer_finish_switch_fiber,
//          or it reports false stack-buffer overflows and loses fake stacks;
//   TSan:  one TSan fiber per Ariadne fiber, switched before the jump, so
//          happens-before follows the fiber and not the worker thread;
//   Valgrind (-DARIADNE_VALGRIND=ON): stacks registered, or memcheck takes a
//          stack switch for a huge SP change and complains;
//   Ariadne's runtime, when loaded: told which stack the thread runs next
//          (include/ariadne/stack_switch.h), so a recording pairs a fiber's
//          calls across the threads it migrates between.
#ifndef ARIADNE_FIBER_SWITCH_HOOKS_HPP
#define ARIADNE_FIBER_SWITCH_HOOKS_HPP

#include <atomic>
#include <cstddef>

#include "arch/context.h"
#include "ariadne/stack_switch.h"

#if defined(__SANITIZE_ADDRESS__)
#define ARIADNE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ARIADNE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ARIADNE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ARIADNE_TSAN 1
#endif
#endif

#ifdef ARIADNE_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef ARIADNE_TSAN
#include <sanitizer/tsan_interface.h>
#endif
#ifdef ARIADNE_VALGRIND
#include <valgrind/valgrind.h>
#endif

namespace ariadne::fiber::detail {

// What a sanitizer needs to know about the context being switched to.
struct SwitchTarget {
  const void* stack_bottom = nullptr;  // lowest usable address
  std::size_t stack_size = 0;
  void* tsan_fiber = nullptr;
  ariadne_stack_state* stack_state = nullptr;  // nullptr: the thread's own stack
};

// libariadne-rt.so's ariadne_stack_switch, or nullptr when the program runs
// without it (StackSwitchHook.cpp looks it up once per Scheduler).
extern std::atomic<ariadne_stack_switch_fn> g_stack_switch_hook;
void find_stack_switch_hook() noexcept;

// `exiting`: the current context never runs again, so ASan drops its fake stack.
inline ariadne_transfer_t switch_context(ariadne_ctx_t to, void* data, const SwitchTarget& target,
                                         bool exiting = false) {
#ifdef ARIADNE_ASAN
  void* fake_stack = nullptr;
  __sanitizer_start_switch_fiber(exiting ? nullptr : &fake_stack, target.stack_bottom, target.stack_size);
#else
  (void)exiting;
#endif
#ifdef ARIADNE_TSAN
  __tsan_switch_to_fiber(target.tsan_fiber, 0);
#endif
  if (ariadne_stack_switch_fn hook = g_stack_switch_hook.load(std::memory_order_relaxed))
    hook(target.stack_state);
  ariadne_transfer_t t = ariadne_ctx_switch(to, data);
#ifdef ARIADNE_ASAN
  __sanitizer_finish_switch_fiber(fake_stack, nullptr, nullptr);
#else
  (void)target;
#endif
  return t;
}

// First instructions of a new fiber: completes the switch that started it.
inline void on_fiber_entry() {
#ifdef ARIADNE_ASAN
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
}

inline void* tsan_current() {
#ifdef ARIADNE_TSAN
  return __tsan_get_current_fiber();
#else
  return nullptr;
#endif
}
inline void* tsan_create(const char* name) {
#ifdef ARIADNE_TSAN
  void* f = __tsan_create_fiber(0);
  __tsan_set_fiber_name(f, name);
  return f;
#else
  (void)name;
  return nullptr;
#endif
}
inline void tsan_destroy(void* fiber) {
#ifdef ARIADNE_TSAN
  if (fiber) __tsan_destroy_fiber(fiber);
#else
  (void)fiber;
#endif
}

// A new stack may reuse the pages of a finished fiber whose last frames never
// returned: ASan's shadow for them is still poisoned. Start clean.
inline void asan_fresh_stack(const void* lo, std::size_t size) {
#ifdef ARIADNE_ASAN
  __asan_unpoison_memory_region(lo, size);
#else
  (void)lo;
  (void)size;
#endif
}

inline unsigned valgrind_register(const void* lo, const void* hi) {
#ifdef ARIADNE_VALGRIND
  return VALGRIND_STACK_REGISTER(lo, hi);
#else
  (void)lo;
  (void)hi;
  return 0;
#endif
}
inline void valgrind_deregister(unsigned id) {
#ifdef ARIADNE_VALGRIND
  VALGRIND_STACK_DEREGISTER(id);
#else
  (void)id;
#endif
}

}  // namespace ariadne::fiber::detail

#endif

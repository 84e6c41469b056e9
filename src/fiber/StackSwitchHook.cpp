// Finding libariadne-rt.so's ariadne_stack_switch (SwitchHooks.hpp). Looked
// up by name rather than referenced: the fiber library must link and run
// without the runtime, and a weak reference is resolved to 0 at link time in
// a non-PIE program.
#include <dlfcn.h>

#include "fiber/SwitchHooks.hpp"

namespace ariadne::fiber::detail {

std::atomic<ariadne_stack_switch_fn> g_stack_switch_hook{nullptr};

void find_stack_switch_hook() noexcept {
  // Looked up once (a static's initialisation is thread-safe), then only
  // ever stored with that value: it must not change while a fiber is
  // switched out (its switch back would go unseen).
  static const auto found =
      reinterpret_cast<ariadne_stack_switch_fn>(::dlsym(RTLD_DEFAULT, "ariadne_stack_switch"));
  g_stack_switch_hook.store(found, std::memory_order_relaxed);
}

}  // namespace ariadne::fiber::detail

// dlopen / dlclose, interposed: the runtime is preloaded (or linked before
// libc), so the program's calls reach these first. New modules are scanned
// and prepared before dlopen returns to the caller; modules are retired
// under the tracer's lock around the real dlclose, so no enable/disable
// batch can write into code that is being unmapped.
#include <atomic>

#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

using ariadne::trace::detail::next_definition;

namespace {
std::atomic<ariadne::trace::detail::DlopenObserver> g_dlopen_observer{nullptr};
}  // namespace

void ariadne::trace::detail::set_dlopen_observer(DlopenObserver observer) noexcept {
  g_dlopen_observer.store(observer, std::memory_order_release);
}

ARIADNE_RT_EXPORT void* dlopen(const char* file, int mode) {
  static const auto real = next_definition<void* (*)(const char*, int)>("dlopen");
  void* handle = real(file, mode);
  if (handle != nullptr) {
    // The scan's own calls (libelf reading the module) are the runtime's.
    ariadne::trace::detail::UntracedScope untraced;
    ariadne::trace::detail::modules_added();
    if (const auto observer = g_dlopen_observer.load(std::memory_order_acquire); observer != nullptr)
      observer();
  }
  return handle;
}

ARIADNE_RT_EXPORT int dlclose(void* handle) {
  static const auto real = next_definition<int (*)(void*)>("dlclose");
  ariadne::trace::detail::lock_modules();
  const int rc = real(handle);
  ariadne::trace::detail::modules_removed_and_unlock();
  return rc;
}

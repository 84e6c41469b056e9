#include "fiber/Registry.hpp"

#include <mutex>

extern "C" {
struct ariadne_fiber_registry ariadne_fiber_registry = {1, 0, nullptr};
}

namespace {
std::mutex g_registry_mutex;
}

extern "C" void ariadne_fiber_register(struct ariadne_fiber_record* rec) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  rec->next = ariadne_fiber_registry.head;
  ariadne_fiber_registry.head = rec;
  ++ariadne_fiber_registry.count;
}

extern "C" void ariadne_fiber_unregister(struct ariadne_fiber_record* rec) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  for (ariadne_fiber_record** p = &ariadne_fiber_registry.head; *p != nullptr; p = &(*p)->next) {
    if (*p == rec) {
      *p = rec->next;
      rec->next = nullptr;
      --ariadne_fiber_registry.count;
      return;
    }
  }
}

#include "fiber/FiberStack.hpp"

#include "fiber/FiberControl.hpp"
#include "fiber/StackPool.hpp"

namespace ariadne::fiber::detail {

void allocate_fiber_stack(FiberControl& f, std::size_t usable) {
  // Below ~16 KiB the entry frame plus one libc call can already overflow.
  if (usable < 16 * 1024) usable = 16 * 1024;
  acquire_stack(f.stack, f.name, usable);
  const Stack& s = *f.stack;
  const char* lo = static_cast<const char*>(s.guard_end());
  f.target.stack_bottom = lo;
  f.target.stack_size = s.size();
  asan_fresh_stack(lo, s.size());
  f.valgrind_id = valgrind_register(lo, lo + s.size());
}

void free_fiber_stack(FiberControl& f) noexcept {
  if (!f.stack) return;
  valgrind_deregister(f.valgrind_id);
  recycle_stack(std::move(*f.stack));
  f.stack.reset();
}

}  // namespace ariadne::fiber::detail

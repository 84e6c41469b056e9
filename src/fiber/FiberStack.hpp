// A fiber's stack: taken from the stack pool (StackPool.hpp) at spawn, given
// back to it by the worker after the fiber's last switch (never by the fiber
// itself, which is still running on it).
// The mapping and its guard page are Stack's (Stack.hpp); this adds what the
// scheduler's tooling needs: sanitizer bounds, Valgrind registration, and the
// debugger registry record.
#ifndef ARIADNE_FIBER_FIBER_STACK_HPP
#define ARIADNE_FIBER_FIBER_STACK_HPP

#include <cstddef>

namespace ariadne::fiber::detail {

struct FiberControl;

// f.name must be set (the overflow report names the fiber). Throws
// std::system_error when the mapping fails.
void allocate_fiber_stack(FiberControl& f, std::size_t usable);
void free_fiber_stack(FiberControl& f) noexcept;

}  // namespace ariadne::fiber::detail

#endif

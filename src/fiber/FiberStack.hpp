// A fiber's stack: allocated at spawn, freed by the worker after the fiber's
// last switch (never by the fiber itself, which is still running on it).
#ifndef ARIADNE_FIBER_FIBER_STACK_HPP
#define ARIADNE_FIBER_FIBER_STACK_HPP

#include <cstddef>

namespace ariadne::fiber::detail {

struct FiberControl;

// Maps `usable` bytes (rounded up to pages) plus a PROT_NONE guard page below
// them; fills f.mapping*, f.target.stack_* and registers it with Valgrind.
// Throws std::bad_alloc when the mapping fails.
void allocate_fiber_stack(FiberControl& f, std::size_t usable);
void free_fiber_stack(FiberControl& f) noexcept;

}  // namespace ariadne::fiber::detail

#endif

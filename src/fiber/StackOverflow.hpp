// Fiber stack overflow detection. A SIGSEGV whose fault address lies in a
// registered guard page is reported as exactly one line on stderr,
//   fiber "NAME" overflowed its 64 KiB stack
// and the process then dies of SIGSEGV (default action). Any other SIGSEGV
// goes to the handler that was installed before ours, or the default action.
//
// The handler runs on a per-thread alternate signal stack (the faulting
// stack is, by definition, exhausted). Signal disposition is per process but
// sigaltstack is per thread, so every thread that runs fibers calls
// install_overflow_handler_for_this_thread() once (a worker at start-up).
#pragma once

#include <cstddef>

namespace ariadne::fiber {

void install_overflow_handler_for_this_thread();

// The guard registry: fixed slots, lock-free, read by the signal handler.
// Returns the slot, or -1 if the registry is full (the stack then works but
// an overflow is reported as a plain SIGSEGV). `name` is copied (truncated).
int register_guard(const void* begin, const void* end, const char* name, std::size_t stack_size);
void unregister_guard(int slot);
// The guard in `slot` now belongs to `name` (a pooled stack's new fiber).
void rename_guard(int slot, const char* name);

// Formats the report line for `name`/`size` into buf (async-signal-safe);
// returns its length. Exposed for tests.
std::size_t format_overflow_line(char* buf, std::size_t cap, const char* name, std::size_t size);

}  // namespace ariadne::fiber

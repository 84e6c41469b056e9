// The machine stacks the tracer knows, each with its shadow stack
// (ReturnHooks.hpp). A stack is known once a hooked call runs on it: a
// library registered it (register_stack in trace.hpp: coroutine and fiber
// stacks, which may be carved from one allocation), or it is discovered:
// a thread's own stack as pthread_create made it (the interposer below asks
// pthread_getattr_np in the new thread), any other as the memory mapping the
// call's SP lies in (MapsScan.hpp); either clipped so it never overlaps a
// registered one.
//
// The regions are kept sorted by address and found by binary search; a
// thread's last few lookups are cached (and the dispatcher keeps the last
// one in the thread state). A region is retired, and its shadow stack
// unmapped, when its thread exits, when its memory is unmapped (munmap is
// interposed), when it is unregistered, or when a registration covers it
// (an ended thread's shadow stack is kept for the next stack instead, up to
// 64 of them).
// Shadow stacks start small and double by mremap when full: deep recursion
// is exact. A shadow stack that moves or is retired is first forgotten by
// every thread's caches, so no thread keeps its old address.
//
// Writers and readers take one spin lock, never held across a traced call.
// A signal handler that interrupts it on its own thread gets no shadow stack
// (its calls are not hooked, and counted), never a deadlock.
#pragma once

#include <cstdint>

namespace ariadne::trace::detail {

struct ShadowStack;

// s is full and the calling thread runs on its machine stack: s twice the
// size, perhaps moved (the thread state and the caches follow); nullptr
// when it cannot grow (counted by note_unhooked).
ShadowStack* grow_shadow_stack(ShadowStack* s) noexcept;

// A call that gets no return hook for want of a shadow stack. The first
// one says so on stderr; all are counted.
void note_unhooked(const char* why) noexcept;
std::uint64_t unhooked_calls() noexcept;

struct StackRegionCounts {
  std::uint64_t live;     // regions known now
  std::uint64_t made;     // shadow stacks made (mapped, or an ended thread's reused), ever
  std::uint64_t retired;  // regions retired, ever
};
StackRegionCounts stack_region_counts() noexcept;

// Called in every thread pthread_create starts, before its routine, with
// the creating thread's tid (the recorder's thread_start names it). One
// observer; the interposed pthread_create itself is StackRegions.cpp's, so
// that each thread knows its own stack without reading /proc/self/maps.
void set_thread_start_observer(void (*observer)(std::uint32_t creator_tid)) noexcept;

// Once, when the tracer starts (before any thread is made): the
// thread-exit hook and the fork handlers.
void init_stack_regions() noexcept;

}  // namespace ariadne::trace::detail

// Return hooks keyed by stack pointer.
//
// A hooked call is remembered by the SP it was entered with (its *key*), on a
// shadow stack that belongs to the *machine stack* the call runs on, not to
// the thread: fibers and coroutines migrate between threads and switch
// stacks, and a per-thread shadow stack (uftrace's) loses them. Machine
// stacks are registered or told apart by their memory mapping
// (StackRegions.hpp).
//
// On one machine stack, live frames are strictly ordered by SP. So when a
// call enters or returns at key K, every remembered frame deeper than K (key
// < K) can no longer return: it was abandoned by longjmp, setcontext, an
// exception or a dead fiber whose stack was reused. Those are popped and
// reported as unwound exits; nothing leaks and nothing is paired wrongly.
//
// A tail call out of a hooked function enters the next function with the
// exit trampoline already as its return address and the same key; it is
// remembered on top of the first with `chained` set, and both exits are
// reported when the shared return happens.
//
// Signal safety: a signal handler may run traced code on the same stack in
// the middle of a push or pop; pushes reserve their slot with a key above
// every real key before publishing it (the fused paths instead keep the
// handler out of the shadow stack, fill the entry above the top and publish
// it by raising the top), pops read before they shrink.
#pragma once

#include <cstdint>

#include "arch/CodePatch.hpp"
#include "ariadne/trace.hpp"

namespace ariadne::trace::detail {

struct SiteRecord;
// 256 bytes, cache-line aligned: indexing is a shift.
struct alignas(64) ShadowEntry {
  std::uintptr_t key;       // SP at function entry
  std::uintptr_t original;  // the return address the call had
  std::uint64_t* slot;  // where that address lives while unhooked for unwinding (read only with kUnhooked)
  SiteRecord* record;   // the site's record (records are never freed)
  std::uint32_t site_id;
  std::uint32_t flags;  // kChained...
  // Handlers' per-call scratch, from entry to exit (trace::call_data()).
  alignas(16) unsigned char data[ariadne::trace::kCallDataSize];
};
inline constexpr std::uint32_t kChained = 1;   // shares its key and return with the entry below
inline constexpr std::uint32_t kUnhooked = 2;  // return address restored for an unwinder
// Entered by a call whose return address is the exit trampoline (a fused
// path from a site stub): the return predictor holds the caller's return
// address too, so the exit returns with `ret`.
inline constexpr std::uint32_t kBalanced = 4;

struct ShadowStack {
  std::uint32_t top;  // entries in use
  std::uint32_t capacity;
  std::uintptr_t lo, hi;   // the machine stack's mapping
  ShadowEntry entries[1];  // capacity of them (mmap'd)
};

// The shadow stack of the machine stack a call entered with SP `key` runs
// on (the stack [lo, hi) with lo < key <= hi), or nullptr if it cannot be
// found or made (the call is then not hooked: StackRegions.hpp).
ShadowStack* shadow_stack_for(std::uintptr_t key) noexcept;

// The site numbers of the calls hooked on the calling thread's machine stack,
// outermost first: the first `max` of them into `out`. Returns how many there
// are in all (0 when the stack has no shadow stack).
std::uint32_t open_sites(std::uint32_t* out, std::uint32_t max) noexcept;

// Pops every entry deeper than `key` (and at `key` too when `inclusive`),
// reporting each to the exit handlers as unwound (Dispatch.cpp).
void pop_abandoned(ShadowStack* s, std::uintptr_t key, bool inclusive) noexcept;

// The return address planted in hooked calls.
inline std::uintptr_t exit_hook() noexcept {
  return reinterpret_cast<std::uintptr_t>(&ariadne_trace_exit_trampoline);
}

}  // namespace ariadne::trace::detail

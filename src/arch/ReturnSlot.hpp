// Where a traced call keeps its return address, per architecture: the core
// swaps it for the exit trampoline (return hooks) and, before an exception
// is unwound, puts the original back where the unwinder will look.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ariadne/trace.hpp"

namespace ariadne::arch {

// At function entry: replace the return address of the call described by
// `frame` with `hook`; returns the previous one. AArch64: the LR the
// trampoline will restore (frame.x[30]); x86-64: the slot at the entry RSP.
std::uintptr_t swap_return_address(trace::Frame& frame, std::uintptr_t hook) noexcept;

// The same, inline, for the dispatcher's per-call path: the entry SP, and
// where the return address of the call lives while it runs (x86-64: the slot
// at the entry RSP; AArch64: the frame's x[30], which the trampoline
// restores into LR).
inline std::uintptr_t entry_stack_pointer(const trace::Frame& frame) noexcept {
#if defined(__x86_64__)
  return frame.rsp;
#else
  return frame.sp;
#endif
}
inline std::uint64_t* return_address_slot(trace::Frame& frame) noexcept {
#if defined(__x86_64__)
  return reinterpret_cast<std::uint64_t*>(frame.rsp);
#else
  return &frame.x[30];
#endif
}

// For frames the core makes up (an unwound exit): the entry SP.
void set_stack_pointer(trace::Frame& frame, std::uintptr_t sp) noexcept;

// While the calls are in flight (e.g. when an exception is thrown): find the
// memory slots that hold `hook` as a saved return address on the current
// stack, innermost first, between `from_sp` and `to_sp` (exclusive). `keys`
// are the entry SPs of the hooked calls, innermost first. slots[i] receives
// the slot of keys[i] or nullptr. AArch64 walks the frame-record chain from
// `frame_address` (traced code keeps frame pointers); x86-64 reads the slot
// at each key.
void find_return_slots(std::uintptr_t frame_address, std::uintptr_t hook, const std::uintptr_t* keys,
                       std::uint64_t** slots, std::size_t n) noexcept;

}  // namespace ariadne::arch

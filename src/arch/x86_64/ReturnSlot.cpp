#include "arch/ReturnSlot.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {

void set_stack_pointer(trace::Frame& frame, std::uintptr_t sp) noexcept { frame.rsp = sp; }

std::uintptr_t swap_return_address(trace::Frame& frame, std::uintptr_t hook) noexcept {
  auto* slot = reinterpret_cast<std::uint64_t*>(frame.rsp);
  const std::uintptr_t previous = *slot;
  *slot = hook;
  return previous;
}

// The return address of a call sits at its entry RSP for the whole call.
void find_return_slots(std::uintptr_t, std::uintptr_t hook, const std::uintptr_t* keys, std::uint64_t** slots,
                       std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    auto* slot = reinterpret_cast<std::uint64_t*>(keys[i]);
    slots[i] = (*slot == hook) ? slot : nullptr;
  }
}

}  // namespace ariadne::arch

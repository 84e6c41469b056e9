#include "arch/ReturnSlot.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::arch {

void set_stack_pointer(trace::Frame& frame, std::uintptr_t sp) noexcept { frame.sp = sp; }

std::uintptr_t swap_return_address(trace::Frame& frame, std::uintptr_t hook) noexcept {
  const std::uintptr_t previous = frame.x[30];
  frame.x[30] = hook;
  return previous;
}

// A hooked function that calls anything has saved its LR (= hook) in its
// frame record {x29, x30} (AAPCS64 6.2.3: the frame chain). Records are met
// innermost first, in the same order as the keys; a record belongs to the
// call whose entry SP is above it.
void find_return_slots(std::uintptr_t frame_address, std::uintptr_t hook, const std::uintptr_t* keys,
                       std::uint64_t** slots, std::size_t n) noexcept {
  for (std::size_t i = 0; i < n; ++i) slots[i] = nullptr;
  std::size_t k = 0;
  auto* record = reinterpret_cast<std::uint64_t*>(frame_address);
  for (int guard = 0; record != nullptr && k < n && guard < 100000; ++guard) {
    const auto here = reinterpret_cast<std::uintptr_t>(record);
    if ((here & 7) != 0) break;
    while (k < n && keys[k] <= here) ++k;  // a key below this record has no record (leaf): skip it
    if (k == n) break;
    if (record[1] == hook) slots[k++] = &record[1];
    const auto next = static_cast<std::uintptr_t>(record[0]);
    if (next <= here) break;  // the chain only goes up the stack
    record = reinterpret_cast<std::uint64_t*>(next);
  }
}

}  // namespace ariadne::arch

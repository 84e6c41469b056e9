// C++ exceptions through traced frames. The unwinder reads return addresses
// to find each frame's unwind table entry; a hooked call's return address is
// the exit trampoline, which it cannot unwind through. So when an exception
// is thrown, the original return addresses of the hooked calls on the
// current stack are put back (arch::find_return_slots says where each one
// lives); when it is caught, the calls the exception unwound are reported as
// unwound exits and the calls still live are hooked again.
//
// __cxa_throw, __cxa_rethrow, std::rethrow_exception and __cxa_begin_catch
// are interposed (the runtime is preloaded or linked before libstdc++).
// longjmp and setcontext need nothing: ReturnHooks pops abandoned frames.
#include <cstdint>

#include "arch/ReturnSlot.hpp"
#include "trace/Handlers.hpp"
#include "trace/Interpose.hpp"
#include "trace/ReturnHooks.hpp"

namespace {

using namespace ariadne::trace::detail;

// Puts back the original return address of every hooked call above `sp`.
// Untraced throughout: a signal handler's traced calls could grow (move)
// the shadow stack under the loop.
__attribute__((noinline)) void unhook_stack(std::uintptr_t frame_address) {
  UntracedScope untraced;
  const auto sp = frame_address;
  ShadowStack* s = shadow_stack_for(sp);
  if (s == nullptr) return;
  constexpr std::size_t kBatch = 256;
  std::uintptr_t keys[kBatch];
  std::uint64_t* slots[kBatch];
  std::uint32_t index[kBatch];
  std::uint32_t i = s->top;
  while (i > 0) {
    std::size_t n = 0;
    while (i > 0 && n < kBatch) {
      ShadowEntry& e = s->entries[--i];
      if ((e.flags & (ariadne::trace::detail::kChained | kUnhooked)) != 0) continue;
      keys[n] = e.key;
      index[n] = i;
      ++n;
    }
    ariadne::arch::find_return_slots(frame_address, exit_hook(), keys, slots, n);
    for (std::size_t k = 0; k < n; ++k) {
      if (slots[k] == nullptr) continue;
      ShadowEntry& e = s->entries[index[k]];
      *slots[k] = e.original;
      e.slot = slots[k];
      e.flags |= kUnhooked;
    }
    // Later batches walk from the outermost frame found so far.
    if (n > 0 && slots[n - 1] != nullptr) frame_address = reinterpret_cast<std::uintptr_t>(slots[n - 1]) - 8;
  }
}

// `caller_sp`: the catching function's SP (the CFA of __cxa_begin_catch).
// Every remembered call at or below it was unwound by the exception (the
// catch handler's own calls reuse that stack: the first unwound callee's
// return slot is now __cxa_begin_catch's).
void rehook_stack(std::uintptr_t caller_sp) {
  // Exit handlers run for the unwound calls; what they call is not traced
  // (and nothing moves the shadow stack under the loop).
  UntracedScope untraced;
  ShadowStack* s = shadow_stack_for(caller_sp);
  if (s == nullptr) return;
  pop_abandoned(s, caller_sp, /*inclusive=*/true);
  for (std::uint32_t i = 0; i < s->top; ++i) {
    ShadowEntry& e = s->entries[i];
    if ((e.flags & kUnhooked) == 0) continue;
    *e.slot = exit_hook();
    e.flags &= ~kUnhooked;
    e.slot = nullptr;
  }
}

}  // namespace

ARIADNE_RT_EXPORT [[noreturn]] void __cxa_throw(void* object, void* type, void (*destroy)(void*)) {
  static const auto real = next_definition<void (*)(void*, void*, void (*)(void*))>("__cxa_throw");
  unhook_stack(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  real(object, type, destroy);
  __builtin_unreachable();
}

ARIADNE_RT_EXPORT [[noreturn]] void __cxa_rethrow() {
  static const auto real = next_definition<void (*)()>("__cxa_rethrow");
  unhook_stack(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  real();
  __builtin_unreachable();
}

// std::rethrow_exception(std::exception_ptr): the exception_ptr is a class
// with a non-trivial destructor, passed by value, i.e. as the address of the
// caller's copy on both ABIs.
ARIADNE_RT_EXPORT [[noreturn]] void _ZSt17rethrow_exceptionNSt15__exception_ptr13exception_ptrE(
    void* exception_ptr) {
  static const auto real =
      next_definition<void (*)(void*)>("_ZSt17rethrow_exceptionNSt15__exception_ptr13exception_ptrE");
  unhook_stack(reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0)));
  real(exception_ptr);
  __builtin_unreachable();
}

ARIADNE_RT_EXPORT void* __cxa_begin_catch(void* exception) {
  static const auto real = next_definition<void* (*)(void*)>("__cxa_begin_catch");
  void* result = real(exception);
  rehook_stack(reinterpret_cast<std::uintptr_t>(__builtin_dwarf_cfa()));
  return result;
}

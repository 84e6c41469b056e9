// The control block of one fiber: what a Fiber handle points at and what the
// run queues carry.
#ifndef ARIADNE_FIBER_FIBER_CONTROL_HPP
#define ARIADNE_FIBER_FIBER_CONTROL_HPP

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "arch/context.h"
#include "ariadne/fiber.hpp"
#include "fiber/Registry.hpp"
#include "fiber/Stack.hpp"
#include "fiber/SwitchHooks.hpp"

namespace ariadne::fiber::detail {

struct FlsSlot {
  const void* key;
  void* value;
  void (*destroy)(void*);
};

struct FiberControl {
  // One reference for the running fiber (dropped by the worker when it
  // finishes), one for the Fiber handle (dropped by join/detach).
  std::atomic<int> refs{2};
  std::uint64_t id = 0;
  std::string name;
  std::function<void()> fn;
  SchedulerCore* sched = nullptr;

  ariadne_ctx_t ctx = nullptr;        // saved context; valid only while suspended
  std::optional<Stack> stack;         // guard-paged; freed right after the last switch
  SwitchTarget target;                // this fiber's stack, for the sanitizers and the recorder
  ariadne_stack_state stack_state{};  // the recorder's, through target.stack_state
  ariadne_fiber_record record{};      // what `info fibers` in gdb lists
  unsigned valgrind_id = 0;

  SpinLock lock;  // guards done, error, joiners
  bool done = false;
  std::exception_ptr error;
  WaitList joiners;

  std::vector<FlsSlot> fls;
  std::atomic<int> last_worker{-1};

  // Preemption (Preempt.cpp): NoPreempt regions open (the library's entry
  // points open one: its code is never a safe point; 1 until fiber_entry
  // calls the fiber's function), and where a fiber preempted at a function
  // entry goes on (the entry path's resume).
  std::atomic<int> no_preempt{1};
  std::uintptr_t entry_resume = 0;

  void release() noexcept {
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

}  // namespace ariadne::fiber::detail

#endif

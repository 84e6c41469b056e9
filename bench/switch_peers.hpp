// The four ways to bounce between two stacks that the context-switch
// benchmarks compare, each reduced to one operation, round_trip(): switch to
// a peer context that immediately switches back (A -> B -> A, two switches).
//
//   AriadneRoundTrip        ariadne_ctx_switch (src/arch/<arch>/switch.S)
//   BoostFcontextRoundTrip  Boost.Context's jump_fcontext: the same contract
//                           (jump with a value), the strict comparison
//   BoostFiberRoundTrip     boost::context::fiber, the public Boost API
//                           (jump_fcontext plus its resume bookkeeping)
//   SwapcontextRoundTrip    POSIX swapcontext (saves the signal mask: a syscall)
//   CallBaseline            an empty out-of-line call: the loop's own cost
//
// The peer's stack is abandoned with the object; nothing on it needs
// destruction (the Boost fiber is unwound by its own destructor).
#ifndef ARIADNE_BENCH_SWITCH_PEERS_HPP
#define ARIADNE_BENCH_SWITCH_PEERS_HPP

#include <ucontext.h>

#include <boost/context/detail/fcontext.hpp>
#include <boost/context/fiber.hpp>
#include <boost/context/fixedsize_stack.hpp>
#include <cstddef>
#include <memory>
#include <utility>

#include "arch/context.h"

namespace ariadne::bench {

inline constexpr std::size_t kStackSize = 64 * 1024;

class AriadneRoundTrip {
 public:
  AriadneRoundTrip() : stack_(new std::byte[kStackSize]) {
    ariadne_ctx_t fresh = ariadne_ctx_make(stack_.get() + kStackSize, kStackSize, &echo);
    peer_ = ariadne_ctx_switch(fresh, nullptr).from;  // runs echo up to its first switch back
  }
  AriadneRoundTrip(const AriadneRoundTrip&) = delete;
  AriadneRoundTrip& operator=(const AriadneRoundTrip&) = delete;

  void round_trip() { peer_ = ariadne_ctx_switch(peer_, this).from; }

 private:
  [[noreturn]] static void echo(ariadne_transfer_t t) {
    for (;;) t = ariadne_ctx_switch(t.from, t.data);
  }
  std::unique_ptr<std::byte[]> stack_;
  ariadne_ctx_t peer_;
};

class BoostFcontextRoundTrip {
  using fcontext_t = boost::context::detail::fcontext_t;
  using transfer_t = boost::context::detail::transfer_t;

 public:
  BoostFcontextRoundTrip() : stack_(new std::byte[kStackSize]) {
    fcontext_t fresh = boost::context::detail::make_fcontext(stack_.get() + kStackSize, kStackSize, &echo);
    peer_ = boost::context::detail::jump_fcontext(fresh, nullptr).fctx;
  }
  BoostFcontextRoundTrip(const BoostFcontextRoundTrip&) = delete;
  BoostFcontextRoundTrip& operator=(const BoostFcontextRoundTrip&) = delete;

  void round_trip() { peer_ = boost::context::detail::jump_fcontext(peer_, this).fctx; }

 private:
  [[noreturn]] static void echo(transfer_t t) {
    for (;;) t = boost::context::detail::jump_fcontext(t.fctx, t.data);
  }
  std::unique_ptr<std::byte[]> stack_;
  fcontext_t peer_;
};

class BoostFiberRoundTrip {
 public:
  BoostFiberRoundTrip()
      : fiber_(std::allocator_arg, boost::context::fixedsize_stack(kStackSize),
               [](boost::context::fiber&& caller) {
                 for (;;) caller = std::move(caller).resume();
                 return std::move(caller);
               }) {
    fiber_ = std::move(fiber_).resume();
  }
  BoostFiberRoundTrip(const BoostFiberRoundTrip&) = delete;
  BoostFiberRoundTrip& operator=(const BoostFiberRoundTrip&) = delete;

  void round_trip() { fiber_ = std::move(fiber_).resume(); }

 private:
  boost::context::fiber fiber_;
};

class SwapcontextRoundTrip {
 public:
  SwapcontextRoundTrip() : stack_(new std::byte[kStackSize]) {
    getcontext(&peer_);
    peer_.uc_stack.ss_sp = stack_.get();
    peer_.uc_stack.ss_size = kStackSize;
    peer_.uc_link = nullptr;
    makecontext(&peer_, &echo, 0);  // makecontext passes only ints: `self` carries the object
    self = this;
    swapcontext(&home_, &peer_);
  }
  SwapcontextRoundTrip(const SwapcontextRoundTrip&) = delete;
  SwapcontextRoundTrip& operator=(const SwapcontextRoundTrip&) = delete;

  void round_trip() { swapcontext(&home_, &peer_); }

 private:
  static void echo() {
    for (;;) swapcontext(&self->peer_, &self->home_);
  }
  static inline SwapcontextRoundTrip* self = nullptr;
  std::unique_ptr<std::byte[]> stack_;
  ucontext_t home_{};
  ucontext_t peer_{};
};

// noipa: the call is kept and its body is not looked into, like a call into
// another object file; it measures what every loop above pays besides switching.
[[gnu::noipa]] inline void call_baseline_target(void*) {}

class CallBaseline {
 public:
  void round_trip() { call_baseline_target(this); }
};

}  // namespace ariadne::bench

#endif

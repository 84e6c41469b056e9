// Scheduler-level operations the benchmarks time and count, on ONE worker so
// the figures are the scheduler's own path, not cross-core traffic:
//
//   fiber_yield_rounds(n)       n rounds of main -> peer -> main, each a
//                               this_fiber::yield() by both fibers (2 yields)
//   fiber_spawn_join_rounds(n)  n times spawn an empty fiber and join it
//
// `body` runs inside the scheduler's main fiber and is handed `step`, one
// round; the caller decides how many rounds (Google Benchmark's state loop or
// a plain count between instruction-count markers).
#ifndef ARIADNE_BENCH_FIBER_OPS_HPP
#define ARIADNE_BENCH_FIBER_OPS_HPP

#include <ariadne/fiber.hpp>
#include <atomic>

namespace ariadne::bench {

template <class Body>
void with_yield_peer(Body body) {
  namespace af = ariadne::fiber;
  af::Scheduler sched(1);
  sched.run([&] {
    std::atomic<bool> stop{false};
    af::Fiber peer = af::spawn("yield-peer", [&] {
      while (!stop.load(std::memory_order_relaxed)) af::this_fiber::yield();
    });
    af::this_fiber::yield();  // the peer is now in its loop
    body([] { af::this_fiber::yield(); });
    stop.store(true, std::memory_order_relaxed);
    peer.join();
  });
}

template <class Body>
void with_spawn_join(Body body) {
  namespace af = ariadne::fiber;
  af::Scheduler sched(1);
  sched.run([&] { body([] { af::spawn("empty", [] {}).join(); }); });
}

}  // namespace ariadne::bench

#endif

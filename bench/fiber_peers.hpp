// The fiber-scheduler operations benchmarked against Boost.Fiber, each as
// with_<op>(body): sets the operation up, then calls body(step), where one
// call of step() is one unit of the operation (the caller decides how many:
// Google Benchmark's state loop, or a count between instruction markers).
//
// Like for like: Ariadne runs everything inside the main fiber of a
// ONE-worker Scheduler; Boost.Fiber runs it in the calling thread's main
// fiber under its default scheduler (round_robin, one thread). So both
// spawn from inside a fiber, and no operation crosses a core.
//
//   spawn_join   spawn an empty fiber, join it. Ariadne: default 256 KiB
//                stack with a guard page, from the stack pool. Boost:
//                default allocator (fixedsize_stack: malloc of
//                stack_traits::default_size(), no guard page), and
//                protected_fixedsize_stack(256 KiB) (mmap + guard page per
//                spawn, as Ariadne did before the pool).
//   spawn_join from a plain thread (Ariadne only: Boost.Fiber has no
//                cross-thread spawn): Scheduler::spawn + Fiber::join called
//                by a non-fiber thread, so the worker is woken through the
//                futex and the thread sleeps on it.
//   yield        one round main -> peer -> main: two yields.
//   pingpong     one round of a mutex + condition variable ping-pong: main
//                hands the turn to the peer and waits for it back (two
//                notify/wait handoffs, each with the mutex).
//   channel      one item through a bounded channel (capacity 64) from a
//                producer fiber to main.
#ifndef ARIADNE_BENCH_FIBER_PEERS_HPP
#define ARIADNE_BENCH_FIBER_PEERS_HPP

#include <ariadne/fiber.hpp>
#include <boost/fiber/all.hpp>
#include <cstddef>
#include <memory>
#include <mutex>
#include <utility>

namespace ariadne::bench {

inline constexpr std::size_t kChannelCapacity = 64;

// What the operations need from a fiber library.
struct AriadneFibers {
  using Mutex = ariadne::fiber::Mutex;
  using CondVar = ariadne::fiber::ConditionVariable;
  using Channel = ariadne::fiber::Channel<int>;
  // Runs f as the main fiber of a one-worker scheduler.
  template <class F>
  static void run(F f) {
    ariadne::fiber::Scheduler sched(1);
    sched.run(std::move(f));
  }
  template <class F>
  static ariadne::fiber::Fiber spawn(F f) {
    return ariadne::fiber::spawn("peer", std::move(f));
  }
  static void yield() { ariadne::fiber::this_fiber::yield(); }
  static bool send(Channel& ch) { return ch.send(1); }
  static void receive(Channel& ch) { (void)ch.receive(); }
};

struct BoostFibers {
  using Mutex = boost::fibers::mutex;
  using CondVar = boost::fibers::condition_variable;
  using Channel = boost::fibers::buffered_channel<int>;
  // The calling thread's main fiber, under Boost's default round_robin.
  template <class F>
  static void run(F f) {
    f();
  }
  template <class F>
  static boost::fibers::fiber spawn(F f) {
    return boost::fibers::fiber(std::move(f));
  }
  static void yield() { boost::this_fiber::yield(); }
  static bool send(Channel& ch) { return ch.push(1) == boost::fibers::channel_op_status::success; }
  static void receive(Channel& ch) {
    int v;
    (void)ch.pop(v);
  }
};

template <class Lib, class Body>
void fibers_spawn_join(Body body) {
  Lib::run([&] { body([] { Lib::spawn([] {}).join(); }); });
}

template <class Lib, class Body>
void fibers_yield(Body body) {
  Lib::run([&] {
    bool stop = false;
    auto peer = Lib::spawn([&] {
      while (!stop) Lib::yield();
    });
    Lib::yield();  // the peer is now in its loop
    body([] { Lib::yield(); });
    stop = true;
    peer.join();
  });
}

template <class Lib, class Body>
void fibers_pingpong(Body body) {
  Lib::run([&] {
    typename Lib::Mutex m;
    typename Lib::CondVar cv;
    int turn = 0;  // 1: the peer's
    bool stop = false;
    auto peer = Lib::spawn([&] {
      std::unique_lock l(m);
      while (true) {
        cv.wait(l, [&] { return turn == 1 || stop; });
        if (stop) break;
        turn = 0;
        cv.notify_one();
      }
    });
    body([&] {
      std::unique_lock l(m);
      turn = 1;
      cv.notify_one();
      cv.wait(l, [&] { return turn == 0; });
    });
    {
      std::unique_lock l(m);
      stop = true;
      cv.notify_one();
    }
    peer.join();
  });
}

template <class Lib, class Body>
void fibers_channel(Body body) {
  Lib::run([&] {
    typename Lib::Channel ch(kChannelCapacity);
    auto producer = Lib::spawn([&] {
      while (Lib::send(ch)) {
      }
    });
    body([&] { Lib::receive(ch); });
    ch.close();
    producer.join();
  });
}

// Ariadne, spawned and joined by a thread that is not a fiber.
template <class Body>
void ariadne_spawn_join_from_thread(Body body) {
  ariadne::fiber::Scheduler sched(1);
  body([&] { sched.spawn("empty", [] {}).join(); });
}

// Boost with a guard page per stack, the same size as Ariadne's default.
template <class Body>
void boost_spawn_join_guarded(Body body) {
  body([] {
    boost::fibers::fiber(std::allocator_arg,
                         boost::fibers::protected_fixedsize_stack(ariadne::fiber::kDefaultStackSize), [] {})
        .join();
  });
}

}  // namespace ariadne::bench

#endif

// Preemption behaviour (issue 19, acceptance 2): with a time slice, a fiber
// in an endless call-free loop does not starve the others on its worker,
// a fiber that only calls instrumented functions is taken off at an entry,
// and a fiber in malloc-heavy code is never preempted inside libc.
//
// usage: preempt_test spin | calls | malloc
#include "fiber/Preempt.hpp"

#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "ariadne/fiber.hpp"
#include "ariadne/trace.hpp"

namespace fib = ariadne::fiber;
using namespace std::chrono_literals;

namespace {

// Read with the __atomic builtins: std::atomic's load makes an out-of-line
// call at -O0 (std::operator& of the memory order), and the hogs must stay
// call-free in Debug builds.
int g_stop = 0;
std::atomic<std::uint64_t> g_sink{0};

// Call-free: only the timer signal can take it off its worker.
__attribute__((noinline)) void spin_forever() {
  std::uint64_t n = 0;
  while (__atomic_load_n(&g_stop, __ATOMIC_RELAXED) == 0) ++n;
  g_sink.fetch_add(n, std::memory_order_relaxed);
}

__attribute__((noinline)) std::uint64_t step(std::uint64_t x) {
  asm volatile("" : "+r"(x));  // not folded into the caller
  return x * 2654435761u + 1;
}

// Calls an instrumented function in a loop: level 1 takes it at an entry.
__attribute__((noinline)) void call_forever() {
  std::uint64_t x = 1;
  while (__atomic_load_n(&g_stop, __ATOMIC_RELAXED) == 0) x = step(x);
  g_sink.fetch_add(x, std::memory_order_relaxed);
}

// Mostly inside libc: malloc and free of assorted sizes.
__attribute__((noinline)) void malloc_forever() {
  std::uint64_t i = 0;
  void* keep[64] = {};
  while (__atomic_load_n(&g_stop, __ATOMIC_RELAXED) == 0) {
    const std::size_t slot = i % 64;
    std::free(keep[slot]);
    keep[slot] = std::malloc(16 + (i * 7919) % 4096);
    static_cast<volatile char*>(keep[slot])[0] = static_cast<char>(i);
    ++i;
  }
  for (void* p : keep) std::free(p);
}

// Fibers that share the worker with the hog and must all finish.
int run_others(fib::Scheduler& sched, void (*hog)()) {
  int finished = 0;
  sched.run([&] {
    fib::Fiber h = fib::spawn("hog", hog);
    std::vector<fib::Fiber> others;
    std::atomic<int> done{0};
    for (int i = 0; i < 4; ++i) {
      others.push_back(fib::spawn("other", [&done] {
        for (int k = 0; k < 5; ++k) fib::this_fiber::yield();
        done.fetch_add(1);
      }));
    }
    for (auto& f : others) f.join();
    finished = done.load();
    // Let the hog be preempted a while longer, then stop it.
    fib::this_fiber::sleep_for(50ms);
    __atomic_store_n(&g_stop, 1, __ATOMIC_RELAXED);
    h.join();
  });
  return finished;
}

void print_stats(const fib::Scheduler& sched) {
  const fib::SchedulerStats s = sched.stats();
  std::printf("preemptions: signal %llu, at entry %llu, deferred %llu\n",
              static_cast<unsigned long long>(s.preemptions_async),
              static_cast<unsigned long long>(s.preemptions_at_entry),
              static_cast<unsigned long long>(s.preemptions_deferred));
}

}  // namespace

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "spin";
  // One worker: without preemption the hog would hold it forever.
  fib::Scheduler sched(1, {.time_slice = 1ms});
  if (std::strcmp(mode, "spin") == 0 || std::strcmp(mode, "calls") == 0) {
    const bool calls = mode[0] == 'c';
    const int finished = run_others(sched, calls ? call_forever : spin_forever);
    print_stats(sched);
    const fib::SchedulerStats s = sched.stats();
    const std::uint64_t taken = calls ? s.preemptions_at_entry : s.preemptions_async;
    std::printf("%d of 4 fibers finished beside the %s hog\n", finished, calls ? "calling" : "call-free");
    if (finished != 4 || taken == 0) return 1;
    std::printf("preempt_test %s: ok\n", mode);
    return 0;
  }
  if (std::strcmp(mode, "malloc") == 0) {
    sched.run([&] {
      fib::Fiber h = fib::spawn("malloc-hog", malloc_forever);
      fib::Fiber o = fib::spawn("other", [] {
        // Each yield needs the hog preempted, which waits while it is in libc.
        for (int k = 0; k < 20; ++k) fib::this_fiber::yield();
      });
      o.join();
      fib::this_fiber::sleep_for(20ms);
      __atomic_store_n(&g_stop, 1, __ATOMIC_RELAXED);
      h.join();
    });
    print_stats(sched);
    std::vector<std::uintptr_t> pcs(fib::detail::kPreemptPcLog);
    pcs.resize(fib::detail::preempted_pcs(pcs.data(), pcs.size()));
    // Independently of the scheduler's own check: each PC's module (the
    // loader's view) and whether the runtime has a site covering it.
    Dl_info self{};
    dladdr(reinterpret_cast<void*>(&malloc_forever), &self);
    std::size_t outside = 0;
    for (std::uintptr_t pc : pcs) {
      Dl_info info{};
      const bool in_self =
          dladdr(reinterpret_cast<void*>(pc), &info) != 0 && info.dli_fbase == self.dli_fbase;
      if (!in_self || ariadne::trace::find_site(pc) == nullptr) ++outside;
    }
    std::printf("%zu signal preemptions logged, %zu with a PC outside instrumented code\n", pcs.size(),
                outside);
    if (pcs.empty() || outside != 0) return 1;
    std::printf("preempt_test malloc: ok\n");
    return 0;
  }
  std::fprintf(stderr, "usage: preempt_test spin|calls|malloc\n");
  return 2;
}

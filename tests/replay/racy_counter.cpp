// racy_counter: four threads add to one counter by a load, an instrumented
// call and a store (relaxed atomics: the race is on the value, not undefined
// behaviour), so updates are lost wherever the threads interleave between the
// load and the store (and each thread yields in that window now and then).
// Prints the final count and the order in which the threads finished;
// natively both change from run to run.
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdio>

#include "replay_common.h"

namespace {
constexpr int kThreads = 4;
constexpr int kIters = 20000;
std::atomic<long> g_counter{0};
std::atomic<int> g_finished{0};
int g_order[kThreads];
pthread_barrier_t g_start;
}  // namespace

// Most of an iteration lies between the load and the store, so a thread
// preempted there (or running beside another on a second CPU) loses updates.
REPLAY_FN long bump(long v) {
  return static_cast<long>(work_n(static_cast<unsigned long>(v), 8) * 0) + v + 1;
}

REPLAY_FN void* worker(void* arg) {
  int id = static_cast<int>(reinterpret_cast<intptr_t>(arg));
  pthread_barrier_wait(&g_start);
  for (int i = 0; i < kIters; ++i) {
    long v = g_counter.load(std::memory_order_relaxed);
    v = bump(v);
    // Now and then give the CPU away inside the window, so the threads overlap
    // even on a loaded machine where each could otherwise finish in one time slice.
    if (i % 500 == 250) sched_yield();
    g_counter.store(v, std::memory_order_relaxed);
  }
  g_order[g_finished.fetch_add(1)] = id;
  return nullptr;
}

int main() {
  pthread_t t[kThreads];
  CHECK(pthread_barrier_init(&g_start, nullptr, kThreads) == 0);
  for (int i = 0; i < kThreads; ++i)
    CHECK(pthread_create(&t[i], nullptr, worker, reinterpret_cast<void*>(static_cast<intptr_t>(i))) == 0);
  for (int i = 0; i < kThreads; ++i) CHECK(pthread_join(t[i], nullptr) == 0);
  long count = g_counter.load();
  printf("count: %ld of %d (%ld lost)\n", count, kThreads * kIters, kThreads * kIters - count);
  printf("finish order:");
  for (int i = 0; i < kThreads; ++i) printf(" %d", g_order[i]);
  printf("\nEXIT-SUCCESS\n");
  return 0;
}

// The program the machine-stack tests run (tests/record/stacks_test.sh),
// built instrumented: deep recursion, many short-lived threads, and many
// coroutine stacks carved from one allocation. The threads and coroutine
// modes print the process's mappings (lines and bytes of /proc/self/maps)
// before and after, so the test sees a leak.
#include <pthread.h>
#include <time.h>
#include <ucontext.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "ariadne/trace.hpp"

#define PROBE extern "C" __attribute__((noipa))

volatile int g_sink = 0;

PROBE void leaf(int i) { g_sink = g_sink + i; }
PROBE void rec(int n) {
  if (n > 0) rec(n - 1);
  g_sink = g_sink + n;
}
PROBE void* worker(void*) {
  for (int i = 0; i < 10; ++i) leaf(i);
  return nullptr;
}

namespace {

struct Maps {
  long lines = 0;
  unsigned long long bytes = 0;
};

Maps read_maps() {
  Maps m;
  std::FILE* f = std::fopen("/proc/self/maps", "r");
  if (f == nullptr) return m;
  char line[4096];
  while (std::fgets(line, sizeof line, f) != nullptr) {
    unsigned long long lo = 0, hi = 0;
    if (std::sscanf(line, "%llx-%llx", &lo, &hi) == 2) {
      ++m.lines;
      m.bytes += hi - lo;
    }
  }
  std::fclose(f);
  return m;
}

void say_maps(const char* what, const Maps& before, const Maps& after) {
  std::printf("%s: maps before %ld lines %llu bytes, after %ld lines %llu bytes\n", what, before.lines,
              before.bytes, after.lines, after.bytes);
}

pthread_barrier_t g_all_started;

// A warm-up thread: worker, then waits until the whole batch has run it.
void* warm_up(void*) {
  worker(nullptr);
  pthread_barrier_wait(&g_all_started);
  return nullptr;
}

// `batch` threads at a time, `rounds` times: each runs `routine` and ends.
void run_threads(int rounds, int batch, void* (*routine)(void*) = worker) {
  pthread_t t[16];
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < batch; ++i) {
      if (pthread_create(&t[i], nullptr, routine, nullptr) != 0) {
        std::perror("pthread_create");
        std::exit(1);
      }
    }
    for (int i = 0; i < batch; ++i) pthread_join(t[i], nullptr);
  }
}

double seconds_now() {
  timespec t{};
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

ucontext_t g_main;
ucontext_t* g_co = nullptr;

}  // namespace

// Runs on coroutine i's stack: a call open across a switch away and back.
PROBE void co_entry(int i) {
  leaf(i);
  swapcontext(&g_co[i], &g_main);
  leaf(i);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "deep";
  const int n = argc > 2 ? std::atoi(argv[2]) : 1000;
  if (std::strcmp(mode, "deep") == 0) {
    rec(n);
  } else if (std::strcmp(mode, "threads") == 0) {
    // Warm up first, sixteen threads all alive at once: glibc keeps the
    // stacks of ended threads for reuse, malloc makes per-thread arenas, the
    // tracer keeps ended threads' shadow stacks for the next ones (up to 64);
    // all stay, as many as the most threads alive together.
    // Sixteen at a time: more stacks than glibc keeps for reuse (40 MiB), so
    // stacks are unmapped and mapped again, often elsewhere.
    constexpr int kBatch = 16;
    pthread_barrier_init(&g_all_started, nullptr, kBatch);
    run_threads(1, kBatch, warm_up);
    const int ran = n / kBatch * kBatch;
    const Maps before = read_maps();
    const double start = seconds_now();
    run_threads(n / kBatch, kBatch);
    const double took = seconds_now() - start;
    const Maps after = read_maps();
    say_maps("threads", before, after);
    // How long the measured threads took (the per-thread cost, docs/trace.md).
    std::printf("threads: %d threads in %.2f s, %.1f us each\n", ran, took, ran > 0 ? took * 1e6 / ran : 0.0);
  } else if (std::strcmp(mode, "coros") == 0 || std::strcmp(mode, "coros-unregistered") == 0) {
    const bool registered = std::strcmp(mode, "coros") == 0;
    constexpr std::size_t kStack = 16 * 1024;
    char* pool = static_cast<char*>(std::malloc(kStack * static_cast<std::size_t>(n)));
    g_co = static_cast<ucontext_t*>(std::calloc(static_cast<std::size_t>(n), sizeof(ucontext_t)));
    if (pool == nullptr || g_co == nullptr) return 1;
    int refused = 0;
    for (int i = 0; i < n; ++i) {
      char* lo = pool + kStack * static_cast<std::size_t>(i);
      if (registered && !ariadne::trace::register_stack(lo, lo + kStack)) ++refused;
      getcontext(&g_co[i]);
      g_co[i].uc_stack.ss_sp = lo;
      g_co[i].uc_stack.ss_size = kStack;
      g_co[i].uc_link = &g_main;
      makecontext(&g_co[i], reinterpret_cast<void (*)()>(co_entry), 1, i);
    }
    const Maps before = read_maps();
    // Every coroutine runs to its switch, then every one is resumed to its
    // end: n calls of co_entry open at once, each on its own stack.
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < n; ++i) swapcontext(&g_main, &g_co[i]);
    }
    for (int i = 0; i < n && registered; ++i) {
      if (!ariadne::trace::unregister_stack(pool + kStack * static_cast<std::size_t>(i))) ++refused;
    }
    const Maps after = read_maps();
    say_maps("coros", before, after);
    std::printf("coros: %d registrations refused\n", refused);
    std::free(g_co);
    std::free(pool);
  } else {
    std::fprintf(stderr, "stacks_probe: unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}

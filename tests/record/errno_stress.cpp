// errno under `ariadne record` (issue 15, acceptance 2): the runtime's slow
// paths run inside the program's traced calls and must hand back the errno
// the program had. Each thread sets errno to a value of its own, makes
// traced calls, and counts every time errno came back different, while the
// slow paths are forced:
//   * segment roll-over: run it with a small --segment-size;
//   * the O_EXCL retry of a new live file: before its first traced call a
//     thread puts directories where its first live files would go
//     (DIR/<pid>/t<tid>.<k>.live), so the runtime's create meets EEXIST;
//   * /proc/self/maps scans: every new thread's stack is one the runtime has
//     not seen (a scan at its first traced call), while another thread
//     dlopens and dlcloses a library in a loop, changing the maps under the
//     scans (torn reads make the runtime read again).
// Prints "errno stress: T threads, C checks, W wrong errno values" and exits 1
// if W != 0.
//
// errno_stress THREADS_PER_WAVE WAVES CALLS PRECREATE [LIBRARY]
#include <dlfcn.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

#define TRACED extern "C" __attribute__((noipa))
// Runs before the thread's first traced call: not a patch site itself.
#define UNTRACED __attribute__((noipa, patchable_function_entry(0, 0)))

namespace {

volatile int g_sink = 0;
std::atomic<long> g_checks{0};
std::atomic<long> g_wrong{0};
std::atomic<int> g_first_wrong{0};
char g_process_dir[400];  // DIR/<pid>; empty when not recording

UNTRACED void check(int expected) {
  const int now = errno;
  g_checks.fetch_add(1, std::memory_order_relaxed);
  if (now != expected) {
    g_wrong.fetch_add(1, std::memory_order_relaxed);
    int none = 0;
    g_first_wrong.compare_exchange_strong(none, now);
  }
}

}  // namespace

TRACED void leaf(int i) { g_sink = g_sink + i; }

// Sets errno itself, as a libc call that failed would, then calls traced
// functions: each entry and exit runs the runtime, which must not change it.
TRACED void set_and_call(int value, int calls) {
  errno = value;
  for (int i = 0; i < calls; ++i) {
    leaf(i);
    check(value);
  }
}

TRACED int first_call(int value) { return value; }

namespace {

constexpr int kMaxPrecreate = 8;
int g_calls = 0;
int g_precreate = 0;

// libc and plain C only until first_call: at -O0 every C++ template
// instantiated here (std::string, std::atomic) is a traced function too.
UNTRACED void* thread_main(void* arg) {
  const int value = static_cast<int>(reinterpret_cast<std::intptr_t>(arg));
  char dummies[kMaxPrecreate][512];
  int made = 0;
  if (g_process_dir[0] != '\0') {
    const long tid = ::syscall(SYS_gettid);
    for (int k = 0; k < g_precreate && k < kMaxPrecreate; ++k) {
      std::snprintf(dummies[made], sizeof dummies[made], "%s/t%ld.%d.live", g_process_dir, tid, k);
      if (::mkdir(dummies[made], 0755) == 0) ++made;
    }
  }
  // The thread's first traced call: its log, first live file (the O_EXCL
  // retries) and the maps scan for its stack all happen in its entry.
  errno = value;
  g_sink = g_sink + first_call(value);
  check(value);
  set_and_call(value, g_calls);
  errno = value;
  for (int i = 0; i < g_calls; ++i) {
    leaf(i);
    check(value);
  }
  for (int k = 0; k < made; ++k) ::rmdir(dummies[k]);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: errno_stress THREADS_PER_WAVE WAVES CALLS PRECREATE [LIBRARY]\n");
    return 2;
  }
  const int per_wave = std::atoi(argv[1]);
  const int waves = std::atoi(argv[2]);
  g_calls = std::atoi(argv[3]);
  g_precreate = std::atoi(argv[4]);
  const char* library = argc > 5 ? argv[5] : nullptr;
  if (const char* root = std::getenv("ARIADNE_RECORD"); root != nullptr && root[0] != '\0')
    std::snprintf(g_process_dir, sizeof g_process_dir, "%s/%d", root, static_cast<int>(::getpid()));

  std::atomic<bool> done{false};
  std::thread loader;
  if (library != nullptr) {
    loader = std::thread([&] {
      using Fn = int (*)(int);
      int value = 7000;
      while (!done.load(std::memory_order_relaxed)) {
        void* h = ::dlopen(library, RTLD_NOW | RTLD_LOCAL);
        if (h == nullptr) break;
        if (auto fn = reinterpret_cast<Fn>(::dlsym(h, "plugin_fn")); fn != nullptr) {
          errno = ++value;
          g_sink = g_sink + fn(value);
          check(value);
        }
        ::dlclose(h);
      }
    });
  }

  int threads = 0;
  for (int w = 0; w < waves; ++w) {
    pthread_t wave[64];
    int started = 0;
    for (int i = 0; i < per_wave && i < 64; ++i) {
      const std::intptr_t value = 100000 + threads + 1;
      if (::pthread_create(&wave[started], nullptr, thread_main, reinterpret_cast<void*>(value)) != 0) break;
      ++started;
      ++threads;
    }
    for (int i = 0; i < started; ++i) ::pthread_join(wave[i], nullptr);
  }
  errno = 4242;
  set_and_call(4242, g_calls);
  done.store(true);
  if (loader.joinable()) loader.join();

  const long wrong = g_wrong.load();
  std::printf("errno stress: %d threads, %ld checks, %ld wrong errno values", threads, g_checks.load(),
              wrong);
  if (wrong != 0)
    std::printf(" (the first: %d, %s)", g_first_wrong.load(), std::strerror(g_first_wrong.load()));
  std::printf("\n");
  return wrong == 0 ? 0 : 1;
}

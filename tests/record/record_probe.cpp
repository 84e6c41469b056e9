// The program the recording tests run (tests/record/record_test.sh), built
// instrumented. Each mode does one known thing; the functions are noinline
// (noipa: no call is dropped or cloned at -O2) and have external linkage so
// each is a site with a plain name.
#include <dlfcn.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <utility>

#include "ariadne/trace.hpp"

#define PROBE extern "C" __attribute__((noipa))

// handoff: the trace API of the preloaded runtime, if there is one (the
// probe does not link it).
namespace ariadne::trace {
__attribute__((weak)) int add_entry_handler(EntryHandler h, void* user, unsigned flags) noexcept;
__attribute__((weak)) void remove_handler(int id) noexcept;
}  // namespace ariadne::trace

volatile int g_sink = 0;

PROBE void leaf(int i) { g_sink = g_sink + i; }
PROBE void outer(int n) {
  for (int i = 0; i < n; ++i) leaf(i);
}
PROBE void worker(int n) {
  for (int i = 0; i < n; ++i) leaf(i);
}
PROBE void rec(int n) {
  if (n > 0) rec(n - 1);
  g_sink = g_sink + n;
}
PROBE void slow() { usleep(30000); }
PROBE void fast() { g_sink = g_sink + 1; }
PROBE long capture_me(long a, const char* s, int b, double d) {
  return a + (s != nullptr) + b + static_cast<long>(d);
}
PROBE int ret_me(int x) { return x * 3; }
PROBE void on_usr1() { g_sink = g_sink + 100; }
PROBE void child_fn() { g_sink = g_sink + 7; }
PROBE pid_t fork_here() { return fork(); }  // the child starts inside main and fork_here
PROBE void counted() { g_sink = g_sink + 1; }

// unwind: an exception through three traced frames, a longjmp through two,
// and a tail call between two traced functions (all end-to-end on whatever
// path the recording takes).
PROBE void thrower(int n) {
  if (n == 0) throw n;
  thrower(n - 1);
  g_sink = g_sink + 1;
}
PROBE void catcher() {
  try {
    thrower(2);
  } catch (int) {
    leaf(1);
  }
}
jmp_buf g_jump;
PROBE void jumper(int n) {
  if (n > 0)
    jumper(n - 1);
  else if (g_sink >= -1000000)  // never false; a condition the compiler cannot fold
    longjmp(g_jump, 1);
  g_sink = g_sink + 1;
}
PROBE void tail_target(int n) { g_sink = g_sink + n; }
extern "C" __attribute__((noinline)) void tail_caller(int n) { tail_target(n + 1); }  // may be a jmp at -O2

void usr1_handler(int) { on_usr1(); }

// sighandler: 200 signals to a thread busy with traced calls, one traced
// call in each handler.
PROBE void in_handler_leaf() { g_sink = g_sink + 1; }
volatile sig_atomic_t g_handled = 0;
void alarm_handler(int) {
  if (g_handled >= 200) return;  // the last alarms, after the count
  in_handler_leaf();
  g_handled = g_handled + 1;
}

// many: 200 more distinct sites, so site numbers past 127 (two-byte
// varints) are written too.
template <int N>
__attribute__((noipa)) void numbered() {
  g_sink = g_sink + N;
}
template <int... N>
void call_numbered(std::integer_sequence<int, N...>) {
  (numbered<N>(), ...);
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "basic";
  const int n = argc > 2 ? std::atoi(argv[2]) : 3;
  if (std::strcmp(mode, "basic") == 0) {
    outer(n);
    std::thread a(worker, n), b(worker, n);
    a.join();
    b.join();
  } else if (std::strcmp(mode, "unwind") == 0) {
    for (int i = 0; i < n; ++i) {
      catcher();
      if (setjmp(g_jump) == 0) jumper(1);
      tail_caller(i);
      leaf(i);
    }
  } else if (std::strcmp(mode, "loop") == 0) {
    for (int i = 0; i < n; ++i) leaf(i);
  } else if (std::strcmp(mode, "spin") == 0) {
    // Calls for n seconds, saying so once it has begun (the tests that act on
    // `ariadne record` while the program runs wait for that line); paced,
    // at most ~200000 calls a second, so the recording stays small.
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(n);
    for (int i = 0; std::chrono::steady_clock::now() < until; ++i) {
      for (int k = 0; k < 200; ++k) leaf(k);
      usleep(1000);
      if (i == 0) {
        std::printf("spinning\n");
        std::fflush(stdout);
      }
    }
  } else if (std::strcmp(mode, "paced") == 0) {
    // The loop, slowed down (a pause every 100 calls) so that it outlasts
    // `ariadne record`'s look for new live files.
    for (int i = 0; i < n; ++i) {
      leaf(i);
      if (i % 100 == 99) usleep(200);
    }
  } else if (std::strcmp(mode, "lost") == 0) {
    // A thread whose segment files cannot be created (file size limit below
    // the segment size) for its first 2000 calls, then can.
    signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit low = old;
    low.rlim_cur = 2048;
    setrlimit(RLIMIT_FSIZE, &low);
    std::thread t([&] {
      for (int i = 0; i < n; ++i) {
        if (i == 2000) setrlimit(RLIMIT_FSIZE, &old);
        leaf(i);
      }
    });
    t.join();
    setrlimit(RLIMIT_FSIZE, &old);
  } else if (std::strcmp(mode, "dlopen") == 0) {
    void* lib = dlopen(argv[2], RTLD_NOW);
    if (lib == nullptr) {
      std::fprintf(stderr, "record_probe: %s\n", dlerror());
      return 1;
    }
    auto fn = reinterpret_cast<int (*)(int)>(dlsym(lib, "plugin_fn"));
    for (int i = 0; i < 3; ++i) g_sink = g_sink + fn(i);
  } else if (std::strcmp(mode, "depth") == 0) {
    rec(n);
  } else if (std::strcmp(mode, "time") == 0) {
    for (int i = 0; i < n; ++i) fast();
    slow();
    for (int i = 0; i < n; ++i) fast();
  } else if (std::strcmp(mode, "args") == 0) {
    capture_me(42, "hello", -7, 2.5);
    capture_me(1, reinterpret_cast<const char*>(16), 0, 0.0);
    ret_me(33);
  } else if (std::strcmp(mode, "signal") == 0) {
    struct sigaction sa {};
    sa.sa_handler = usr1_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, nullptr);
    raise(SIGUSR1);
    std::printf("signal handled sink=%d\n", g_sink);
  } else if (std::strcmp(mode, "sighandler") == 0) {
    // SIGALRM every 100 us of real time (an hrtimer: on time however loaded
    // the machine is), delivered to this thread, the only one.
    struct sigaction sa {};
    sa.sa_handler = alarm_handler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, nullptr);
    itimerval every{{0, 100}, {0, 100}};
    setitimer(ITIMER_REAL, &every, nullptr);
    long calls = 0;
    while (g_handled < n) {
      leaf(static_cast<int>(calls));
      ++calls;
    }
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    std::printf("handled %d signals, %ld calls between\n", static_cast<int>(g_handled), calls);
  } else if (std::strcmp(mode, "kill") == 0) {
    for (int i = 0; i < n; ++i) counted();
    std::printf("counted %d\n", n);
    std::fflush(stdout);
    kill(getpid(), SIGKILL);
  } else if (std::strcmp(mode, "segv") == 0) {
    for (int i = 0; i < n; ++i) counted();
    std::fflush(stdout);
    *reinterpret_cast<volatile int*>(static_cast<std::uintptr_t>(g_sink) * 0) = 1;
  } else if (std::strcmp(mode, "fork") == 0) {
    outer(1);
    const pid_t pid = fork_here();
    if (pid == 0) {
      for (int i = 0; i < n; ++i) child_fn();
      std::exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
  } else if (std::strcmp(mode, "handoff") == 0) {
    // A second entry handler turns the recorder's fused path off and
    // removing it turns it on again, while the sites keep their stubs
    // (x86-64): every call is recorded all the same.
    using Add = int (*)(ariadne::trace::EntryHandler, void*, unsigned) noexcept;
    if (static_cast<Add>(&ariadne::trace::add_entry_handler) == nullptr) return 3;
    static int seen = 0;
    outer(n);
    const int id = ariadne::trace::add_entry_handler(
        +[](const ariadne::trace::Site&, ariadne::trace::Frame&, void*) { ++seen; }, nullptr,
        ariadne::trace::kHandlerLean);
    outer(n);
    ariadne::trace::remove_handler(id);
    outer(n);
    if (id < 0 || seen != n + 1) {
      std::fprintf(stderr, "record_probe: handoff: the extra handler saw %d calls, expected %d\n", seen,
                   n + 1);
      return 1;
    }
  } else if (std::strcmp(mode, "many") == 0) {
    for (int i = 0; i < n; ++i) call_numbered(std::make_integer_sequence<int, 200>{});
  } else if (std::strcmp(mode, "exec") == 0) {
    outer(1);
    std::fflush(stdout);
    execlp("/nonexistent/prog", "prog", static_cast<char*>(nullptr));  // fails: exec_failed
    outer(1);
    execl("/proc/self/exe", argv[0], "loop", "5", static_cast<char*>(nullptr));
    std::perror("execl");
    return 1;
  } else {
    std::fprintf(stderr, "record_probe: unknown mode %s\n", mode);
    return 2;
  }
  return 0;
}

#include "fiber/StackOverflow.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>

namespace ariadne::fiber {

namespace {

constexpr int kSlots = 4096;
constexpr std::size_t kNameLen = 48;

// A slot is claimed with `used`, filled, then published by storing `begin`
// (release); the handler only trusts slots whose `begin` is non-zero.
// Unregistering clears `begin` first. A handler racing with the reuse of a
// slot can at worst print a stale name: stacks are unregistered only after
// their fiber finished, so no fault can be pending in that guard.
struct Slot {
  std::atomic<bool> used{false};
  std::atomic<std::uintptr_t> begin{0};
  std::uintptr_t end = 0;
  std::size_t size = 0;
  char name[kNameLen] = {};
};

Slot g_slots[kSlots];
std::atomic<int> g_high_water{0};  // slots at or above are unused

void copy_name(Slot& s, const char* name) {
  std::size_t k = 0;
  for (; name[k] != '\0' && k + 1 < kNameLen; ++k) s.name[k] = name[k];
  s.name[k] = '\0';
}

struct sigaction g_previous;
std::once_flag g_install_once;

std::size_t append(char* buf, std::size_t at, std::size_t cap, const char* s) {
  while (*s != '\0' && at + 1 < cap) buf[at++] = *s++;
  return at;
}

std::size_t append_number(char* buf, std::size_t at, std::size_t cap, std::size_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0 && at + 1 < cap) buf[at++] = digits[--n];
  return at;
}

void chain(int sig, siginfo_t* info, void* uctx) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(sig, info, uctx);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  // Default: returning re-executes the faulting access, which now kills
  // the process with SIGSEGV as if we had never been installed.
  signal(sig, SIG_DFL);
}

void on_segv(int sig, siginfo_t* info, void* uctx) {
  const auto addr = reinterpret_cast<std::uintptr_t>(info->si_addr);
  const int high = g_high_water.load(std::memory_order_acquire);
  for (int i = 0; i < high; ++i) {
    const std::uintptr_t begin = g_slots[i].begin.load(std::memory_order_acquire);
    if (begin == 0 || addr < begin || addr >= g_slots[i].end) continue;
    char line[160];
    std::size_t n = format_overflow_line(line, sizeof line, g_slots[i].name, g_slots[i].size);
    ssize_t ignored = write(STDERR_FILENO, line, n);
    (void)ignored;
    signal(sig, SIG_DFL);  // die of SIGSEGV when the access is retried
    return;
  }
  chain(sig, info, uctx);
}

// Frees this thread's alternate signal stack when the thread exits.
struct AltStack {
  void* mem = nullptr;
  std::size_t size = 0;
  ~AltStack() {
    if (mem == nullptr) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
    munmap(mem, size);
  }
};
thread_local AltStack t_altstack;

}  // namespace

std::size_t format_overflow_line(char* buf, std::size_t cap, const char* name, std::size_t size) {
  std::size_t n = 0;
  n = append(buf, n, cap, "fiber \"");
  n = append(buf, n, cap, name);
  n = append(buf, n, cap, "\" overflowed its ");
  constexpr std::size_t KiB = 1024, MiB = 1024 * 1024;
  if (size >= MiB && size % MiB == 0) {
    n = append_number(buf, n, cap, size / MiB);
    n = append(buf, n, cap, " MiB");
  } else if (size % KiB == 0) {
    n = append_number(buf, n, cap, size / KiB);
    n = append(buf, n, cap, " KiB");
  } else {
    n = append_number(buf, n, cap, size);
    n = append(buf, n, cap, " bytes");
  }
  n = append(buf, n, cap, " stack\n");
  if (cap > 0) buf[n < cap ? n : cap - 1] = '\0';
  return n;
}

int register_guard(const void* begin, const void* end, const char* name, std::size_t stack_size) {
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (!g_slots[i].used.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) continue;
    Slot& s = g_slots[i];
    s.end = reinterpret_cast<std::uintptr_t>(end);
    s.size = stack_size;
    copy_name(s, name);
    s.begin.store(reinterpret_cast<std::uintptr_t>(begin), std::memory_order_release);
    int high = g_high_water.load(std::memory_order_relaxed);
    while (high < i + 1 && !g_high_water.compare_exchange_weak(high, i + 1, std::memory_order_release)) {
    }
    return i;
  }
  return -1;
}

void unregister_guard(int slot) {
  if (slot < 0 || slot >= kSlots) return;
  g_slots[slot].begin.store(0, std::memory_order_release);
  g_slots[slot].used.store(false, std::memory_order_release);
}

void rename_guard(int slot, const char* name) {
  if (slot < 0 || slot >= kSlots) return;
  Slot& s = g_slots[slot];
  // Unpublished while the name changes, so the handler never reads half of
  // it (no fault can be pending: the stack is between owners).
  const std::uintptr_t begin = s.begin.exchange(0, std::memory_order_acq_rel);
  copy_name(s, name);
  s.begin.store(begin, std::memory_order_release);
}

void install_overflow_handler_for_this_thread() {
  if (t_altstack.mem == nullptr) {
    // Big enough for the handler under any libc's MINSIGSTKSZ (AArch64 SVE
    // frames are large).
    const std::size_t size = 64 * 1024;
    void* mem = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem != MAP_FAILED) {
      stack_t ss{};
      ss.ss_sp = mem;
      ss.ss_size = size;
      if (sigaltstack(&ss, nullptr) == 0) {
        t_altstack.mem = mem;
        t_altstack.size = size;
      } else {
        munmap(mem, size);
      }
    }
  }
  std::call_once(g_install_once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous);
  });
}

}  // namespace ariadne::fiber

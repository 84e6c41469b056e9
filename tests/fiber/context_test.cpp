// The context-switch primitive (src/arch/context.h) on its own: no fiber
// layer, stacks from the heap.
#include "arch/context.h"

#include <gtest/gtest.h>
#include <unwind.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr std::size_t kStackSize = 64 * 1024;

struct HeapStack {
  std::unique_ptr<unsigned char[]> mem{new unsigned char[kStackSize]};
  void* top() const { return mem.get() + kStackSize; }
};

ariadne_ctx_t make(HeapStack& s, void (*entry)(ariadne_transfer_t)) {
  return ariadne_ctx_make(s.top(), kStackSize, entry);
}

// --- entry receives the transfer of the first switch ---------------------
ariadne_transfer_t g_first;
void record_first(ariadne_transfer_t t) {
  g_first = t;
  ariadne_ctx_switch(t.from, reinterpret_cast<void*>(0x1234));
  std::abort();
}

TEST(Context, EntryReceivesTransferOfFirstSwitch) {
  HeapStack s;
  int token = 0;
  ariadne_ctx_t c = make(s, record_first);
  ariadne_transfer_t back = ariadne_ctx_switch(c, &token);
  EXPECT_EQ(g_first.data, &token);
  EXPECT_NE(g_first.from, nullptr);
  EXPECT_EQ(back.data, reinterpret_cast<void*>(0x1234));
  EXPECT_NE(back.from, nullptr);
}

// --- ping-pong with data passing -----------------------------------------
void counter(ariadne_transfer_t t) {
  // Each resume brings a number; answer with its double. Resume the latest
  // `from` every time: that is the context that just suspended.
  for (;;) {
    auto v = reinterpret_cast<std::uintptr_t>(t.data);
    t = ariadne_ctx_switch(t.from, reinterpret_cast<void*>(v * 2));
  }
}

TEST(Context, PingPongPassesDataBothWays) {
  HeapStack s;
  ariadne_ctx_t c = make(s, counter);
  for (std::uintptr_t i = 1; i <= 1000; ++i) {
    ariadne_transfer_t t = ariadne_ctx_switch(c, reinterpret_cast<void*>(i));
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(t.data), 2 * i);
    c = t.from;
  }
}

// Locals of the suspended side survive (callee-saved and stack state).
void accumulate(ariadne_transfer_t t) {
  long sum = 0;
  double fsum = 0.5;
  for (;;) {
    sum += reinterpret_cast<std::intptr_t>(t.data);
    fsum *= 1.5;
    long out = sum + static_cast<long>(fsum);
    t = ariadne_ctx_switch(t.from, reinterpret_cast<void*>(out));
  }
}

TEST(Context, SuspendedLocalsSurvive) {
  HeapStack s;
  ariadne_ctx_t c = make(s, accumulate);
  long sum = 0;
  double fsum = 0.5;
  for (long i = 1; i <= 40; ++i) {
    auto t = ariadne_ctx_switch(c, reinterpret_cast<void*>(i));
    c = t.from;
    sum += i;
    fsum *= 1.5;
    ASSERT_EQ(reinterpret_cast<long>(t.data), sum + static_cast<long>(fsum)) << i;
  }
}

// --- nested: main -> A -> B -> A -> main ----------------------------------
struct Nest {
  HeapStack sb;
  std::vector<int> order;
};
Nest* g_nest;

void inner(ariadne_transfer_t t) {
  g_nest->order.push_back(2);
  ariadne_ctx_switch(t.from, reinterpret_cast<void*>(20));
  std::abort();
}

void outer(ariadne_transfer_t t) {
  ariadne_ctx_t main_ctx = t.from;
  g_nest->order.push_back(1);
  ariadne_ctx_t b = make(g_nest->sb, inner);
  ariadne_transfer_t r = ariadne_ctx_switch(b, nullptr);
  g_nest->order.push_back(3);
  ariadne_ctx_switch(main_ctx, reinterpret_cast<void*>(reinterpret_cast<std::uintptr_t>(r.data) + 1));
  std::abort();
}

TEST(Context, NestedContexts) {
  Nest n;
  g_nest = &n;
  HeapStack sa;
  ariadne_ctx_t a = make(sa, outer);
  ariadne_transfer_t t = ariadne_ctx_switch(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.data), 21u);
  EXPECT_EQ(n.order, (std::vector<int>{1, 2, 3}));
}

// --- migration: suspended on one OS thread, resumed on another ------------
void migrant(ariadne_transfer_t t) {
  for (;;) {
    auto id = new std::thread::id(std::this_thread::get_id());
    t = ariadne_ctx_switch(t.from, id);
  }
}

TEST(Context, ResumedFromAnotherThread) {
  HeapStack s;
  ariadne_ctx_t c = make(s, migrant);
  std::thread::id seen[2];
  std::thread::id threads[2];
  std::atomic<int> step{0};
  auto resume_on_this_thread = [&](int i) {
    while (step.load() != i) std::this_thread::yield();
    threads[i] = std::this_thread::get_id();
    ariadne_transfer_t t = ariadne_ctx_switch(c, nullptr);
    c = t.from;
    auto* id = static_cast<std::thread::id*>(t.data);
    seen[i] = *id;
    delete id;
    step.fetch_add(1);
    // Stay alive until both ran, so the two thread ids are distinct.
    while (step.load() != 2) std::this_thread::yield();
  };
  std::thread t0(resume_on_this_thread, 0);
  std::thread t1(resume_on_this_thread, 1);
  t0.join();
  t1.join();
  // The fiber sees the thread it currently runs on (TLS is not switched).
  EXPECT_EQ(seen[0], threads[0]);
  EXPECT_EQ(seen[1], threads[1]);
  EXPECT_NE(seen[0], seen[1]);
}

// --- the libgcc unwinder walks a fiber's stack and stops at its base ------
struct UnwindResult {
  int frames = 0;
  _Unwind_Reason_Code code = _URC_NO_REASON;
};
UnwindResult g_unwind;

_Unwind_Reason_Code count_frame(struct _Unwind_Context*, void* arg) {
  auto* r = static_cast<UnwindResult*>(arg);
  return ++r->frames > 64 ? _URC_NORMAL_STOP : _URC_NO_REASON;
}

[[gnu::noinline]] void unwind_here() { g_unwind.code = _Unwind_Backtrace(count_frame, &g_unwind); }

void unwinding(ariadne_transfer_t t) {
  unwind_here();
  ariadne_ctx_switch(t.from, nullptr);
  std::abort();
}

TEST(Context, LibgccUnwinderStopsAtTrampoline) {
  HeapStack s;
  ariadne_ctx_switch(make(s, unwinding), nullptr);
  // unwind_here, unwinding, the trampoline (+ _Unwind_Backtrace itself):
  // end of stack, not a runaway walk into the heap.
  EXPECT_EQ(g_unwind.code, _URC_END_OF_STACK);
  EXPECT_GE(g_unwind.frames, 3);
  EXPECT_LE(g_unwind.frames, 6);
}

// C++ exceptions unwind within a fiber.
[[gnu::noinline]] void thrower(int v) { throw std::runtime_error(std::to_string(v)); }

void catching(ariadne_transfer_t t) {
  std::string got;
  try {
    thrower(42);
  } catch (const std::runtime_error& e) {
    got = e.what();
  }
  ariadne_ctx_switch(t.from, reinterpret_cast<void*>(got == "42" ? 1 : 0));
  std::abort();
}

TEST(Context, ExceptionsUnwindInsideAFiber) {
  HeapStack s;
  ariadne_transfer_t t = ariadne_ctx_switch(make(s, catching), nullptr);
  EXPECT_EQ(t.data, reinterpret_cast<void*>(1));
}

// --- entry returning aborts -------------------------------------------------
void returns(ariadne_transfer_t) {}

TEST(ContextDeathTest, EntryReturningAborts) {
  EXPECT_DEATH(
      {
        HeapStack s;
        ariadne_ctx_switch(make(s, returns), nullptr);
      },
      "");
}

TEST(ContextDeathTest, EntryReturningAbortsWithSIGABRT) {
  EXPECT_EXIT(
      {
        HeapStack s;
        ariadne_ctx_switch(make(s, returns), nullptr);
      },
      ::testing::KilledBySignal(SIGABRT), "");
}

}  // namespace

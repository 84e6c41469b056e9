// Mutex, ConditionVariable, Channel: across workers and from plain threads.
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "ariadne/fiber.hpp"

namespace af = ariadne::fiber;

TEST(SchedSync, MutexExcludesUnderContentionAcrossWorkers) {
  af::Scheduler sched(4);
  af::Mutex m;
  long counter = 0;  // deliberately not atomic
  std::atomic<int> inside{0}, overlaps{0};
  std::vector<af::Fiber> fs;
  constexpr int kFibers = 8, kIters = 1000;
  for (int k = 0; k < kFibers; ++k)
    fs.push_back(sched.spawn("locker", [&] {
      for (int i = 0; i < kIters; ++i) {
        std::lock_guard g(m);
        if (inside.fetch_add(1) != 0) ++overlaps;
        long c = counter;
        if (i % 16 == 0) af::this_fiber::yield();  // hold the lock across a switch
        counter = c + 1;
        inside.fetch_sub(1);
      }
    }));
  // A plain thread contends too.
  std::thread t([&] {
    for (int i = 0; i < kIters; ++i) {
      std::lock_guard g(m);
      if (inside.fetch_add(1) != 0) ++overlaps;
      ++counter;
      inside.fetch_sub(1);
    }
  });
  for (auto& f : fs) f.join();
  t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(counter, static_cast<long>(kFibers + 1) * kIters);
  EXPECT_FALSE(m.try_lock() == false);  // free again
  m.unlock();
}

TEST(SchedSync, ConditionVariableProducerConsumer) {
  af::Scheduler sched(2);
  af::Mutex m;
  af::ConditionVariable cv;
  std::deque<int> q;
  bool finished = false;
  long consumed_sum = 0;
  int consumed = 0;
  constexpr int kPerProducer = 500;
  std::vector<af::Fiber> consumers, producers;
  for (int c = 0; c < 3; ++c)
    consumers.push_back(sched.spawn("consumer", [&] {
      while (true) {
        std::unique_lock lk(m);
        cv.wait(lk, [&] { return !q.empty() || finished; });
        if (q.empty()) return;
        consumed_sum += q.front();
        ++consumed;
        q.pop_front();
      }
    }));
  for (int p = 0; p < 2; ++p)
    producers.push_back(sched.spawn("producer", [&, p] {
      for (int i = 1; i <= kPerProducer; ++i) {
        std::lock_guard g(m);
        q.push_back(p * 100000 + i);
        cv.notify_one();
      }
    }));
  for (auto& f : producers) f.join();
  {
    std::lock_guard g(m);
    finished = true;
  }
  cv.notify_all();
  for (auto& f : consumers) f.join();
  EXPECT_EQ(consumed, 2 * kPerProducer);
  const long per = static_cast<long>(kPerProducer) * (kPerProducer + 1) / 2;
  EXPECT_EQ(consumed_sum, per + (100000L * kPerProducer + per));
}

TEST(SchedSync, ChannelIsBoundedOrderedAndCloses) {
  af::Scheduler sched(2);
  af::Channel<int> ch(2);
  std::atomic<int> sent{0};
  int max_ahead = 0;
  std::vector<int> got;
  af::Fiber producer = sched.spawn("producer", [&] {
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(ch.send(i));
      ++sent;
    }
    ch.close();
    EXPECT_FALSE(ch.send(7));
  });
  af::Fiber consumer = sched.spawn("consumer", [&] {
    while (auto v = ch.receive()) {
      max_ahead = std::max(max_ahead, sent.load() - static_cast<int>(got.size()));
      got.push_back(*v);
      if (got.size() % 10 == 0) af::this_fiber::yield();
    }
  });
  producer.join();
  consumer.join();
  ASSERT_EQ(got.size(), 200u);
  for (int i = 0; i < 200; ++i) ASSERT_EQ(got[i], i);
  // sent counts completed sends; at most capacity (2) + the one being taken can be ahead.
  EXPECT_LE(max_ahead, 3);
  EXPECT_TRUE(ch.closed());
}

TEST(SchedSync, ChannelTryOperationsAndDrainAfterClose) {
  af::Channel<int> ch(2);
  int v = 1;
  EXPECT_EQ(ch.try_send(v), af::ChannelStatus::ok);
  v = 2;
  EXPECT_EQ(ch.try_send(v), af::ChannelStatus::ok);
  v = 3;
  EXPECT_EQ(ch.try_send(v), af::ChannelStatus::full);
  ch.close();
  EXPECT_EQ(ch.try_send(v), af::ChannelStatus::closed);
  int out = 0;
  EXPECT_EQ(ch.try_receive(out), af::ChannelStatus::ok);
  EXPECT_EQ(out, 1);
  EXPECT_EQ(ch.receive(), std::optional<int>(2));
  EXPECT_EQ(ch.try_receive(out), af::ChannelStatus::closed);
  EXPECT_EQ(ch.receive(), std::nullopt);
  af::Channel<int> open(1);
  EXPECT_EQ(open.try_receive(out), af::ChannelStatus::empty);
}

TEST(SchedSync, ChannelBetweenPlainThreadAndFibers) {
  af::Scheduler sched(2);
  af::Channel<int> ch(4);
  std::vector<af::Fiber> fs;
  for (int k = 0; k < 3; ++k)
    fs.push_back(sched.spawn("feeder", [&ch, k] {
      for (int i = 0; i < 100; ++i) ch.send(k * 1000 + i);
    }));
  long sum = 0;
  for (int i = 0; i < 300; ++i) sum += *ch.receive();  // the main thread blocks on a futex
  for (auto& f : fs) f.join();
  EXPECT_EQ(sum, 3 * 4950 + 100 * (0 + 1000 + 2000));
}

// Two fibers ping-pong on two workers: every round blocks and wakes across
// workers, the window where a fiber woken before it finished switching out
// would run on a stale context ("switch then publish").
TEST(SchedSync, PingPongAcrossWorkersBlocksAndWakesSafely) {
  af::Scheduler sched(4);
  af::Channel<int> ping(1), pong(1);
  constexpr int kRounds = 5000;
  long sum = 0;
  std::vector<af::Fiber> fs;
  fs.push_back(sched.spawn("pinger", [&] {
    for (int i = 0; i < kRounds; ++i) {
      ping.send(i);
      sum += *pong.receive();
    }
    ping.close();
  }));
  fs.push_back(sched.spawn("ponger", [&] {
    while (auto v = ping.receive()) pong.send(*v + 1);
  }));
  for (auto& f : fs) f.join();
  EXPECT_EQ(sum, static_cast<long>(kRounds) * (kRounds + 1) / 2);
}

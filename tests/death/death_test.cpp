#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>

namespace {

[[noreturn]] void abort_now() { std::abort(); }
[[noreturn]] void exit_with(int code) { std::exit(code); }

}  // namespace

TEST(DeathTest, AbortIsSeenToDie) { EXPECT_DEATH(abort_now(), ""); }

TEST(DeathTest, ExitCodeIsSeen) { EXPECT_EXIT(exit_with(3), testing::ExitedWithCode(3), ""); }

TEST(DeathTest, SignalIsSeen) { EXPECT_EXIT(raise(SIGSEGV), testing::KilledBySignal(SIGSEGV), ""); }

TEST(DeathTest, StderrIsMatched) {
  EXPECT_DEATH(
      {
        const char msg[] = "ariadne death probe\n";
        [[maybe_unused]] auto w = write(2, msg, sizeof msg - 1);
        abort_now();
      },
      "ariadne death probe");
}

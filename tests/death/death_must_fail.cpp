// This binary is expected to FAIL: the statement does not die. CTest passes it
// only when gtest prints its "failed to die" verdict, which proves the death
// test child really ran (re-exec through binfmt on AArch64).
#include <gtest/gtest.h>

namespace {
volatile int g_sink = 0;
void does_not_die() { g_sink = g_sink + 1; }
}  // namespace

TEST(DeathTestCanFail, NonDyingStatement) { EXPECT_DEATH(does_not_die(), ""); }

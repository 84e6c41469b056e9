#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "launch/LaunchError.hpp"
#include "launch/RuntimeLocator.hpp"

using ariadne::arch::Isa;
using ariadne::launch::LaunchError;
using ariadne::launch::RuntimeLocator;

TEST(RuntimeLocator, SearchOrder) {
  RuntimeLocator loc("/opt/a/bin", std::string("/env"));
  const auto c = loc.candidates(Isa::aarch64);
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0], "/env/aarch64/libariadne-rt.so");
  EXPECT_EQ(c[1], "/opt/a/bin/lib/aarch64/libariadne-rt.so");
  EXPECT_EQ(c[2], "/opt/a/bin/../lib/ariadne/aarch64/libariadne-rt.so");
}

TEST(RuntimeLocator, FindsInstalledLayoutAndReportsMisses) {
  char tmpl[] = "/tmp/ariadne-loc-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string root = tmpl;
  ASSERT_EQ(mkdir((root + "/bin").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/lib").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/lib/ariadne").c_str(), 0755), 0);
  ASSERT_EQ(mkdir((root + "/lib/ariadne/x86_64").c_str(), 0755), 0);
  const std::string so = root + "/lib/ariadne/x86_64/libariadne-rt.so";
  std::ofstream(so) << "x";
  RuntimeLocator loc(root + "/bin", std::nullopt);
  EXPECT_EQ(loc.find(Isa::x86_64, "prog"), so);
  try {
    loc.find(Isa::aarch64, "prog");
    ADD_FAILURE() << "expected LaunchError";
  } catch (const LaunchError& e) {
    EXPECT_NE(std::string(e.what()).find("prog: no aarch64 runtime"), std::string::npos);
  }
  unlink(so.c_str());
  rmdir((root + "/lib/ariadne/x86_64").c_str());
  rmdir((root + "/lib/ariadne").c_str());
  rmdir((root + "/lib").c_str());
  rmdir((root + "/bin").c_str());
  rmdir(root.c_str());
}

// The analysis commands on a recording with known durations: exact output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "TraceBuilder.hpp"

namespace ariadne::tracefile::test {
namespace {

// Process 100: main thread 100 and thread 101; all times in ns.
//   main            0 .. 10000 (self 7000)
//     work(1, "x")  1000 .. 3000 = 7   (self 1500)
//       leaf        1500 .. 2000
//     work(2, "y")  4000 .. 5000 = 8
//     signal 11 at 6000
//   thread 101: worker 600 .. 2600 { leaf 1000 .. 1100 }
TraceBuilder fixture() {
  TraceBuilder b;
  b.session.argv = {"./demo", "--fast"};
  auto& p = b.process(100);
  p.argv = {"./demo", "--fast"};
  p.site(1, "main").site(2, "work").site(3, "leaf").site(4, "worker");
  p.segment(100, 0, 0)
      .events.entry(1, 0)
      .entry_args(2, 1000, {int_value(1), string_value("x")})
      .entry(3, 1500)
      .exit(2000)
      .exit_retval(3000, int_value(7))
      .entry_args(2, 4000, {int_value(2), string_value("y")})
      .exit_retval(5000, int_value(8))
      .signal(6000, 11)
      .exit(10000);
  p.segment(101, 0, 500, SegmentForm::compressed)
      .events.thread_start(500, 100)
      .entry(4, 600)
      .entry(3, 1000)
      .exit(1100)
      .exit(2600)
      .thread_exit(2700);
  return b;
}

struct CliRun {
  int status = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

CliRun ariadne(const std::string& args) {
  const std::string dir = temp_dir("cli-out");
  const std::string cmd = std::string(ARIADNE_BIN) + " " + args + " >" + dir + "/out 2>" + dir + "/err";
  CliRun r;
  const int rc = std::system(cmd.c_str());
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(dir + "/out");
  r.err = slurp(dir + "/err");
  remove_tree(dir);
  return r;
}

class TraceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir("cli");
    fixture().write(dir_);
  }
  void TearDown() override { remove_tree(dir_); }
  std::string dir_;
};

TEST_F(TraceCli, Report) {
  const CliRun r = ariadne("report " + dir_);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(
      r.out,
      "  Total time    Self time      Calls      Average          Min          Max  Function\n"
      "  ==========   ========== ==========   ==========   ==========   ==========  ====================\n"
      "   10.000 us     7.000 us          1    10.000 us    10.000 us    10.000 us  main\n"
      "    3.000 us     2.500 us          2     1.500 us     1.000 us     2.000 us  work\n"
      "    2.000 us     1.900 us          1     2.000 us     2.000 us     2.000 us  worker\n"
      "      600 ns       600 ns          2       300 ns       100 ns       500 ns  leaf\n");
}

TEST_F(TraceCli, ReportSortAndThreads) {
  CliRun r = ariadne("report --sort calls --tid 100 " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("  Function\n"), std::string::npos);
  const auto work = r.out.find("work"), main = r.out.find("main"), leaf = r.out.find("leaf");
  EXPECT_LT(work, main);
  EXPECT_LT(leaf, main);
  EXPECT_EQ(r.out.find("worker"), std::string::npos);
  r = ariadne("report --threads --sort name " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("# process 100 (100), thread 100\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("# process 100 (100), thread 101\n"), std::string::npos);
  EXPECT_NE(r.out.find("      100 ns       100 ns          1       100 ns       100 ns       100 ns  leaf\n"),
            std::string::npos)
      << r.out;
}

TEST_F(TraceCli, Show) {
  const CliRun r = ariadne("show " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.out,
            "# process 100 (100), thread 100\n"
            "  # DURATION [   TID] | FUNCTION\n"
            "             [   100] | main() {\n"
            "             [   100] |   work(1, \"x\") {\n"
            "      500 ns [   100] |     leaf();\n"
            "    2.000 us [   100] |   } = 7 /* work */\n"
            "    1.000 us [   100] |   work(2, \"y\") = 8;\n"
            "             [   100] |   /* signal 11 */\n"
            "   10.000 us [   100] | } /* main */\n"
            "\n"
            "# process 100 (100), thread 101\n"
            "  # DURATION [   TID] | FUNCTION\n"
            "             [   101] | /* thread start (parent 100) */\n"
            "             [   101] | worker() {\n"
            "      100 ns [   101] |   leaf();\n"
            "    2.000 us [   101] | } /* worker */\n"
            "             [   101] | /* thread exit */\n");
}

// The calls shown are indented by the shown calls around them: main is not
// shown, so its callees are at depth 0 (as `uftrace replay -F` does).
TEST_F(TraceCli, ShowFilters) {
  CliRun r = ariadne("show --tid 100 --since 3.5us --until 5us " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "# process 100 (100), thread 100\n"
            "  # DURATION [   TID] | FUNCTION\n"
            "    1.000 us [   100] | work(2, \"y\") = 8;\n");
  r = ariadne("show --tid 100 -F work -N leaf " + dir_);
  EXPECT_EQ(r.out,
            "# process 100 (100), thread 100\n"
            "  # DURATION [   TID] | FUNCTION\n"
            "             [   100] | work(1, \"x\") {\n"
            "    2.000 us [   100] | } = 7 /* work */\n"
            "    1.000 us [   100] | work(2, \"y\") = 8;\n");
  r = ariadne("show --since bogus " + dir_);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "ariadne: --since 'bogus': expected a duration like 1.5ms\n");
}

TEST_F(TraceCli, Graph) {
  CliRun r = ariadne("graph " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out,
            "# Call graph\n"
            "# TOTAL TIME      CALLS : FUNCTION\n"
            "   10.000 us          1 : main\n"
            "    3.000 us          2 : +-- work\n"
            "      500 ns          1 :     +-- leaf\n"
            "    2.000 us          1 : worker\n"
            "      100 ns          1 : +-- leaf\n");
  r = ariadne("graph " + dir_ + " 'w.*'");
  EXPECT_EQ(r.out,
            "# Call graph under 'w.*'\n"
            "# TOTAL TIME      CALLS : FUNCTION\n"
            "    3.000 us          2 : work\n"
            "      500 ns          1 : +-- leaf\n"
            "    2.000 us          1 : worker\n"
            "      100 ns          1 : +-- leaf\n");
}

TEST_F(TraceCli, Info) {
  const CliRun r = ariadne("info " + dir_);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("Command      ./demo --fast\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Arch         x86_64\n"), std::string::npos);
  EXPECT_NE(r.out.find("Started      2023-11-14 22:13:20.000 UTC\n"), std::string::npos);
  EXPECT_NE(r.out.find("Duration     10.000 us (first to last event)\n"), std::string::npos);
  EXPECT_NE(r.out.find("Exit         exit 0\n"), std::string::npos);
  EXPECT_NE(r.out.find("Events       15\n"), std::string::npos);
  EXPECT_NE(r.out.find("Calls        6\n"), std::string::npos);
  EXPECT_NE(r.out.find("Segments     1 raw, 1 compressed\n"), std::string::npos);
  EXPECT_NE(r.out.find("Process 100: pid 100, parent 1\n"), std::string::npos);
  EXPECT_NE(r.out.find("  Threads    2: 100 101\n"), std::string::npos);
  EXPECT_NE(r.out.find("  Module     /bin/prog base 0x400000 build-id abcdef0123456789\n"),
            std::string::npos);
}

TEST_F(TraceCli, DamagedRecordingStillReports) {
  // Cut thread 100's segment inside the exit of work(2, "y"): the calls before it remain.
  const std::string seg = dir_ + "/100/t100-0.seg";
  const auto bytes = read_bytes(seg);
  std::size_t used = 0;
  for (std::size_t i = bytes.size(); i > kSegmentHeaderSize; --i)
    if (bytes[i - 1] != 0) {
      used = i;
      break;
    }
  truncate_file(seg, used - 8);
  const CliRun r = ariadne("report " + dir_);
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(
      r.out,
      "  Total time    Self time      Calls      Average          Min          Max  Function\n"
      "  ==========   ========== ==========   ==========   ==========   ==========  ====================\n"
      "    2.000 us     1.500 us          1     2.000 us     2.000 us     2.000 us  work\n"
      "    2.000 us     1.900 us          1     2.000 us     2.000 us     2.000 us  worker\n"
      "      600 ns       600 ns          2       300 ns       100 ns       500 ns  leaf\n"
      "# 2 calls still open at the end of the recording (not timed)\n");
  EXPECT_EQ(r.err, "ariadne: " + seg + ": offset 103: expected 47 payload bytes (sealed), found 39\n" +
                       "ariadne: " + seg +
                       ": offset 103: expected the rest of the exit_retval event (tag at offset 99), "
                       "found the end of the data\n" +
                       "ariadne: 2 problems in the recording; the output shows what is intact\n");
  const CliRun bad = ariadne("report /nonexistent");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "ariadne: /nonexistent: not a recording: No such file or directory\n");
}

}  // namespace
}  // namespace ariadne::tracefile::test

namespace ariadne::tracefile::test {
namespace {

TEST(TraceCliNames, ShowReplacesTheDemangledParametersWithTheCapturedValues) {
  TraceBuilder b;
  auto& p = b.process(7);
  p.site(1, "ns::handler(int)").site(2, "S<int (*)(int)>::get() const").site(3, "Functor::operator()(int)");
  p.segment(7, 0, 0)
      .events.entry_args(1, 0, {int_value(10)})
      .entry(2, 5)
      .exit(7)
      .entry(3, 8)
      .exit(9)
      .exit(20);
  const std::string dir = temp_dir("names");
  b.write(dir);
  const CliRun r = ariadne("show " + dir);
  EXPECT_EQ(r.out,
            "# process 7 (7), thread 7\n"
            "  # DURATION [   TID] | FUNCTION\n"
            "             [     7] | ns::handler(10) {\n"
            "        2 ns [     7] |   S<int (*)(int)>::get();\n"
            "        1 ns [     7] |   Functor::operator()();\n"
            "       20 ns [     7] | } /* ns::handler */\n");
  remove_tree(dir);
}

}  // namespace
}  // namespace ariadne::tracefile::test

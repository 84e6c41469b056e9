#include "cli/ReplayOutput.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "launch/LaunchError.hpp"

namespace ariadne::cli {

namespace {

bool write_all(int fd, const char* p, std::size_t n) {
  if (fd < 0) return true;  // not passed through
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Up to 24 bytes from `at`, escaped for one line.
std::string excerpt(const char* p, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n && i < 24; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    if (c == '\n') {
      s += "\\n";
    } else if (c >= 32 && c < 127) {
      s += static_cast<char>(c);
    } else {
      s += fmt::format("\\x{:02x}", c);
    }
  }
  return s;
}

}  // namespace

void OutputPipes::open() {
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw launch::LaunchError(fmt::format("cannot create the output pipes: {}", std::strerror(errno)));
}

void OutputPipes::close_child_ends() {
  ::close(out[1]);
  ::close(err[1]);
  out[1] = err[1] = -1;
}

PumpResult pump_output(const OutputPipes& pipes, pid_t child, std::FILE* save_out, std::FILE* save_err,
                       const std::string* expect_out, const std::string* expect_err, bool pass_through) {
  PumpResult result;
  struct Stream {
    int fd;
    int to;
    std::FILE* save;
    const std::string* expect;
    std::uint64_t* count;
    const char* name;
  } streams[2] = {
      {pipes.out[0], pass_through ? STDOUT_FILENO : -1, save_out, expect_out, &result.out_bytes, "stdout"},
      {pipes.err[0], pass_through ? STDERR_FILENO : -1, save_err, expect_err, &result.err_bytes, "stderr"}};
  char buf[65536];
  int open_streams = 2;
  while (open_streams > 0) {
    pollfd fds[2];
    for (int i = 0; i < 2; ++i) fds[i] = {streams[i].fd, POLLIN, 0};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      Stream& s = streams[i];
      if (s.fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(s.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(s.fd);
        s.fd = -1;
        --open_streams;
        continue;
      }
      const auto len = static_cast<std::size_t>(n);
      if (s.expect != nullptr && !result.diverged) {
        const std::uint64_t at = *s.count;
        const std::string& e = *s.expect;
        std::size_t same = 0;
        while (same < len && at + same < e.size() && e[at + same] == buf[same]) ++same;
        if (same < len) {
          result.diverged = true;
          const std::uint64_t where = at + same;
          result.message =
              where < e.size()
                  ? fmt::format(
                        "the program's {} differs from the recording at byte {}: expected \"{}\", found "
                        "\"{}\"",
                        s.name, where, excerpt(e.data() + where, e.size() - where),
                        excerpt(buf + same, len - same))
                  : fmt::format("the program's {} goes on past the recorded {} bytes: found \"{}\"", s.name,
                                e.size(), excerpt(buf + same, len - same));
          // What matched still goes out, so the user sees where it parted.
          write_all(s.to, buf, same);
          *s.count += same;
          ::kill(child, SIGKILL);
          continue;
        }
      }
      if (result.diverged) continue;  // drained, not shown
      write_all(s.to, buf, len);
      // Flushed as it comes: a recorder killed before PROG ends leaves the
      // copy as long as the log's events say it is (the log is kill-safe).
      if (s.save != nullptr && std::fwrite(buf, 1, len, s.save) == len) std::fflush(s.save);
      *s.count += len;
    }
  }
  if (!result.diverged) {
    for (const Stream& s : streams) {
      if (s.expect != nullptr && *s.count < s.expect->size() && result.missing.empty()) {
        result.missing = fmt::format(
            "the program's {} ended after {} bytes; the recording has {}: next expected \"{}\"", s.name,
            *s.count, s.expect->size(), excerpt(s.expect->data() + *s.count, s.expect->size() - *s.count));
      }
    }
  }
  return result;
}

ReplayRun run_replayable(const launch::Launcher& launcher, launch::LaunchPlan plan, std::FILE* save_out,
                         std::FILE* save_err, const std::string* expect_out, const std::string* expect_err,
                         bool pass_through) {
  OutputPipes pipes;
  pipes.open();
  plan.no_aslr = true;
  plan.stdout_fd = pipes.out[1];
  plan.stderr_fd = pipes.err[1];
  const pid_t pid = launcher.spawn(plan);
  // A Ctrl-C or SIGTERM while the program runs is the program's: this process
  // goes on pumping and keeps what it printed.
  launch::forward_signals_to(pid);
  pipes.close_child_ends();
  ReplayRun run;
  run.pumped = pump_output(pipes, pid, save_out, save_err, expect_out, expect_err, pass_through);
  run.status = launch::wait_forwarding_signals(pid);
  return run;
}

}  // namespace ariadne::cli

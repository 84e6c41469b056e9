#include "cli/ReplayDebugger.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "launch/LaunchError.hpp"

namespace ariadne::cli {

namespace {

using launch::LaunchError;

// The first executable `name` on PATH, or "".
std::string on_path(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string candidate = fmt::format("{}/{}", dirs.substr(start, end - start), name);
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// A TCP port free now on the loopback interface, for qemu's gdb stub.
int free_port() {
  const int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) throw LaunchError(fmt::format("--gdb: socket: {}", std::strerror(errno)));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t n = sizeof a;
  const bool ok = ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &n) == 0;
  ::close(s);
  if (!ok)
    throw LaunchError(fmt::format("--gdb: no free port for qemu's gdb stub: {}", std::strerror(errno)));
  return ntohs(a.sin_port);
}

// An argument as gdb's `set args` splits it without a shell (libiberty's
// buildargv): every character but the plainest escaped.
std::string gdb_quoted(const std::string& arg) {
  if (arg.find('\n') != std::string::npos)
    throw LaunchError("--gdb: an argument of PROG holds a newline, which gdb's `set args` cannot pass");
  if (arg.empty()) return "''";
  std::string q;
  for (const char c : arg) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && std::strchr("/._-=:,+@%", c) == nullptr)
      q += '\\';
    q += c;
  }
  return q;
}

// Signals the replay runtime and programs use that must not stop gdb each
// time (SIGSYS: each of the program's trapped system calls, SyscallTrap.hpp).
constexpr const char* kPassedSignals =
    "handle SIGALRM SIGVTALRM SIGPROF SIGUSR1 SIGUSR2 SIGCHLD SIGPIPE SIGURG SIGIO SIGWINCH SIGSYS nostop "
    "noprint pass\n";

// `ariadne-continue`: `continue`, past the runtime's own traps. On x86-64
// each diverted rdtsc/cpuid/rdrand is an int3 the runtime's SIGTRAP handler
// serves (docs/replay.md, "Nondeterministic instructions"). gdb stops at
// each as at an unknown breakpoint, and `handle SIGTRAP pass` cannot help:
// gdb would then hand the traps of its own internal breakpoints to the
// program too. So a stop on a SIGTRAP raised by an int3 (si_code SI_KERNEL)
// that no breakpoint of gdb's explains resumes with the signal; any other
// stop is the user's.
constexpr const char* kContinueCommand =
    "python\n"
    "import gdb\n"
    "class AriadneContinue(gdb.Command):\n"
    "    \"\"\"continue, handing the replay runtime's int3 traps (SIGTRAP) to the program\"\"\"\n"
    "    def __init__(self):\n"
    "        super().__init__('ariadne-continue', gdb.COMMAND_RUNNING)\n"
    "        self.last = None\n"
    "        gdb.events.stop.connect(self.seen)\n"
    "    def seen(self, event):\n"
    "        self.last = event\n"
    "    def runtime_trap(self):\n"
    "        if self.last is None or isinstance(self.last, gdb.BreakpointEvent):\n"
    "            return False\n"
    "        try:\n"
    "            return int(gdb.parse_and_eval('$_siginfo.si_signo')) == 5 and \\\n"
    "                int(gdb.parse_and_eval('$_siginfo.si_code')) == 0x80\n"
    "        except gdb.error:\n"
    "            return False\n"
    "    def invoke(self, argument, from_tty):\n"
    "        command = 'continue'\n"
    "        while True:\n"
    "            self.last = None\n"
    "            gdb.execute(command, to_string=True)\n"
    "            if not self.runtime_trap():\n"
    "                break\n"
    "            command = 'signal SIGTRAP'\n"
    "AriadneContinue()\n"
    "end\n";

// Once gdb stops in ariadne_replay_event_reached or _call_reached: up to the
// innermost frame of the program's own code (out of libariadne-*.so), then
// run to the end of the call into the runtime that frame made, so the program
// stands right after the replayed call, its results in place (or at the
// function's entry, for --at-call). A FinishBreakpoint rather than `finish`:
// `finish` puts the runtime function's value in gdb's history when the
// runtime has debug information, and the user's first `print` would be $2.
// A diverted instruction's event is replayed in the runtime's SIGTRAP
// handler (x86-64) or from the instruction's stub, code in no object file
// (AArch64), not in a call: the runtime names where the program resumes,
// past the instruction (the second argument), and gdb runs to there.
constexpr const char* kToProgramFrame =
    "python\n"
    "import gdb\n"
    "resume = int(gdb.parse_and_eval('$%s' % ('x1' if 'aarch64' in "
    "gdb.selected_frame().architecture().name()\n"
    "                                         else 'rsi'))) & 0xffffffffffffffff\n"
    "f = gdb.newest_frame()\n"
    "inner = None\n"
    "while f is not None and 'libariadne' in (gdb.solib_name(f.pc()) or ''):\n"
    "    inner, f = f, f.older()\n"
    "if resume != 0:\n"
    "    gdb.execute('tbreak *%#x thread %d' % (resume, gdb.selected_thread().num))\n"
    "    gdb.execute('ariadne-continue')\n"
    "elif inner is not None and f is not None:\n"
    "    gdb.FinishBreakpoint(inner)\n"
    "    gdb.execute('ariadne-continue')\n"
    "end\n";

std::string gdb_script(const launch::LaunchPlan& plan, const DebuggerRequest& r, const std::string& preload,
                       int port) {
  std::string s =
      "set pagination off\nset confirm off\nset breakpoint pending on\nset print thread-events off\n";
  if (port == 0) {
    // As `ariadne replay` starts PROG: no shell, no randomisation, the
    // environment it had when recorded (gdb adds LINES and COLUMNS).
    s += "set startup-with-shell off\nset disable-randomization on\n";
    s += "unset environment LINES\nunset environment COLUMNS\n";
    s += fmt::format("set environment {}\n", preload);
    s += fmt::format("file {}\n", plan.program);
    std::string args;
    for (std::size_t i = 1; i < plan.argv.size(); ++i) {
      args += ' ';
      args += gdb_quoted(plan.argv[i]);
    }
    s += fmt::format("set args{}\n", args);
  } else {
    s += "set sysroot /\n";
    s += fmt::format("file {}\ntarget remote localhost:{}\n", plan.program, port);
  }
  s += kPassedSignals;
  s += kContinueCommand;
  // Not gdb's own `break FUNCTION`: on x86-64 its int3 would sit on the
  // patched entry, and gdb would write back the bytes it saw before the
  // runtime patched them.
  s += r.at_event != 0 ? "break ariadne_replay_event_reached\n" : "break ariadne_replay_call_reached\n";
  // Native: started and stopped at its first instruction (so that the
  // pending breakpoint is resolved as the libraries load), then on.
  if (port == 0) s += "starti\n";
  s += "ariadne-continue\n";
  if (r.at_event != 0) {
    s += kToProgramFrame;
  } else {
    // --at-call: on to the function's body (the second argument), by this
    // thread; then over its prologue, to where its arguments are where the
    // debug information says.
    s += fmt::format("eval \"tbreak *%#lx thread %d\", ${}, $_thread\nariadne-continue\n",
                     plan.isa == arch::Isa::aarch64 ? "x1" : "rsi");
    s += "python\n"
         "f = gdb.selected_frame()\n"
         "if f.function() is not None and f.find_sal().line == f.function().line:\n"
         "    gdb.execute('next')\n"
         "end\n";
  }
  if (!r.script.empty()) s += fmt::format("source {}\n", r.script);
  return s;
}

}  // namespace

void parse_at_call(const std::string& text, DebuggerRequest& request) {
  const std::size_t colon = text.rfind(':');
  std::string n = colon == std::string::npos ? "1" : text.substr(colon + 1);
  request.at_function = text.substr(0, colon);
  char* end = nullptr;
  const unsigned long long v = std::strtoull(n.c_str(), &end, 10);
  if (request.at_function.empty() || n.empty() || *end != '\0' || v == 0 || n[0] == '-')
    throw LaunchError(fmt::format("--at-call '{}': expected FUNCTION:N, N from 1 (the N-th call)", text));
  request.at_call = v;
}

int run_replay_under_gdb(const launch::Launcher& launcher, launch::LaunchPlan plan,
                         const DebuggerRequest& request) {
  if (!plan.emulated && launch::under_qemu_user())
    throw LaunchError(
        "--gdb: this ariadne is itself running under qemu-user, which gives its programs no gdb stub: use an "
        "ariadne built for the host, which runs AArch64 programs under qemu-aarch64 with gdb-multiarch");
  const std::string gdb = on_path(plan.emulated ? "gdb-multiarch" : "gdb");
  if (gdb.empty())
    throw LaunchError(fmt::format("--gdb: {} is not on PATH (install it or run scripts/setup)",
                                  plan.emulated ? "gdb-multiarch" : "gdb"));
  // gdb runs in the replay's environment but without the preload, which the
  // program gets (gdb itself must not load the runtime).
  std::string preload;
  std::vector<std::string> gdb_env;
  for (const auto& e : plan.env) {
    if (e.rfind("LD_PRELOAD=", 0) == 0)
      preload = e;
    else
      gdb_env.push_back(e);
  }

  pid_t qemu = -1;
  int port = 0;
  if (plan.emulated) {
    port = free_port();
    plan.argv.insert(plan.argv.begin() + 1, {"-g", std::to_string(port)});
    plan.no_aslr = true;
    qemu = launcher.spawn(plan);
  }
  char script_path[] = "/tmp/ariadne-replay-gdb.XXXXXX";
  const int fd = ::mkstemp(script_path);
  if (fd < 0) throw LaunchError(fmt::format("cannot create a file in /tmp: {}", std::strerror(errno)));
  const std::string script = gdb_script(plan, request, preload, port);
  const bool written = ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  if (!written) throw LaunchError(fmt::format("{}: cannot write the gdb script", script_path));

  launch::LaunchPlan debugger;
  debugger.program = gdb;
  debugger.argv = {gdb, "-q"};
  if (!request.script.empty()) debugger.argv.insert(debugger.argv.end(), {"-batch", "-nx"});
  debugger.argv.insert(debugger.argv.end(), {"-x", script_path});
  debugger.env = gdb_env;
  // Ctrl-C is gdb's (it stops the program), not a reason for us to go.
  std::signal(SIGINT, SIG_IGN);
  std::signal(SIGQUIT, SIG_IGN);
  const pid_t pid = launcher.spawn(debugger);
  int st = 0;
  while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  ::unlink(script_path);
  if (qemu > 0) {
    ::kill(qemu, SIGKILL);
    while (::waitpid(qemu, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace ariadne::cli

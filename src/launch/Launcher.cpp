#include "launch/Launcher.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "launch/ElfIdentity.hpp"
#include "launch/LaunchError.hpp"

extern char** environ;

namespace ariadne::launch {

namespace {

bool is_executable_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// execvp's rule: a name with a slash is a path, otherwise search $PATH.
std::optional<std::string> search_path(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = rest.find(':');
    const std::string_view dir = rest.substr(0, colon);  // empty means "."
    const std::string candidate = (dir.empty() ? std::string(".") : std::string(dir)) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
    if (colon == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(colon + 1);
  }
}

// The kernel's view of the host (an AArch64 `ariadne` under qemu-user says aarch64).
arch::Isa host_isa() {
  struct utsname u {};
  if (::uname(&u) == 0) {
    if (auto isa = arch::from_name(u.machine)) return *isa;
  }
  return arch::host();
}

std::string preload_value(const std::string& runtime) {
  const char* old = std::getenv("LD_PRELOAD");
  return (old != nullptr && *old != '\0') ? runtime + ":" + old : runtime;
}

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  out.reserve(v.size() + 1);
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

// Tells the runtime that the program runs under qemu-user, so that the images
// it execs get the preload through QEMU_SET_ENV (src/record/ExecEnvironment.cpp).
constexpr std::string_view kUnderQemu = "ARIADNE_UNDER_QEMU=1";

volatile sig_atomic_t g_child = 0;

void forward_signal(int sig) {
  if (g_child > 0) ::kill(static_cast<pid_t>(g_child), sig);
}

// SIGINT and SIGQUIT typed at the terminal reach the whole foreground
// process group, PROG included: forwarding those too would deliver them
// twice. Sent to this process alone (kill, si_code <= 0), they are forwarded.
void forward_if_sent(int sig, siginfo_t* info, void*) {
  if (info == nullptr || info->si_code <= 0) forward_signal(sig);
}

constexpr int kForwarded[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
constexpr int kForwardedIfSent[] = {SIGINT, SIGQUIT};

}  // namespace

Launcher::Launcher(RuntimeLocator locator) : locator_(std::move(locator)) {}

// Whether this ariadne is a qemu-user guest, so that the images it starts are
// started by the kernel's binfmt handler through a host qemu, whose own loader
// reads LD_PRELOAD ("ERROR: ld.so: object ... cannot be preloaded").
// qemu-user fakes uname() but not /proc/sys/kernel/arch (newer kernels): a kernel
// of another architecture than this build's means emulation. Without that
// file: qemu-user 7.2 gives its guests no vDSO (docs: toolchain notes),
// while x86-64 and AArch64 kernels always map one (later qemu releases may
// map one too, so this is the fallback only).
bool under_qemu_user() {
  const int fd = ::open("/proc/sys/kernel/arch", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[32];
    ssize_t n;
    do {
      n = ::read(fd, buf, sizeof buf - 1);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    std::string_view kernel(buf, n > 0 ? static_cast<std::size_t>(n) : 0);
    while (!kernel.empty() && (kernel.back() == '\n' || kernel.back() == ' ')) kernel.remove_suffix(1);
    if (const auto isa = arch::from_name(kernel)) return *isa != arch::host();
  }
  return ::getauxval(AT_SYSINFO_EHDR) == 0;
}

LaunchPlan Launcher::plan(const std::vector<std::string>& command, const std::vector<std::string>& extra_env,
                          const std::vector<std::string>& extra_libraries) const {
  if (command.empty()) throw LaunchError("no program given (usage: ariadne exec -- PROG ARGS...)");
  const std::string& prog = command.front();
  const auto resolved = search_path(prog);
  if (!resolved) throw LaunchError(fmt::format("{}: command not found in PATH", prog));

  const ElfIdentity id = identify_elf(*resolved);
  if (!id.dynamic)
    throw LaunchError(
        fmt::format("{}: statically linked (no PT_INTERP), so libariadne-rt.so cannot be preloaded; link it "
                    "dynamically",
                    *resolved));
  if (::access(resolved->c_str(), X_OK) != 0)
    throw LaunchError(fmt::format("{}: not executable ({})", *resolved, std::strerror(errno)));

  LaunchPlan plan;
  plan.program = *resolved;
  plan.isa = id.isa;
  plan.runtime = locator_.find(id.isa, *resolved);
  for (const auto& lib : extra_libraries) {
    const std::string path = std::filesystem::path(plan.runtime).parent_path() / lib;
    if (::access(path.c_str(), R_OK) != 0)
      throw LaunchError(fmt::format("{}: not found beside {} (is the build complete?)", path, plan.runtime));
    plan.runtime += ":" + path;
  }
  const arch::Isa host = host_isa();
  plan.emulated = id.isa != host;

  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0) plan.env.emplace_back(*e);
  }
  for (const auto& e : extra_env) plan.env.push_back(e);

  if (!plan.emulated) {
    if (under_qemu_user()) {
      // This ariadne is a guest itself: the program's qemu (started by the
      // kernel's binfmt handler) is a host program, whose loader must not see
      // the guest's library.
      plan.env.push_back("QEMU_SET_ENV=LD_PRELOAD=" + preload_value(plan.runtime));
      plan.env.push_back(std::string(kUnderQemu));
    } else {
      plan.env.push_back("LD_PRELOAD=" + preload_value(plan.runtime));
    }
    plan.argv = command;
    plan.argv.front() = plan.program;
    return plan;
  }

  // The host's LD_PRELOAD would be loaded into qemu itself; the guest's goes through -E.
  const std::string qemu_name(arch::qemu_user_binary(id.isa));
  const char* qemu_env = std::getenv("ARIADNE_QEMU");
  const auto qemu = (qemu_env != nullptr && *qemu_env != '\0') ? std::optional<std::string>(qemu_env)
                                                               : search_path(qemu_name);
  if (!qemu || !is_executable_file(*qemu))
    throw LaunchError(
        fmt::format("{}: is an {} program and this host is {}, but {} was not found "
                    "(install qemu-user or run scripts/setup; ARIADNE_QEMU overrides)",
                    *resolved, arch::name(id.isa), arch::name(host), qemu ? *qemu : qemu_name));
  plan.argv = {*qemu, "-0", prog, "-E", "LD_PRELOAD=" + preload_value(plan.runtime), plan.program};
  plan.env.push_back(std::string(kUnderQemu));
  plan.argv.insert(plan.argv.end(), command.begin() + 1, command.end());
  return plan;
}

pid_t Launcher::spawn(const LaunchPlan& plan) const {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0)
    throw LaunchError(fmt::format("{}: pipe: {}", plan.program, std::strerror(errno)));
  auto argv = c_strings(plan.argv);
  auto envp = c_strings(plan.env);

  const pid_t pid = ::fork();
  if (pid < 0) throw LaunchError(fmt::format("{}: fork: {}", plan.program, std::strerror(errno)));
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::close(err_pipe[0]);
    if (plan.no_aslr) ::personality(ADDR_NO_RANDOMIZE);
    if (plan.stdout_fd >= 0) ::dup2(plan.stdout_fd, STDOUT_FILENO);
    if (plan.stderr_fd >= 0) ::dup2(plan.stderr_fd, STDERR_FILENO);
    ::execve(argv[0], argv.data(), envp.data());
    const int e = errno;
    [[maybe_unused]] ssize_t w = ::write(err_pipe[1], &e, sizeof e);
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  int child_errno = 0;
  ssize_t n;
  do {
    n = ::read(err_pipe[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  ::close(err_pipe[0]);
  if (n == sizeof child_errno) {
    int st;
    ::waitpid(pid, &st, 0);
    throw LaunchError(fmt::format("{}: cannot execute: {}", plan.argv.front(), std::strerror(child_errno)));
  }
  return pid;
}

void forward_signals_to(pid_t child) {
  g_child = child;
  struct sigaction fwd {};
  fwd.sa_handler = forward_signal;
  sigemptyset(&fwd.sa_mask);
  for (int s : kForwarded) ::sigaction(s, &fwd, nullptr);
  struct sigaction sent {};
  sent.sa_sigaction = forward_if_sent;
  sent.sa_flags = SA_SIGINFO;
  sigemptyset(&sent.sa_mask);
  for (int s : kForwardedIfSent) ::sigaction(s, &sent, nullptr);
}

ExitStatus wait_forwarding_signals(pid_t child) {
  forward_signals_to(child);
  int st = 0;
  while (::waitpid(child, &st, 0) < 0) {
    if (errno != EINTR) return ExitStatus{false, 127};
  }
  g_child = 0;
  if (WIFSIGNALED(st)) return ExitStatus{true, WTERMSIG(st)};
  return ExitStatus{false, WEXITSTATUS(st)};
}

void exit_like(ExitStatus status) {
  if (!status.signaled) std::exit(status.value);
  std::fflush(nullptr);
  // The child already dumped core if it was going to; we only die the same way.
  struct rlimit no_core {
    0, 0
  };
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::signal(status.value, SIG_DFL);
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, status.value);
  ::sigprocmask(SIG_UNBLOCK, &s, nullptr);
  ::raise(status.value);
  ::_exit(128 + status.value);
}

}  // namespace ariadne::launch

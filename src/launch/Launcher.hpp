// Starts a program with libariadne-rt.so preloaded: directly when it is built
// for the host's architecture, under qemu-user (with -E LD_PRELOAD=...) when it
// is not. Every subcommand that runs a target goes through here.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "arch/Isa.hpp"
#include "launch/RuntimeLocator.hpp"

namespace ariadne::launch {

struct LaunchPlan {
  std::string program;            // resolved path of the target
  arch::Isa isa;                  // the target's architecture
  bool emulated = false;          // runs under qemu-user
  std::string runtime;            // libariadne-rt.so preloaded into it
  std::vector<std::string> argv;  // what is passed to execve; argv[0] is the file run
  std::vector<std::string> env;
  // Replay: the address space laid out the same in every run
  // (personality(ADDR_NO_RANDOMIZE)), and PROG's stdout/stderr sent to these
  // fds when >= 0 (the recorder keeps a copy; replay compares).
  bool no_aslr = false;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

struct ExitStatus {
  bool signaled = false;
  int value = 0;  // exit code, or the signal number when signaled
};

class Launcher {
 public:
  explicit Launcher(RuntimeLocator locator = RuntimeLocator());

  // command = PROG ARGS...; extra_env = NAME=VALUE entries for the target.
  // Throws LaunchError for bad input (one line naming the file and the reason).
  // extra_libraries: more libraries of the runtime's directory preloaded
  // after it (libariadne-replay.so), by file name.
  LaunchPlan plan(const std::vector<std::string>& command, const std::vector<std::string>& extra_env = {},
                  const std::vector<std::string>& extra_libraries = {}) const;

  // Starts the plan; throws LaunchError if execve fails.
  pid_t spawn(const LaunchPlan& plan) const;

 private:
  RuntimeLocator locator_;
};

// Waits for the child, forwarding SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 to it,
// and SIGINT and SIGQUIT when they were sent to this process alone (kill):
// typed at the terminal, they reach the child already and are not repeated.
ExitStatus wait_forwarding_signals(pid_t child);
// The forwarding alone, from now on: for a caller with work to do while the
// child runs (pumping its output) that must not die of the Ctrl-C or the
// SIGTERM meant for the child. wait_forwarding_signals does it too.
void forward_signals_to(pid_t child);

// Whether this ariadne is a qemu-user guest (an AArch64 build on an x86-64
// host): the programs it starts run under a host qemu that binfmt starts.
bool under_qemu_user();

// Ends this process the way the child ended: same exit code, or same signal.
[[noreturn]] void exit_like(ExitStatus status);

}  // namespace ariadne::launch

// ariadne exec -- PROG ARGS: run PROG with the runtime preloaded (under
// qemu-user if it is for another architecture); its exit status or fatal
// signal becomes ours.
#include "cli/Commands.hpp"
#include "launch/Launcher.hpp"

namespace ariadne::cli {

void add_exec_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "exec",
      "Run PROG with libariadne-rt.so preloaded (natively, or under qemu-aarch64 for AArch64 "
      "programs on an x86-64 host). PROG's exit status and fatal signal pass through.");
  auto command = std::make_shared<std::vector<std::string>>();
  cmd->add_option("command", *command, "PROG ARGS... (put them after --)")->required();
  cmd->prefix_command();  // everything from PROG on belongs to PROG, options included
  cmd->callback([command] {
    launch::Launcher launcher;
    const auto plan = launcher.plan(*command);
    const pid_t pid = launcher.spawn(plan);
    launch::exit_like(launch::wait_forwarding_signals(pid));
  });
}

}  // namespace ariadne::cli

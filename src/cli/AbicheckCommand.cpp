// ariadne abicheck -- PROG ARGS: run PROG with the ABI checker of the preloaded
// runtime turned on. The checking itself happens inside libariadne-rt.so
// (src/abi/); this command validates the options, hands them over as
// ARIADNE_ABICHECK* environment variables and passes the exit status through.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "cli/Commands.hpp"
#include "cli/RuntimeSettings.hpp"
#include "launch/LaunchError.hpp"
#include "launch/Launcher.hpp"

namespace ariadne::cli {
namespace {

constexpr const char* kDescription =
    "Run PROG (through the launcher: natively, or under qemu-aarch64 for AArch64 programs) with "
    "every instrumented function checked against the calling convention at entry and exit.\n"
    "  AArch64 (AAPCS64): x19-x28, x29 (FP), SP, the low 64 bits of v8-v15 (d8-d15) and FPCR must "
    "be the same at exit as at entry; SP must be 16-byte aligned at entry.\n"
    "  x86-64 (System V): rbx, rbp, r12-r15, RSP, the MXCSR control bits and the x87 control word "
    "must be the same at exit as at entry; RSP+8 must be 16-byte aligned at entry.\n"
    "  At exit the call must also return to its caller with SP/RSP restored.\n"
    "Entry and exit are matched by stack pointer, so programs that switch stacks (fibers, "
    "coroutines, longjmp, exceptions) are checked too. Only functions built with the flags "
    "`ariadne flags` prints are checked: in PROG, the libraries it loads or dlopens, and the programs "
    "it runs. When PROG has ended and none of them had any, one line says \"nothing is instrumented "
    "in PROG\" and the exit status is 2 (not PROG's).\n"
    "A violation report names the function (demangled) and its module, the thread, each register "
    "that changed (value at entry and at exit) and the call stack. When PROG ends, one line sums up: "
    "the calls checked, and the calls not compared because they never returned (left by longjmp or "
    "an exception).\n"
    "Exit status: 3 at a violation (with --continue: after PROG ends, if there was any); "
    "otherwise PROG's own exit status (or its fatal signal); 2 for bad input (an invalid regex, "
    "PROG not found, not an ELF, statically linked, ...; nothing instrumented in the whole run).";

// The runtime takes newline-separated POSIX extended regexes.
std::string regex_list(const char* option, const std::vector<std::string>& regexes) {
  std::string joined;
  for (const auto& re : regexes) {
    if (!joined.empty()) joined += '\n';
    joined += check_regex(option, re);
  }
  return joined;
}

}  // namespace

void add_abicheck_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("abicheck", kDescription);
  struct Opts {
    std::vector<std::string> include;
    std::vector<std::string> exclude;
    bool keep_going = false;
    std::string output;
    std::vector<std::string> command;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("-F,--function", o->include,
                  "Check only functions whose demangled name matches REGEX (POSIX extended; "
                  "repeatable; default: all instrumented functions)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd->add_option("-N,--not-function", o->exclude,
                  "Do not check functions whose demangled name matches REGEX (repeatable; applied "
                  "after -F)")
      ->type_name("REGEX")
      ->allow_extra_args(false);
  cmd->add_flag("--continue", o->keep_going,
                "Collect every violation instead of stopping at the first; print a summary "
                "(count, function, register) when PROG ends and exit 3 if there was any");
  cmd->add_option("-o,--output", o->output, "Write the report to FILE instead of stderr")->type_name("FILE");
  cmd->add_option("command", o->command, "PROG ARGS... (put them after --)")->required();
  cmd->prefix_command();      // everything from PROG on belongs to PROG, options included:
  cmd->positionals_at_end();  // even ones spelled like ours (PROG --continue, PROG -F x)
  cmd->callback([o] {
    std::vector<std::string> env{"ARIADNE_ABICHECK=1"};
    const std::string include = regex_list("-F", o->include);
    const std::string exclude = regex_list("-N", o->exclude);
    if (!include.empty()) env.push_back("ARIADNE_ABICHECK_INCLUDE=" + include);
    if (!exclude.empty()) env.push_back("ARIADNE_ABICHECK_EXCLUDE=" + exclude);
    if (o->keep_going) env.emplace_back("ARIADNE_ABICHECK_CONTINUE=1");
    if (!o->output.empty()) env.push_back("ARIADNE_ABICHECK_OUTPUT=" + o->output);
    // The program's own functions are checked, not the libraries' (docs/abicheck.md):
    // no library-call sites (src/trace/LibCalls.hpp).
    env.emplace_back("ARIADNE_LIBCALLS=0");
    unset_environment("ARIADNE_LIBCALLS");
    unset_environment("ARIADNE_ABICHECK");
    unset_environment("ARIADNE_SITES_LINK");
    SitesLink sites;
    env.push_back(sites.variable());

    launch::Launcher launcher;
    const auto plan = launcher.plan(o->command, env);
    const pid_t pid = launcher.spawn(plan);
    sites.started();
    const launch::ExitStatus status = launch::wait_forwarding_signals(pid);
    sites.refuse_if_nothing_instrumented("abicheck", o->command.front());
    launch::exit_like(status);
  });
}

}  // namespace ariadne::cli

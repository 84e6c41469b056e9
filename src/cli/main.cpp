#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "arch/Isa.hpp"
#include "cli/Commands.hpp"
#include "launch/LaunchError.hpp"

int main(int argc, char** argv) {
  using namespace ariadne;
  CLI::App app{
      "Ariadne: correct, observable, reproducible C/C++ programs on AArch64 and x86-64 Linux.\n"
      "Run `ariadne help COMMAND` for the options of one command.",
      "ariadne"};
  app.set_version_flag("--version", fmt::format("ariadne {} ({} build for {})", ARIADNE_VERSION,
                                                ARIADNE_BUILD_TYPE, arch::name(arch::host())));
  app.require_subcommand(1);
  cli::add_exec_command(app);
  cli::add_abicheck_command(app);
  cli::add_record_command(app);
  cli::add_replay_command(app);
  cli::add_chaos_command(app);
  cli::add_flags_command(app);
  cli::add_show_command(app);
  cli::add_report_command(app);
  cli::add_graph_command(app);
  cli::add_tui_command(app);
  cli::add_info_command(app);
  cli::add_dump_command(app);
  cli::add_help_command(app);

  // CLI11 says "A subcommand is required" for a mistyped one.
  std::string names;
  bool known = false;
  for (const CLI::App* sub : app.get_subcommands({})) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
    known = known || (argc > 1 && sub->check_name(argv[1]));
  }
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::fprintf(stderr, "ariadne: unknown command '%s' (commands: %s; `ariadne --help`)\n", argv[1],
                 names.c_str());
    return 2;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const launch::LaunchError& e) {
    std::fprintf(stderr, "ariadne: %s\n", e.what());
    return 2;
  } catch (const cli::CommandExit& e) {
    return cli::output_written() ? e.status : 1;
  }
  return cli::output_written() ? 0 : 1;
}

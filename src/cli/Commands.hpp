// Each subcommand lives in its own file and registers itself on the app.
// A command's callback throws CommandExit to end with a given status.
#pragma once

#include <CLI/CLI.hpp>

namespace ariadne::cli {

struct CommandExit {
  int status;
};

// Flushes standard output; false (and one line on stderr) if any of the
// command's output could not be written (a full disk, /dev/full, a closed
// pipe): the command then ends with status 1, not as if it had succeeded.
bool output_written();

void add_abicheck_command(CLI::App& app);
void add_chaos_command(CLI::App& app);
void add_dump_command(CLI::App& app);
void add_exec_command(CLI::App& app);
void add_flags_command(CLI::App& app);
void add_help_command(CLI::App& app);
void add_show_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_graph_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_record_command(CLI::App& app);
void add_replay_command(CLI::App& app);
void add_tui_command(CLI::App& app);

}  // namespace ariadne::cli

// ariadne help [COMMAND]: the same text as `ariadne COMMAND --help`.
#include <fmt/format.h>

#include "cli/Commands.hpp"
#include "launch/LaunchError.hpp"

namespace ariadne::cli {

void add_help_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("help", "Show help for ariadne or for one COMMAND.");
  auto topic = std::make_shared<std::string>();
  cmd->add_option("command", *topic, "The command to explain");
  cmd->callback([&app, topic] {
    if (topic->empty()) {
      fmt::print("{}", app.help());
      return;
    }
    for (auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == *topic) {
        fmt::print("{}", sub->help());
        return;
      }
    }
    throw launch::LaunchError(fmt::format("help {}: no such command", *topic));
  });
}

}  // namespace ariadne::cli

// ariadne tui DIR: the recording in an interactive terminal view (ncurses):
// the call tree with folding, the report sorted by any column, the call
// graph of one function, search, and a jump from a report row to the
// function's first call in the tree. The views and commands are
// tui/TuiModel; the drawing and keys, tui/TuiScreen.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/Commands.hpp"
#include "cli/TraceCommon.hpp"
#include "cli/tui/RecordingSummary.hpp"
#include "cli/tui/TuiModel.hpp"
#include "cli/tui/TuiScreen.hpp"

namespace ariadne::cli {

void add_tui_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "tui",
      std::string(
          "An interactive terminal view of a recording: the call tree (process, thread, then one row per "
          "call path, foldable), the per-function report of `ariadne report` (sortable by any "
          "column), and the call graph of one function, as `ariadne graph FUNC` prints it.\n") +
          tui::kKeysHelp +
          "\nExit status: 0; 1 if the recording is damaged (the problems on stderr once the view is "
          "closed); 2 if DIR is not a recording or standard input or output is not a terminal.");
  struct Opts {
    std::string dir = "ariadne.data";
    Selection sel;
  };
  auto o = std::make_shared<Opts>();
  cmd->add_option("DIR", o->dir, "The recording (default: ariadne.data)");
  o->sel.add_options(*cmd);
  cmd->callback([o] {
    OpenTrace t = open_trace(o->dir);
    o->sel.check(t.dir, o->dir);
    if (::isatty(STDIN_FILENO) != 1 || ::isatty(STDOUT_FILENO) != 1) {
      std::fprintf(stderr,
                   "ariadne: tui needs a terminal: standard input and output are not both one (for scripts: "
                   "`ariadne report`, `show`, `graph`)\n");
      throw CommandExit{kStatusNotRecording};
    }
    tui::RecordingSummary summary;
    {
      Progress progress("tui", selected_bytes(t.dir, o->sel));
      attach(t.dir, progress);
      summary = tui::summarize(t.dir, o->sel, t.problems);
      t.dir.progress = nullptr;
    }
    tui::TuiModel model(std::move(summary), o->dir);
    if (!t.problems.empty())
      model.say(
          fmt::format("{} problem{} in the recording (on stderr after q): the views show what is intact",
                      t.problems.size(), t.problems.size() == 1 ? "" : "s"));
    tui::run_screen(model);
    finish(t.problems);
  });
}

}  // namespace ariadne::cli

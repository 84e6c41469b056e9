// The terminal side of `ariadne tui`: draws a TuiModel with ncurses and maps
// keys to its commands until q. The only file that knows about ncurses.
#pragma once

#include "cli/tui/TuiModel.hpp"

namespace ariadne::cli::tui {

// Takes over the terminal (standard input and output) until q.
void run_screen(TuiModel& model);

// The keys, for `ariadne help tui`.
extern const char* const kKeysHelp;

}  // namespace ariadne::cli::tui

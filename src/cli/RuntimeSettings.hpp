// What the commands that hand options to the preloaded runtime through the
// environment (abicheck, record) share: checking a regex here, so a typo is
// one line and status 2 rather than a half-done run, and clearing stale
// settings of our own environment, which would come first in the child's and
// win over the options given on the command line.
#pragma once

#include <string>

namespace ariadne::cli {

// Throws launch::LaunchError ("OPTION 'RE': invalid regular expression: ...",
// or a newline, which the runtime uses as the list separator). Returns `re`.
const std::string& check_regex(const char* option, const std::string& re);

// Unsets every variable of this process whose name starts with `prefix`.
void unset_environment(const char* prefix);

}  // namespace ariadne::cli

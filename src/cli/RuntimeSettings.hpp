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

// This side of the sites link (record/SitesLink.hpp): whether any process of
// the run had patch sites. Made before PROG starts; throws
// launch::LaunchError when the pipe cannot be made.
class SitesLink {
 public:
  SitesLink();
  ~SitesLink();
  SitesLink(const SitesLink&) = delete;
  SitesLink& operator=(const SitesLink&) = delete;

  std::string variable() const;  // "ARIADNE_SITES_LINK=FD", for PROG's environment
  void started();                // PROG runs: PROG's end is closed here

  // Once PROG has ended: when no process of the run said it had patch sites,
  // "ariadne COMMAND: nothing is instrumented in PROG: build it with
  // `ariadne flags`" on stderr and exit status 2; else returns.
  void refuse_if_nothing_instrumented(const char* command, const std::string& prog) const;

 private:
  int target_end_ = -1, own_end_ = -1;
};

}  // namespace ariadne::cli

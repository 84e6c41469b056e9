#include "cli/RuntimeSettings.hpp"

#include <fmt/format.h>
#include <regex.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "launch/LaunchError.hpp"
#include "record/RecorderLink.hpp"
#include "record/SitesLink.hpp"

extern char** environ;

namespace ariadne::cli {

const std::string& check_regex(const char* option, const std::string& re) {
  if (re.find('\n') != std::string::npos)
    throw launch::LaunchError(
        fmt::format("{} '{}': a regular expression cannot contain a newline", option, re));
  regex_t compiled;
  const int rc = ::regcomp(&compiled, re.c_str(), REG_EXTENDED | REG_NOSUB);
  if (rc != 0) {
    char why[256];
    ::regerror(rc, &compiled, why, sizeof why);
    throw launch::LaunchError(fmt::format("{} '{}': invalid regular expression: {}", option, re, why));
  }
  ::regfree(&compiled);
  return re;
}

void unset_environment(const char* prefix) {
  const std::size_t n = std::strlen(prefix);
  std::vector<std::string> names;  // collected first: unsetenv changes environ
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, prefix, n) == 0) {
      const char* eq = std::strchr(*e, '=');
      names.emplace_back(*e, eq != nullptr ? static_cast<std::size_t>(eq - *e) : std::strlen(*e));
    }
  }
  for (const auto& name : names) ::unsetenv(name.c_str());
}

SitesLink::SitesLink() {
  record::LinkEnds ends;
  if (!record::create_link(ends, /*target_writes=*/true))
    throw launch::LaunchError(
        fmt::format("cannot create the sites link to PROG (pipe): {}", std::strerror(errno)));
  target_end_ = ends.target_end;
  own_end_ = ends.recorder_end;
}

SitesLink::~SitesLink() {
  if (target_end_ >= 0) ::close(target_end_);
  if (own_end_ >= 0) ::close(own_end_);
}

std::string SitesLink::variable() const {
  return fmt::format("{}={}", record::kSitesLinkVariable, target_end_);
}

void SitesLink::started() {
  if (target_end_ >= 0) ::close(target_end_);
  target_end_ = -1;
}

void SitesLink::refuse_if_nothing_instrumented(const char* command, const std::string& prog) const {
  char byte;
  ssize_t n;
  do {
    n = ::read(own_end_, &byte, 1);  // non-blocking: the bytes are there once PROG has ended
  } while (n < 0 && errno == EINTR);
  if (n == 1) return;
  std::fflush(stdout);
  std::fprintf(stderr, "ariadne %s: nothing is instrumented in %s: build it with `ariadne flags`\n", command,
               prog.c_str());
  std::exit(2);
}

}  // namespace ariadne::cli

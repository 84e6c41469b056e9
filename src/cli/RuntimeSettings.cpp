#include "cli/RuntimeSettings.hpp"

#include <fmt/format.h>
#include <regex.h>
#include <stdlib.h>

#include <cstring>
#include <vector>

#include "launch/LaunchError.hpp"

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

}  // namespace ariadne::cli

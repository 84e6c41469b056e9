#include "tracefile/FunctionName.hpp"

namespace ariadne::tracefile {

namespace {

bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (s.size() < suffix.size() || s.substr(s.size() - suffix.size()) != suffix) return false;
  s.remove_suffix(suffix.size());
  return true;
}

}  // namespace

std::string function_base_name(std::string_view name) {
  std::string_view s = name;
  // " [clone .isra.0] [clone .constprop.0]": one or more.
  while (!s.empty() && s.back() == ']') {
    const auto open = s.rfind(" [clone ");
    if (open == std::string_view::npos) break;
    s = s.substr(0, open);
  }
  for (bool more = true; more;) {
    more = false;
    for (std::string_view q : {" const", " volatile", " &&", " &", " noexcept"})
      more = more || strip_suffix(s, q);
  }
  if (s.empty() || s.back() != ')') return std::string(name);
  int depth = 0;
  for (std::size_t i = s.size(); i-- > 0;) {
    if (s[i] == ')')
      ++depth;
    else if (s[i] == '(' && --depth == 0)
      return i == 0 ? std::string(name) : std::string(s.substr(0, i));
  }
  return std::string(name);
}

}  // namespace ariadne::tracefile

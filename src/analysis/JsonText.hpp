// JSON string literals for the writers of `ariadne dump`. Names and captured
// strings come from the traced program and may hold any byte: the output is
// always valid UTF-8 (an invalid byte becomes U+FFFD), and '<', '>' and '&'
// are escaped too, so the same text can sit inside an HTML <script> element.
#pragma once

#include <string>
#include <string_view>

namespace ariadne::analysis {

// Appends `s` to `out` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

inline std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace ariadne::analysis

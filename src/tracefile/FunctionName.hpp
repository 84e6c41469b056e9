// Demangled names carry their parameter lists ("ns::f(int, char const*)").
// Users type the short form ("ns::f", as the runtime's selectors accept it),
// and `show` prints captured arguments in place of the parameter list.
#pragma once

#include <string>
#include <string_view>

namespace ariadne::tracefile {

// The name without its parameter list, trailing qualifiers (" const",
// " &&", " noexcept") and GCC clone suffixes (" [clone .constprop.0]"):
// "ns::f(int) const" -> "ns::f", "operator()(int)" -> "operator()". A name
// without a parameter list comes back unchanged.
std::string function_base_name(std::string_view name);

}  // namespace ariadne::tracefile

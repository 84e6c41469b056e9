// function_base_name: what `show` prints before captured values and what
// `graph FUNC` / `show -F` match besides the full demangled name.
#include <gtest/gtest.h>

#include "tracefile/FunctionName.hpp"

using ariadne::tracefile::function_base_name;

TEST(FunctionBaseName, DropsTheParameterList) {
  EXPECT_EQ(function_base_name("worker(int, int)"), "worker");
  EXPECT_EQ(function_base_name("(anonymous namespace)::mix(unsigned long)"), "(anonymous namespace)::mix");
  EXPECT_EQ(function_base_name("ns::f()"), "ns::f");
}

TEST(FunctionBaseName, DropsQualifiersAndCloneSuffixes) {
  EXPECT_EQ(function_base_name("ns::C::get() const"), "ns::C::get");
  EXPECT_EQ(function_base_name("ns::C::take() &&"), "ns::C::take");
  EXPECT_EQ(function_base_name("scale(int, int) [clone .constprop.0]"), "scale");
  EXPECT_EQ(function_base_name("f(int) [clone .isra.0] [clone .cold]"), "f");
}

TEST(FunctionBaseName, KeepsOperatorCallAndTemplateParentheses) {
  EXPECT_EQ(function_base_name("std::_Invoker<std::tuple<void (*)(int), int> >::operator()()"),
            "std::_Invoker<std::tuple<void (*)(int), int> >::operator()");
  EXPECT_EQ(function_base_name("void g<void (*)(int)>(void (*)(int))"), "void g<void (*)(int)>");
}

TEST(FunctionBaseName, LeavesNamesWithoutParametersAlone) {
  EXPECT_EQ(function_base_name("main"), "main");
  EXPECT_EQ(function_base_name(""), "");
  EXPECT_EQ(function_base_name("(broken"), "(broken");
  EXPECT_EQ(function_base_name("()"), "()");
}

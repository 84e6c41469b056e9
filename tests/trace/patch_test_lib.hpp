// What the patch tests call in libpatch_traced.so (patch_traced_lib.cpp,
// patch_traced_o3.cpp), so the test executable really links it.
#pragma once

#include <cstddef>

namespace ns {
int f(int x);
int f(double x);
struct Widget {
  int value = 7;
  int get() const;
};
}  // namespace ns

extern "C" int patch_traced_c(int x);
extern "C" std::size_t patch_traced_length(const char* text);
int patch_o3_a(int x);
int patch_o3_b(int x);

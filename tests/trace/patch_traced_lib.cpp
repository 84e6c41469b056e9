// Test DSO for the module scanner (libpatch_traced.so, instrumented; also
// built stripped as libpatch_stripped.so). Overloads, a namespace, a const
// member and a static function, so demangled names are checked for real.
// patch_test.cpp lists the names it expects; keep the two in step.
#include <cstring>

#include "patch_test_lib.hpp"

namespace ns {
int f(int x) { return x + 1; }
int f(double x) { return static_cast<int>(x) + 2; }
int Widget::get() const { return value; }
}  // namespace ns

// Static: only .symtab names it, so the stripped copy must leave it "".
__attribute__((noinline)) static int helper_static(int x) { return x * 3 + 1; }

extern "C" int patch_traced_c(int x) { return helper_static(x) * 2; }

// A call through the PLT into libc: the scanner lists its slot (PltSlots.hpp).
extern "C" std::size_t patch_traced_length(const char* text) { return std::strlen(text); }

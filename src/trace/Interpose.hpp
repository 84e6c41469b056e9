// For the functions the runtime interposes (dlopen/dlclose in
// LoaderHooks.cpp; __cxa_throw and friends in Unwinding.cpp): exported under
// the library's name, they forward to the definition that comes next in the
// lookup order (libc's, libstdc++'s).
#pragma once

#include <dlfcn.h>

#define ARIADNE_RT_EXPORT extern "C" __attribute__((visibility("default")))

namespace ariadne::trace::detail {

template <typename Fn>
Fn next_definition(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

}  // namespace ariadne::trace::detail

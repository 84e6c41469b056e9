// Helpers shared by the patch tests: load a test DSO and find a module in a
// scan by the end of its path.
#pragma once

#include <dlfcn.h>

#include <string>
#include <vector>

#include "patch/ModuleScanner.hpp"

namespace ariadne::test {

inline bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// nullptr if absent.
inline const patch::ModuleImage* find_module(const std::vector<patch::ModuleImage>& modules,
                                             const std::string& path_suffix) {
  for (const patch::ModuleImage& module : modules)
    if (ends_with(module.path, path_suffix)) return &module;
  return nullptr;
}

}  // namespace ariadne::test

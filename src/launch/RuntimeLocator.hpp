// Finds libariadne-rt.so for a target architecture. Search order:
//   1. $ARIADNE_RT_DIR/<arch>/libariadne-rt.so
//   2. <dir of the ariadne binary>/lib/<arch>/        (build tree, build/ariadne)
//   3. <dir of the ariadne binary>/../lib/ariadne/<arch>/  (installed)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "arch/Isa.hpp"

namespace ariadne::launch {

class RuntimeLocator {
 public:
  RuntimeLocator();  // uses /proc/self/exe and the environment
  RuntimeLocator(std::string self_dir, std::optional<std::string> env_dir);

  std::vector<std::string> candidates(arch::Isa isa) const;
  // Throws LaunchError naming every place it looked.
  std::string find(arch::Isa isa, const std::string& program) const;

 private:
  std::string self_dir_;
  std::optional<std::string> env_dir_;
};

}  // namespace ariadne::launch

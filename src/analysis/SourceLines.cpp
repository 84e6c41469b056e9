#include "analysis/SourceLines.hpp"

#include <fmt/format.h>

namespace ariadne::analysis {

// The function's declaration (DW_AT_decl_file/line of the subprogram around
// its address), not the line table's row for it: on AArch64 the sled's NOPs
// lie before the function's DWARF range and first row (the row found there
// would be the previous function's last line).
const std::string& SourceLines::at(std::uint32_t site) {
  auto [it, fresh] = cache_.try_emplace(site);
  if (!fresh) return it->second;
  Dwarf_Die function;
  if (!dwarf_.subprogram(site, function)) return it->second;
  int line = 0;
  const char* file = dwarf_decl_file(&function);
  if (file != nullptr && dwarf_decl_line(&function, &line) == 0 && line > 0)
    it->second = fmt::format("{}:{}", file, line);
  return it->second;
}

}  // namespace ariadne::analysis

// `record -a` / `show`: arguments and return values from DWARF. At record
// time the CLI reads the program's DWARF and turns each function's
// parameters into capture specs (which registers hold them at entry, per the
// calling convention); `show` reads the same DWARF again (DwarfModules, the
// build-id checked) and formats the captured registers by type and name.
// Both sides derive the layout with layout_function, so they agree on which
// value is which.
#pragma once

#include <elfutils/libdw.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "analysis/DwarfModules.hpp"
#include "arch/Isa.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::analysis {

// One captured register and the bytes of the value it holds.
struct Piece {
  bool fp = false;          // v0-v7 / xmm0-7, else x0-x7 / rdi, rsi, ...
  std::uint8_t reg = 0;     // 0-based among its kind
  std::uint8_t offset = 0;  // where its bytes go in the value
  std::uint8_t bytes = 0;
};

enum class Passing : std::uint8_t {
  registers,     // pieces say where
  by_reference,  // a copy in the caller's memory (AArch64, > 16 bytes): shown {...}
  stack,         // on the stack: not captured, shown ?
  dropped,       // in registers past the values a capture holds: shown ?
};

struct ValueLayout {
  std::string name;  // the parameter's name ("" if none)
  Dwarf_Die type{};  // valid while the DWARF it came from is open
  Passing passing = Passing::stack;
  std::vector<Piece> pieces;
  bool string = false;  // a char pointer: captured as the string it points to
};

struct FunctionLayout {
  bool supported = false;  // false: a type the layout cannot place (long double, __int128...)
  std::vector<ValueLayout> args;
  bool variadic = false;    // shown as ", ..."; the unnamed arguments are not captured
  bool has_return = false;  // a return value captured
  ValueLayout ret;
};

// At most this many registers per function (record::kMaxCapturedArgs).
inline constexpr std::size_t kMaxAutoValues = 8;

// Typedefs and qualifiers taken off `type`; false for void.
bool strip_type(Dwarf_Die* type, Dwarf_Die& out);

FunctionLayout layout_function(Dwarf_Die* subprogram, arch::Isa isa);

// The -A / -R spec text of a layout ("arg1/x,fparg1,arg2/s", "retval/x"),
// "" for none.
std::string argument_spec(const FunctionLayout& layout);
std::string return_spec(const FunctionLayout& layout);

// "n: 42, c: RED, p: {x=1, y=2}" from the values captured per `layout`;
// "" when they do not fit it (then the caller shows them as they are).
std::string format_arguments(const FunctionLayout& layout, const std::vector<tracefile::Value>& values,
                             bool& fits);
std::string format_return(const FunctionLayout& layout, const tracefile::Value& value);
// The same as (name, text) pairs, for the Chrome dump's args; the variadic
// rest is left out. Empty with `fits` false as above.
std::vector<std::pair<std::string, std::string>> named_arguments(const FunctionLayout& layout,
                                                                 const std::vector<tracefile::Value>& values,
                                                                 bool& fits);

// `show`: the layouts of one recorded process's functions, from the DWARF of
// the modules it ran (nullptr for a function without: no -g, file changed).
class ProcessArguments {
 public:
  explicit ProcessArguments(const tracefile::ProcessInfo& process);
  const FunctionLayout* layout(std::uint32_t site);

 private:
  DwarfModules dwarf_;
  std::optional<arch::Isa> isa_;
  std::map<std::uint32_t, std::optional<FunctionLayout>> layouts_;
};

// One ProcessArguments per process of a recording made with -a (its session
// options say `K dwarf`), made on first use; nullptr from every call otherwise.
class ArgumentsByProcess {
 public:
  explicit ArgumentsByProcess(const tracefile::SessionInfo& session);
  ProcessArguments* operator()(const tracefile::ProcessInfo& p);

 private:
  bool enabled_;
  std::map<const tracefile::ProcessInfo*, std::unique_ptr<ProcessArguments>> by_process_;
};

// The functions of PROG's DWARF (its main executable) that -a captures, as
// runtime option lines ("A ^name$@spec", "R ^name$@retval/x"), only those
// whose names `wanted` accepts. Names defined twice with different layouts
// are left out. Empty with `error` set when PROG has no DWARF.
std::vector<std::string> auto_capture_lines(const std::string& program, arch::Isa isa,
                                            bool (*wanted)(const std::string& name, void* user), void* user,
                                            std::string& error);

}  // namespace ariadne::analysis

// The layout half of -a: DWARF types classified per calling convention
// (AAPCS64, System V x86-64), and the capture specs of every function of a
// program. Formatting is in AutoArgsFormat.cpp.
#include "analysis/AutoArgs.hpp"

#include <cxxabi.h>
#include <dwarf.h>
#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <optional>

#include "analysis/DwarfModules.hpp"

namespace ariadne::analysis {

namespace {

// A scalar inside a value: where, how big, and whether it is floating point.
struct Leaf {
  std::uint32_t offset = 0, size = 0;
  bool fp = false;
};

bool is_qualifier(int tag) {
  return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
         tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

// The type a DIE's DW_AT_type names; false for none (void).
bool type_of(Dwarf_Die* die, Dwarf_Die& out) {
  Dwarf_Attribute attr;
  return dwarf_attr_integrate(die, DW_AT_type, &attr) != nullptr && dwarf_formref_die(&attr, &out) != nullptr;
}

}  // namespace

bool strip_type(Dwarf_Die* type, Dwarf_Die& out) {
  out = *type;
  for (int hops = 0; hops < 64 && is_qualifier(dwarf_tag(&out)); ++hops) {
    Dwarf_Die next;
    if (!type_of(&out, next)) return false;
    out = next;
  }
  return true;
}

namespace {

std::optional<std::uint32_t> byte_size(Dwarf_Die* type) {
  Dwarf_Word size = 0;
  if (dwarf_aggregate_size(type, &size) != 0) return std::nullopt;
  return static_cast<std::uint32_t>(size);
}

// The scalars of `type` at `base`; false for something the layout cannot
// place (a scalar over 8 bytes, a complex number, a flexible array).
bool flatten(Dwarf_Die* raw, std::uint32_t base, std::vector<Leaf>& leaves, int depth = 0) {
  Dwarf_Die type;
  if (depth > 8 || !strip_type(raw, type)) return false;
  const int tag = dwarf_tag(&type);
  const auto size = byte_size(&type);
  if (!size) return false;
  switch (tag) {
    case DW_TAG_base_type: {
      Dwarf_Attribute attr;
      Dwarf_Word encoding = 0;
      if (dwarf_formudata(dwarf_attr(&type, DW_AT_encoding, &attr), &encoding) != 0) return false;
      if (*size > 8 || encoding == DW_ATE_complex_float) return false;
      leaves.push_back({base, *size, encoding == DW_ATE_float});
      return true;
    }
    case DW_TAG_pointer_type:
    case DW_TAG_reference_type:
    case DW_TAG_rvalue_reference_type:
    case DW_TAG_ptr_to_member_type:
    case DW_TAG_enumeration_type:
    case DW_TAG_unspecified_type:  // std::nullptr_t
      if (*size > 8) return false;
      leaves.push_back({base, *size, false});
      return true;
    case DW_TAG_array_type: {
      Dwarf_Die element;
      if (!type_of(&type, element)) return false;
      const auto each = byte_size(&element);
      if (!each || *each == 0 || *size > 64) return false;
      for (std::uint32_t at = 0; at < *size; at += *each)
        if (!flatten(&element, base + at, leaves, depth + 1)) return false;
      return true;
    }
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type: {
      Dwarf_Die child;
      if (dwarf_child(&type, &child) != 0) return true;  // empty
      do {
        const int ct = dwarf_tag(&child);
        if (ct != DW_TAG_member && ct != DW_TAG_inheritance) continue;
        if (dwarf_hasattr(&child, DW_AT_external)) continue;  // a static member
        Dwarf_Attribute attr;
        Dwarf_Word at = 0;
        if (dwarf_attr(&child, DW_AT_data_member_location, &attr) != nullptr &&
            dwarf_formudata(&attr, &at) != 0)
          return false;
        if (dwarf_hasattr(&child, DW_AT_bit_size)) {  // a bit-field: its storage unit counts as integer
          Dwarf_Word bit = 0;
          if (dwarf_formudata(dwarf_attr(&child, DW_AT_data_bit_offset, &attr), &bit) == 0) at = bit / 8;
          leaves.push_back({base + static_cast<std::uint32_t>(at), 1, false});
          continue;
        }
        Dwarf_Die member;
        if (!type_of(&child, member) ||
            !flatten(&member, base + static_cast<std::uint32_t>(at), leaves, depth + 1))
          return false;
      } while (dwarf_siblingof(&child, &child) == 0);
      return true;
    }
    default:
      return false;
  }
}

struct Classified {
  bool known = false;
  bool composite = false;
  std::uint32_t size = 0;
  std::vector<Leaf> leaves;
};

Classified classify(Dwarf_Die* raw) {
  Classified c;
  Dwarf_Die type;
  if (!strip_type(raw, type)) return c;
  const int tag = dwarf_tag(&type);
  c.composite = tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type;
  const auto size = byte_size(&type);
  if (!size) return c;
  c.size = *size;
  if (c.composite && c.size > 16) {  // passed in memory: its members need not be placed
    c.known = true;
    return c;
  }
  c.known = flatten(&type, 0, c.leaves) && (c.composite || c.leaves.size() == 1) && c.size > 0;
  return c;
}

// AArch64's homogeneous floating-point aggregate: 1 to 4 floats or doubles
// of one size filling the whole value. Returns the member size, or 0.
std::uint32_t hfa_member(const Classified& c) {
  if (!c.composite || c.leaves.empty() || c.leaves.size() > 4) return 0;
  const std::uint32_t each = c.leaves[0].size;
  for (std::size_t i = 0; i < c.leaves.size(); ++i)
    if (!c.leaves[i].fp || c.leaves[i].size != each || c.leaves[i].offset != i * each) return 0;
  return c.size == each * c.leaves.size() ? each : 0;
}

// System V x86-64: an eightbyte is SSE when every scalar in it is floating point.
bool sse_eightbyte(const Classified& c, std::uint32_t eightbyte) {
  bool any = false;
  for (const Leaf& l : c.leaves) {
    if (l.offset / 8 != eightbyte) continue;
    if (!l.fp) return false;
    any = true;
  }
  return any;
}

bool is_char_pointer(Dwarf_Die* raw) {
  Dwarf_Die type, pointee, base;
  if (!strip_type(raw, type) || dwarf_tag(&type) != DW_TAG_pointer_type) return false;
  if (!type_of(&type, pointee) || !strip_type(&pointee, base) || dwarf_tag(&base) != DW_TAG_base_type)
    return false;
  Dwarf_Attribute attr;
  Dwarf_Word encoding = 0;
  dwarf_formudata(dwarf_attr(&base, DW_AT_encoding, &attr), &encoding);
  const char* name = dwarf_diename(&base);
  // Plain char only (signed on x86-64, unsigned on AArch64): not a byte buffer.
  return (encoding == DW_ATE_signed_char || encoding == DW_ATE_unsigned_char) && name != nullptr &&
         std::string(name) == "char";
}

// Registers still free, per the convention's order of assignment.
struct Registers {
  arch::Isa isa;
  unsigned next_int = 0, next_fp = 0;
  unsigned int_regs() const { return isa == arch::Isa::aarch64 ? 8 : 6; }
};

std::uint8_t u8(std::uint32_t v) { return static_cast<std::uint8_t>(v); }

// Places one argument, as the caller does.
bool place_argument(Registers& r, const Classified& c, ValueLayout& v) {
  if (!c.known) return false;
  if (!c.composite) {
    const bool fp = c.leaves[0].fp;
    unsigned& next = fp ? r.next_fp : r.next_int;
    if (next < (fp ? 8u : r.int_regs())) {
      v.passing = Passing::registers;
      v.pieces.push_back({fp, u8(next++), 0, u8(c.size)});
    }
    return true;
  }
  if (r.isa == arch::Isa::aarch64) {
    if (const std::uint32_t each = hfa_member(c)) {
      const auto n = static_cast<unsigned>(c.leaves.size());
      if (r.next_fp + n > 8) {
        r.next_fp = 8;
        return true;
      }
      v.passing = Passing::registers;
      for (unsigned i = 0; i < n; ++i) v.pieces.push_back({true, u8(r.next_fp++), u8(i * each), u8(each)});
      return true;
    }
    if (c.size > 16) {  // a pointer to the caller's copy
      if (r.next_int < 8) {
        v.passing = Passing::by_reference;
        ++r.next_int;
      }
      return true;
    }
    const unsigned n = (c.size + 7) / 8;
    if (r.next_int + n > 8) {
      r.next_int = 8;
      return true;
    }
    v.passing = Passing::registers;
    for (unsigned i = 0; i < n; ++i)
      v.pieces.push_back({false, u8(r.next_int++), u8(8 * i), u8(std::min(8u, c.size - 8 * i))});
    return true;
  }
  if (c.size > 16) return true;  // x86-64: in memory, no register used
  const unsigned n = (c.size + 7) / 8;
  unsigned ints = 0, sses = 0;
  for (unsigned i = 0; i < n; ++i) (sse_eightbyte(c, i) ? sses : ints)++;
  if (r.next_int + ints > r.int_regs() || r.next_fp + sses > 8) return true;  // all in memory
  v.passing = Passing::registers;
  for (unsigned i = 0; i < n; ++i) {
    const bool fp = sse_eightbyte(c, i);
    v.pieces.push_back(
        {fp, u8(fp ? r.next_fp++ : r.next_int++), u8(8 * i), u8(std::min(8u, c.size - 8 * i))});
  }
  return true;
}

// The return value, when one register holds all of it; x86-64 values
// returned in memory take rdi for their address (`hidden`).
void place_return(arch::Isa isa, const Classified& c, ValueLayout& v, bool& hidden) {
  hidden = false;
  if (!c.known) return;
  if (!c.composite) {
    v.passing = Passing::registers;
    v.pieces.push_back({c.leaves[0].fp, 0, 0, u8(c.size)});
    return;
  }
  if (isa == arch::Isa::x86_64 && c.size > 16) hidden = true;
  if (c.size > 8) return;
  const bool fp =
      isa == arch::Isa::aarch64 ? hfa_member(c) != 0 && c.leaves.size() == 1 : sse_eightbyte(c, 0);
  if (isa == arch::Isa::aarch64 && !fp && hfa_member(c) != 0) return;  // two floats: s0, s1
  v.passing = Passing::registers;
  v.pieces.push_back({fp, 0, 0, u8(c.size)});
}

}  // namespace

FunctionLayout layout_function(Dwarf_Die* subprogram, arch::Isa isa) {
  FunctionLayout f;
  // An out-of-line copy of an inline function names its declaration as its
  // origin: the parameters as declared are there.
  Dwarf_Die declared = *subprogram;
  Dwarf_Attribute attr;
  if (dwarf_attr(subprogram, DW_AT_abstract_origin, &attr) != nullptr) dwarf_formref_die(&attr, &declared);
  Registers regs{isa};
  Dwarf_Die ret_type;
  if (type_of(subprogram, ret_type)) {
    const Classified c = classify(&ret_type);
    if (!c.known) return f;
    f.ret.type = ret_type;
    f.ret.string = is_char_pointer(&ret_type);
    bool hidden = false;
    place_return(isa, c, f.ret, hidden);
    f.has_return = f.ret.passing == Passing::registers;
    if (hidden) regs.next_int = 1;
  }
  std::size_t values = 0;
  Dwarf_Die child;
  if (dwarf_child(&declared, &child) == 0) {
    do {
      if (dwarf_tag(&child) == DW_TAG_unspecified_parameters) f.variadic = true;
      if (dwarf_tag(&child) != DW_TAG_formal_parameter) continue;
      ValueLayout v;
      const char* name = dwarf_diename(&child);
      v.name = name != nullptr ? name : "";
      // A C++ constructor's or destructor's declaration lists __in_chrg and
      // __vtt_parm, which the complete-object versions called do not take.
      if (dwarf_hasattr(&child, DW_AT_artificial) && v.name.starts_with("__")) continue;
      if (!type_of(&child, v.type)) return f;
      const Classified c = classify(&v.type);
      if (!place_argument(regs, c, v)) return f;
      v.string = is_char_pointer(&v.type);
      if (v.passing == Passing::by_reference) v.pieces.clear();
      if (values + v.pieces.size() > kMaxAutoValues) {
        v.passing = Passing::dropped;
        v.pieces.clear();
      }
      values += v.pieces.size();
      f.args.push_back(std::move(v));
    } while (dwarf_siblingof(&child, &child) == 0);
  }
  f.supported = true;
  return f;
}

namespace {

std::string piece_spec(const Piece& p, bool string, bool retval) {
  if (retval) return p.fp ? "retval/f" : string ? "retval/s" : "retval/x";
  if (p.fp) return fmt::format("fparg{}", p.reg + 1);
  return fmt::format("arg{}/{}", p.reg + 1, string ? "s" : "x");
}

}  // namespace

std::string argument_spec(const FunctionLayout& layout) {
  std::string spec;
  for (const ValueLayout& v : layout.args)
    for (const Piece& p : v.pieces) {
      if (!spec.empty()) spec += ',';
      spec += piece_spec(p, v.string, false);
    }
  return spec;
}

std::string return_spec(const FunctionLayout& layout) {
  return layout.has_return ? piece_spec(layout.ret.pieces[0], layout.ret.string, true) : "";
}

namespace {

// The name a site of this function gets: demangled, as the runtime's
// regexes see it.
std::string site_name(Dwarf_Die* fn) {
  Dwarf_Attribute attr;
  const char* linkage = dwarf_formstring(dwarf_attr_integrate(fn, DW_AT_linkage_name, &attr));
  if (linkage != nullptr) {
    int status = 0;
    char* demangled = abi::__cxa_demangle(linkage, nullptr, nullptr, &status);
    if (demangled != nullptr) {
      std::string name(demangled);
      std::free(demangled);
      return name;
    }
    return linkage;
  }
  const char* name = dwarf_formstring(dwarf_attr_integrate(fn, DW_AT_name, &attr));
  return name != nullptr ? name : "";
}

std::string escape_regex(const std::string& name) {
  std::string re = "^";
  for (const char c : name) {
    if (std::string_view(".[]{}()\\*+?^$|").find(c) != std::string_view::npos) re += '\\';
    re += c;
  }
  return re + "$";
}

// Every subprogram with code below `die` (namespaces and classes included).
void collect(Dwarf_Die* die, arch::Isa isa, std::map<std::string, std::pair<std::string, std::string>>& specs,
             std::map<std::string, bool>& clash, int depth = 0) {
  Dwarf_Die child;
  if (depth > 16 || dwarf_child(die, &child) != 0) return;
  do {
    const int tag = dwarf_tag(&child);
    if (tag == DW_TAG_namespace || tag == DW_TAG_structure_type || tag == DW_TAG_class_type) {
      collect(&child, isa, specs, clash, depth + 1);
      continue;
    }
    Dwarf_Addr low = 0;
    if (tag != DW_TAG_subprogram || dwarf_hasattr(&child, DW_AT_declaration) ||
        dwarf_lowpc(&child, &low) != 0)
      continue;
    const std::string name = site_name(&child);
    if (name.empty()) continue;
    const FunctionLayout layout = layout_function(&child, isa);
    const std::pair<std::string, std::string> spec{layout.supported ? argument_spec(layout) : "?",
                                                   layout.supported ? return_spec(layout) : "?"};
    const auto [it, fresh] = specs.try_emplace(name, spec);
    if (!fresh && it->second != spec) clash[name] = true;
  } while (dwarf_siblingof(&child, &child) == 0);
}

}  // namespace

std::vector<std::string> auto_capture_lines(const std::string& program, arch::Isa isa,
                                            bool (*wanted)(const std::string& name, void* user), void* user,
                                            std::string& error) {
  std::vector<std::string> lines;
  DwarfModule module(program, "");
  Dwarf_Addr bias = 0;
  Dwarf* dwarf = module.module() != nullptr ? dwfl_module_getdwarf(module.module(), &bias) : nullptr;
  if (dwarf == nullptr) {
    error = fmt::format("{}: no DWARF (build it with -g: `ariadne flags --debug`)", program);
    return lines;
  }
  std::map<std::string, std::pair<std::string, std::string>> specs;
  std::map<std::string, bool> clash;
  Dwarf_Off offset = 0, next = 0;
  std::size_t header = 0;
  while (dwarf_nextcu(dwarf, offset, &next, &header, nullptr, nullptr, nullptr) == 0) {
    Dwarf_Die cu;
    if (dwarf_offdie(dwarf, offset + header, &cu) != nullptr) collect(&cu, isa, specs, clash);
    offset = next;
  }
  for (const auto& [name, spec] : specs) {
    if (clash.count(name) != 0 || spec.first == "?" || !wanted(name, user)) continue;
    const std::string re = escape_regex(name);
    if (!spec.first.empty()) lines.push_back(fmt::format("A {}@{}", re, spec.first));
    if (!spec.second.empty()) lines.push_back(fmt::format("R {}@{}", re, spec.second));
  }
  if (specs.empty()) error = fmt::format("{}: no functions in its DWARF (build it with -g)", program);
  return lines;
}

}  // namespace ariadne::analysis

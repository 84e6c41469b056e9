// The formatting half of -a: captured registers put back into the value's
// bytes (Piece) and shown by DWARF type: integers signed or unsigned by
// their size, enums by enumerator, bool, char, floating point, pointers in
// hex, char pointers as the string captured, small structs member by member.
#include <dwarf.h>
#include <fmt/format.h>

#include <cstring>

#include "analysis/AutoArgs.hpp"

namespace ariadne::analysis {

namespace {

constexpr std::size_t kImage = 16;  // bytes of a value in registers, at most

std::uint64_t load(const std::uint8_t* image, std::uint32_t size) {
  std::uint64_t v = 0;
  std::memcpy(&v, image, std::min<std::uint32_t>(size, 8));  // little-endian on both architectures
  return v;
}

std::int64_t sign_extend(std::uint64_t v, std::uint32_t size) {
  if (size >= 8) return static_cast<std::int64_t>(v);
  const unsigned shift = 64 - 8 * size;
  return static_cast<std::int64_t>(v << shift) >> shift;
}

std::string char_text(std::uint64_t c) {
  return tracefile::Value{tracefile::ValueKind::char_, c & 0xff, {}}.format();
}

std::string enumerator(Dwarf_Die* type, std::uint64_t bits, std::uint32_t size) {
  Dwarf_Die child;
  const std::int64_t value = sign_extend(bits, size);
  if (dwarf_child(type, &child) == 0) {
    do {
      Dwarf_Attribute attr;
      Dwarf_Sword v = 0;
      if (dwarf_tag(&child) != DW_TAG_enumerator ||
          dwarf_formsdata(dwarf_attr(&child, DW_AT_const_value, &attr), &v) != 0)
        continue;
      // Compared in the enum's own width: an unsigned enum's large values too.
      if (sign_extend(static_cast<std::uint64_t>(v), size) == value) return dwarf_diename(&child);
    } while (dwarf_siblingof(&child, &child) == 0);
  }
  return fmt::format("{}", value);
}

std::string scalar(Dwarf_Die* type, const std::uint8_t* image, std::uint32_t size) {
  const std::uint64_t bits = load(image, size);
  switch (dwarf_tag(type)) {
    case DW_TAG_enumeration_type:
      return enumerator(type, bits, size);
    case DW_TAG_base_type:
      break;
    default:  // pointers, references
      return fmt::format("{:#x}", bits);
  }
  Dwarf_Attribute attr;
  Dwarf_Word encoding = 0;
  dwarf_formudata(dwarf_attr(type, DW_AT_encoding, &attr), &encoding);
  switch (encoding) {
    case DW_ATE_boolean:
      return bits == 0 ? "false" : bits == 1 ? "true" : fmt::format("{}", bits);
    case DW_ATE_signed_char:
    case DW_ATE_unsigned_char:
      if (size == 1) return char_text(bits);
      break;
    case DW_ATE_float:
      if (size == 4) {
        float f;
        std::memcpy(&f, image, 4);
        return fmt::format("{}", f);
      }
      if (size == 8) {
        double d;
        std::memcpy(&d, image, 8);
        return fmt::format("{}", d);
      }
      return "?";
    default:
      break;
  }
  const bool is_signed = encoding == DW_ATE_signed || encoding == DW_ATE_signed_char;
  return is_signed ? fmt::format("{}", sign_extend(bits, size)) : fmt::format("{}", bits);
}

// The value of `raw` at image[0..size): "{x=1, y=2}" for a struct whose
// bytes are all there, "{...}" otherwise.
std::string typed(Dwarf_Die* raw, const std::uint8_t* image, std::uint32_t have, int depth = 0) {
  Dwarf_Die type;
  if (!strip_type(raw, type)) return "?";
  Dwarf_Word size = 0;
  if (dwarf_aggregate_size(&type, &size) != 0 || size > have) return "{...}";
  const int tag = dwarf_tag(&type);
  if (tag != DW_TAG_structure_type && tag != DW_TAG_class_type)
    return tag == DW_TAG_union_type || tag == DW_TAG_array_type
               ? "{...}"
               : scalar(&type, image, static_cast<std::uint32_t>(size));
  std::string text;
  Dwarf_Die child;
  if (depth < 4 && dwarf_child(&type, &child) == 0) {
    do {
      if (dwarf_tag(&child) != DW_TAG_member || dwarf_hasattr(&child, DW_AT_external)) continue;
      if (dwarf_hasattr(&child, DW_AT_bit_size)) return "{...}";
      Dwarf_Attribute attr;
      Dwarf_Word at = 0;
      dwarf_formudata(dwarf_attr(&child, DW_AT_data_member_location, &attr), &at);
      Dwarf_Die member_type;
      if (dwarf_formref_die(dwarf_attr_integrate(&child, DW_AT_type, &attr), &member_type) == nullptr ||
          at >= size)
        return "{...}";
      const char* name = dwarf_diename(&child);
      text += fmt::format("{}{}={}", text.empty() ? "" : ", ", name != nullptr ? name : "?",
                          typed(&member_type, image + at, static_cast<std::uint32_t>(size - at), depth + 1));
    } while (dwarf_siblingof(&child, &child) == 0);
  } else if (depth >= 4) {
    return "{...}";
  }
  return "{" + text + "}";
}

// One value from its captured registers.
std::string value_text(const ValueLayout& v, const tracefile::Value* values) {
  Dwarf_Die type = v.type;
  if (v.passing != Passing::registers) {
    // A struct not in registers is summarised; a scalar on the stack unknown.
    Dwarf_Die bare;
    const int tag = strip_type(&type, bare) ? dwarf_tag(&bare) : 0;
    const bool composite =
        tag == DW_TAG_structure_type || tag == DW_TAG_class_type || tag == DW_TAG_union_type;
    return v.passing == Passing::by_reference || composite ? "{...}" : "?";
  }
  if (v.string) {
    // A char pointer captured as its string: null or unreadable says so.
    return values[0].kind == tracefile::ValueKind::bad_string ? "(bad string)" : values[0].format();
  }
  std::uint8_t image[kImage] = {};
  std::uint32_t have = 0;
  for (std::size_t i = 0; i < v.pieces.size(); ++i) {
    const Piece& p = v.pieces[i];
    if (p.offset + p.bytes > kImage) return "?";
    std::memcpy(image + p.offset, &values[i].bits, p.bytes);  // float_: the register's low bytes
    have = std::max<std::uint32_t>(have, p.offset + p.bytes);
  }
  return typed(&type, image, have);
}

}  // namespace

std::vector<std::pair<std::string, std::string>> named_arguments(const FunctionLayout& layout,
                                                                 const std::vector<tracefile::Value>& values,
                                                                 bool& fits) {
  std::vector<std::pair<std::string, std::string>> named;
  std::size_t expected = 0;
  for (const ValueLayout& v : layout.args) expected += v.pieces.size();
  fits = layout.supported && expected == values.size();
  if (!fits) return named;
  std::size_t at = 0;
  for (const ValueLayout& v : layout.args) {
    named.emplace_back(v.name.empty() ? "?" : v.name, value_text(v, values.data() + at));
    at += v.pieces.size();
  }
  return named;
}

std::string format_arguments(const FunctionLayout& layout, const std::vector<tracefile::Value>& values,
                             bool& fits) {
  std::string text;
  for (const auto& [name, value] : named_arguments(layout, values, fits))
    text += fmt::format("{}{}: {}", text.empty() ? "" : ", ", name, value);
  if (fits && layout.variadic) text += text.empty() ? "..." : ", ...";
  return text;
}

ProcessArguments::ProcessArguments(const tracefile::ProcessInfo& process)
    : dwarf_(process), isa_(arch::from_name(process.arch)) {}

const FunctionLayout* ProcessArguments::layout(std::uint32_t site) {
  auto [it, fresh] = layouts_.try_emplace(site);
  Dwarf_Die function;
  if (fresh && isa_ && dwarf_.subprogram(site, function)) it->second = layout_function(&function, *isa_);
  return it->second ? &*it->second : nullptr;
}

ArgumentsByProcess::ArgumentsByProcess(const tracefile::SessionInfo& session)
    : enabled_(session.options.starts_with("K dwarf\n") ||
               session.options.find("\nK dwarf\n") != std::string::npos) {}

ProcessArguments* ArgumentsByProcess::operator()(const tracefile::ProcessInfo& p) {
  if (!enabled_) return nullptr;
  auto& a = by_process_[&p];
  if (!a) a = std::make_unique<ProcessArguments>(p);
  return a.get();
}

std::string format_return(const FunctionLayout& layout, const tracefile::Value& value) {
  if (!layout.supported || !layout.has_return) return value.format();
  return value_text(layout.ret, &value);
}

}  // namespace ariadne::analysis

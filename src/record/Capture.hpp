// -A / -R: which sites capture what, and encoding captured values
// (Format.hpp ValueKind). Strings are read through a pipe (write(2) says
// EFAULT for an unreadable pointer), so a bad pointer gives bad_string,
// never a crash.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ariadne/trace.hpp"
#include "record/RecordOptions.hpp"
#include "record/ThreadLog.hpp"

namespace ariadne::record {

// Installs the rules (regexes matched against the sites loaded now and,
// through apply_capture_rules, later). False with `error` for a bad regex.
bool set_capture_rules(const std::vector<CaptureRule>& rules, std::string& error);
void apply_capture_rules() noexcept;  // after a dlopen
bool capture_enabled() noexcept;

// The rule capturing at entry / exit of a site, or nullptr.
const CaptureRule* entry_capture(std::uint32_t site) noexcept;
const CaptureRule* exit_capture(std::uint32_t site) noexcept;

// Encodes V n + the values of `rule` from `frame` at out; returns bytes
// (at most kMaxEvent - 1 - 2 * kMaxVarint).
std::size_t encode_arguments(ThreadLog* t, const CaptureRule& rule, const trace::Frame& frame,
                             std::uint8_t* out) noexcept;
// One Value: the return value.
std::size_t encode_return(ThreadLog* t, const CaptureRule& rule, const trace::Frame& frame,
                          std::uint8_t* out) noexcept;

}  // namespace ariadne::record

// The function-trace options `ariadne record` and `ariadne replay --trace-to`
// share (-F, -N, -D, -t, -A, -R, --segment-size, --generic-path), checked
// here and handed to the runtime's recorder as the text of
// ARIADNE_RECORD_OPTIONS (src/record/RecordOptions.hpp).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "launch/Launcher.hpp"

namespace ariadne::cli {

struct TraceOptions {
  std::vector<std::string> include, exclude, args, retvals;
  std::string depth, min_duration, segment_size;
  bool generic_path = false;
  bool auto_args = false;  // -a: every function's arguments, from DWARF
  CLI::Option* depth_option = nullptr;
  CLI::Option* time_option = nullptr;

  // Any of them given (so `record --replayable` can refuse them).
  bool any() const;
  // The recorder's option lines for what was given. Throws
  // launch::LaunchError naming the option for a malformed one.
  std::string lines() const;
  // -a: the capture lines of every function in the DWARF of `plan`'s program
  // that -F/-N let through. Throws launch::LaunchError.
  std::string auto_args_lines(const launch::LaunchPlan& plan) const;
};

// Adds the options to `cmd`, writing into `o` (which must outlive it).
void add_trace_options(CLI::App* cmd, TraceOptions& o);

// Bytes, or a number with the suffix K, M or G (powers of 1024); false if
// malformed or past 2^64.
bool parse_bytes(const std::string& text, std::uint64_t& bytes);

}  // namespace ariadne::cli

// The process file of the running image (Format.hpp: DIR/<proc>/process):
// its directory, the process / clock / module / sites chunks, process_end.
// One per process image: created at start, again in a fork child, and by the
// new image after exec (which finds "<pid>" taken and uses "<pid>.<n>").
#pragma once

#include <cstddef>
#include <cstdint>

#include "record/ChunkFile.hpp"

namespace ariadne::record {

// Creates DIR/<proc>/ and its process file, writes the header, the process
// chunk, a clock chunk and the modules and sites loaded so far. False (with
// a line on stderr) if the directory or file cannot be made.
bool open_process_log(const char* root, std::uint32_t forked_from) noexcept;

// DIR/<proc>, for the segment files (valid after open_process_log).
const char* process_dir() noexcept;
std::uint32_t process_pid() noexcept;

// One calibration point: counter, CLOCK_MONOTONIC, CLOCK_REALTIME.
void write_clock_chunk() noexcept;
// A module the tracer added after start (dlopen): its module + sites chunks.
void write_module_chunks(std::size_t module_index) noexcept;
// The stacks chunk, once per process: readers then pair each stack's calls
// across threads (its first stack_switch writes it).
void write_stacks_chunk() noexcept;
// exit kind 0 (exit) or 1 (signal), once.
void write_process_end(std::uint32_t kind, std::uint32_t value) noexcept;

// Small helpers for the writer's paths (no allocation; append_decimal is in
// ChunkFile.hpp).
std::uint32_t current_tid() noexcept;

}  // namespace ariadne::record

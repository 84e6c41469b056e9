// Where the runtime's own memory and descriptors go. By default wherever the
// kernel puts them. In a replayable run (record --replayable, replay) the
// replay session sets them apart: mappings in a region of their own far from
// the program's, descriptors above the numbers programs use. The program's
// addresses and descriptor numbers are part of what replay reproduces, and a
// replay traced with `--trace-to` maps and opens what the recording run did
// not (docs/replay.md, "Tracing a replay").
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace ariadne::trace::detail {

// From now on map_runtime hands out addresses from a region of its own and
// keep_fd_apart moves descriptors high. Called once, before main.
// Exported for libariadne-replay.so.
__attribute__((visibility("default"))) void set_runtime_resources_apart() noexcept;
bool runtime_resources_apart() noexcept;

// mmap(2) for the runtime's own memory (MAP_FAILED on failure, errno kept).
// Exported for libariadne-replay.so.
__attribute__((visibility("default"))) void* map_runtime(std::size_t bytes, int prot, int flags, int fd = -1,
                                                         off_t offset = 0) noexcept;
// mremap(MREMAP_MAYMOVE) for a private anonymous runtime mapping: apart, a
// new mapping and a copy (the kernel's own choice would land among the
// program's mappings).
void* remap_runtime(void* old, std::size_t old_bytes, std::size_t new_bytes) noexcept;
// `fd`, or, apart, a copy of it above the program's descriptor numbers
// (close-on-exec kept as it was); the original is closed.
int keep_fd_apart(int fd) noexcept;

}  // namespace ariadne::trace::detail

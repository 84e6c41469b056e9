// Reading a chunk file (session or process file, Format.hpp): the header is
// checked, then every chunk whose header and payload CRCs match is handed
// over; a damaged chunk is a Problem and the reader stops at it (a chunk
// length cannot be trusted past a bad header) or skips it (bad payload CRC,
// header intact).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

struct Chunk {
  std::uint32_t type = 0;
  std::uint64_t offset = 0;  // of the payload in the file
  const std::uint8_t* data = nullptr;
  std::size_t length = 0;
};

// Reads the whole file into memory (chunk files are small: at most
// kMaxChunkFileBytes). Returns false if the file could not be read at all, is
// not a regular file or is larger (a Problem says why, naming it a `what`).
bool read_file(const std::string& path, std::vector<std::uint8_t>& out, std::vector<Problem>& problems,
               const char* what = "file");

// Parses `bytes` (the contents of `path`) as a chunk file of `kind`; calls
// `fn` for each intact chunk in order. Returns false if the file header is
// bad (then no chunk is read).
bool parse_chunk_file(const std::string& path, const std::vector<std::uint8_t>& bytes, FileKind kind,
                      const std::function<void(const Chunk&)>& fn, std::vector<Problem>& problems);

}  // namespace ariadne::tracefile

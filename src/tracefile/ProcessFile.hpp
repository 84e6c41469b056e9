// The chunks of the session file and of a process file (Format.hpp
// ChunkType) turned into SessionInfo / ProcessInfo, with the clock
// calibration worked out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile {

void parse_session_file(const std::string& path, const std::vector<std::uint8_t>& bytes, SessionInfo& s,
                        std::vector<Problem>& problems);
void parse_process_file(const std::string& path, const std::vector<std::uint8_t>& bytes, ProcessInfo& p,
                        std::vector<Problem>& problems);

}  // namespace ariadne::tracefile

#include "tracefile/ProcessFile.hpp"

#include <fmt/format.h>

#include "tracefile/ByteReader.hpp"
#include "tracefile/ChunkFile.hpp"

namespace ariadne::tracefile {

namespace {

constexpr std::uint64_t kMaxStrings = 1u << 16;

bool strings(ByteReader& r, std::vector<std::string>& out) {
  std::uint64_t n;
  if (!r.varint(n) || n > kMaxStrings) return false;
  out.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string s;
    if (!r.string(s)) return false;
    out.push_back(std::move(s));
  }
  return true;
}

void bad_chunk(const std::string& path, const Chunk& c, const ByteReader& r, const char* what,
               std::vector<Problem>& problems) {
  problems.push_back({path, c.offset + r.offset(),
                      fmt::format("expected the {} of a chunk of type {}, found {}", what, c.type,
                                  r.at_end() ? "the end of the payload" : "a malformed field")});
}

struct ClockPoint {
  std::uint64_t counter, mono, real;
};

}  // namespace

void parse_session_file(const std::string& path, const std::vector<std::uint8_t>& bytes, SessionInfo& s,
                        std::vector<Problem>& problems) {
  bool seen = false;
  const bool header_ok = parse_chunk_file(
      path, bytes, FileKind::session,
      [&](const Chunk& c) {
        ByteReader r(c.data, c.data + c.length);
        switch (static_cast<ChunkType>(c.type)) {
          case ChunkType::session: {
            if (!r.varint_as(s.version) || !r.string(s.arch) || !r.varint(s.start_unix_ns))
              return bad_chunk(path, c, r, "version, arch and start time", problems);
            if (!strings(r, s.argv)) return bad_chunk(path, c, r, "argv", problems);
            if (!strings(r, s.env)) return bad_chunk(path, c, r, "environment", problems);
            if (!r.string(s.options)) return bad_chunk(path, c, r, "options", problems);
            seen = true;
            break;
          }
          case ChunkType::session_end:
            if (std::uint64_t end; !r.varint(end) || !r.varint_as(s.exit_kind) || !r.varint_as(s.exit_value))
              return bad_chunk(path, c, r, "end time and exit status", problems);
            if (!r.at_end() && !r.varint_as(s.pid)) return bad_chunk(path, c, r, "PROG's pid", problems);
            s.ended = true;
            break;
          case ChunkType::session_stopped:
            if (!r.varint_as(s.stop_reason) || !r.varint(s.stop_limit))
              return bad_chunk(path, c, r, "stop reason and limit", problems);
            break;
          case ChunkType::session_library: {
            SessionLibrary lib;
            std::uint64_t dlopened;
            if (!r.string(lib.path) || !r.string(lib.build_id) || !r.varint(dlopened) || dlopened > 1)
              return bad_chunk(path, c, r, "library path, build-id and how it was loaded", problems);
            lib.dlopened = dlopened == 1;
            if (s.libraries.size() < kMaxStrings) s.libraries.push_back(std::move(lib));
            break;
          }
          default:
            // Unknown chunk types are skipped: a later minor addition.
            break;
        }
      },
      problems);
  if (!seen && header_ok)
    problems.push_back({path, bytes.size(), "expected a session chunk (type 1), found none intact"});
}

void parse_process_file(const std::string& path, const std::vector<std::uint8_t>& bytes, ProcessInfo& p,
                        std::vector<Problem>& problems) {
  std::vector<ClockPoint> clock;
  struct RawSite {
    std::uint32_t module, id;
    std::uint64_t offset;
    std::string name;
  };
  std::vector<RawSite> raw_sites;
  bool seen = false;
  std::uint64_t hz = 0, clock_kind = static_cast<std::uint64_t>(ClockKind::monotonic_ns);
  const bool header_ok = parse_chunk_file(
      path, bytes, FileKind::process,
      [&](const Chunk& c) {
        ByteReader r(c.data, c.data + c.length);
        switch (static_cast<ChunkType>(c.type)) {
          case ChunkType::process:
            if (!r.varint_as(p.pid) || !r.varint_as(p.ppid) || !r.varint_as(p.forked_from) ||
                !r.string(p.execd_from) || !r.string(p.arch) || !r.varint(clock_kind) || !r.varint(hz))
              return bad_chunk(path, c, r, "pid, ppid, fork, exec, arch and clock", problems);
            if (!strings(r, p.argv)) return bad_chunk(path, c, r, "argv", problems);
            if (!strings(r, p.env)) return bad_chunk(path, c, r, "environment", problems);
            seen = true;
            break;
          case ChunkType::clock: {
            ClockPoint cp;
            if (!r.varint(cp.counter) || !r.varint(cp.mono) || !r.varint(cp.real))
              return bad_chunk(path, c, r, "calibration point", problems);
            clock.push_back(cp);
            break;
          }
          case ChunkType::module: {
            std::uint64_t index;
            ModuleInfo m;
            if (!r.varint(index) || index >= (1u << 16) || !r.string(m.path) || !r.varint(m.base) ||
                !r.string(m.build_id))
              return bad_chunk(path, c, r, "module index, path, base and build-id", problems);
            if (p.modules.size() <= index) p.modules.resize(index + 1);
            p.modules[index] = std::move(m);
            break;
          }
          case ChunkType::sites: {
            std::uint64_t module, count;
            if (!r.varint(module) || module >= (1u << 16) || !r.varint(count))
              return bad_chunk(path, c, r, "module index and site count", problems);
            for (std::uint64_t i = 0; i < count; ++i) {
              RawSite s;
              s.module = static_cast<std::uint32_t>(module);
              std::uint64_t id;
              if (!r.varint(id) || id > 0xffffffffu || !r.varint(s.offset) || !r.string(s.name))
                return bad_chunk(path, c, r, "site id, address and name", problems);
              s.id = static_cast<std::uint32_t>(id);
              raw_sites.push_back(std::move(s));
            }
            break;
          }
          case ChunkType::stacks:
            p.switches_stacks = true;
            break;
          case ChunkType::unhooked:
            if (!r.varint(p.unhooked))
              return bad_chunk(path, c, r, "count of calls with no return hook", problems);
            break;
          case ChunkType::process_end:
            if (!r.varint_as(p.exit_kind) || !r.varint_as(p.exit_value))
              return bad_chunk(path, c, r, "exit status", problems);
            p.ended = true;
            break;
          default:
            break;
        }
      },
      problems);
  if (!seen && header_ok)
    problems.push_back({path, bytes.size(), "expected a process chunk (type 16), found none intact"});
  for (auto& s : raw_sites) {
    SiteInfo& si = p.sites[s.id];
    si.id = s.id;
    si.module = s.module;
    si.address = s.offset + (s.module < p.modules.size() ? p.modules[s.module].base : 0);
    si.name = std::move(s.name);
  }
  p.clock = static_cast<ClockKind>(clock_kind);
  if (!clock.empty()) {
    p.counter0 = clock.front().counter;
    p.mono0_ns = clock.front().mono;
  }
  if (p.clock == ClockKind::monotonic_ns) {
    p.counter_hz = 1e9;
  } else if (hz != 0) {
    p.counter_hz = static_cast<double>(hz);
  } else if (clock.size() >= 2 && clock.back().counter > clock.front().counter &&
             clock.back().mono > clock.front().mono) {
    p.counter_hz = static_cast<double>(clock.back().counter - clock.front().counter) * 1e9 /
                   static_cast<double>(clock.back().mono - clock.front().mono);
  } else {
    problems.push_back({path, bytes.size(),
                        fmt::format("expected a counter frequency or two distinct clock chunks to calibrate "
                                    "the counter, found {} clock chunks (assuming 1 GHz)",
                                    clock.size())});
    p.counter_hz = 1e9;
  }
}

}  // namespace ariadne::tracefile

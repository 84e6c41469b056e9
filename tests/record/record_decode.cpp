// Test-only decoder of a recording directory (tests/record): checks every
// checksum the writer fills in and prints the events, one per line, so the
// shell tests can grep them. Not the reader (src/tracefile/TraceDir.cpp):
// just enough to see what the writer wrote.
//
//   record_decode DIR            events: "<proc> <tid> <event> [<name>] [values]"
//   record_decode DIR counts     entries per function: "<proc> <name> <n>"
// Problems are printed as "problem: ..." lines; exit 1 if any.
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"

namespace fs = std::filesystem;
using namespace ariadne::tracefile;

namespace {

int g_problems = 0;

void problem(const std::string& what) {
  std::printf("problem: %s\n", what.c_str());
  ++g_problems;
}

std::vector<std::uint8_t> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct Cursor {
  const std::uint8_t* p;
  const std::uint8_t* end;
  bool ok = true;
  std::uint64_t v() {
    std::uint64_t x = 0;
    const std::size_t n = ok ? get_varint(p, end, x) : 0;
    if (n == 0) ok = false;
    p += n;
    return x;
  }
  std::string s() {
    const std::uint64_t n = v();
    if (!ok || n > static_cast<std::uint64_t>(end - p)) {
      ok = false;
      return {};
    }
    std::string r(reinterpret_cast<const char*>(p), n);
    p += n;
    return r;
  }
};

struct Process {
  std::map<std::uint64_t, std::string> sites;
  std::string header;  // the process chunk, readable
};

Process read_process(const fs::path& file) {
  Process proc;
  const auto data = read_file(file);
  if (data.size() < sizeof(FileHeader)) {
    problem(file.string() + ": short");
    return proc;
  }
  FileHeader fh;
  std::memcpy(&fh, data.data(), sizeof fh);
  if (std::memcmp(fh.magic, kFileMagic, 8) != 0 || fh.crc != crc32c(&fh, 12))
    problem(file.string() + ": bad header");
  std::size_t at = sizeof fh;
  while (at + sizeof(ChunkHeader) <= data.size()) {
    ChunkHeader ch;
    std::memcpy(&ch, data.data() + at, sizeof ch);
    if (ch.header_crc != crc32c(&ch, 12) || at + sizeof ch + ch.length > data.size()) {
      problem(file.string() + ": bad chunk header at " + std::to_string(at));
      break;
    }
    const std::uint8_t* payload = data.data() + at + sizeof ch;
    if (ch.crc != crc32c(payload, ch.length))
      problem(file.string() + ": bad chunk crc at " + std::to_string(at));
    Cursor c{payload, payload + ch.length};
    switch (static_cast<ChunkType>(ch.type)) {
      case ChunkType::process: {
        const auto pid = c.v(), ppid = c.v(), forked = c.v();
        const auto execd = c.s();
        const auto arch = c.s();
        const auto clock = c.v(), hz = c.v();
        const auto argc = c.v();
        std::string argv;
        for (std::uint64_t i = 0; i < argc && c.ok; ++i) {
          argv += ' ';
          argv += c.s();
        }
        proc.header = "process pid=" + std::to_string(pid) + " ppid=" + std::to_string(ppid) +
                      " forked_from=" + std::to_string(forked) + " arch=" + arch +
                      " clock=" + std::to_string(clock) + " hz=" + std::to_string(hz) + " argv=" + argv;
        (void)execd;
        break;
      }
      case ChunkType::sites: {
        c.v();
        const auto n = c.v();
        for (std::uint64_t i = 0; i < n && c.ok; ++i) {
          const auto id = c.v();
          c.v();
          proc.sites[id] = c.s();
        }
        break;
      }
      case ChunkType::process_end: {
        const auto kind = c.v(), value = c.v();
        proc.header += " end=" + std::to_string(kind) + ":" + std::to_string(value);
        break;
      }
      default:
        break;
    }
    if (!c.ok) problem(file.string() + ": bad payload at " + std::to_string(at));
    at += sizeof ch + (ch.length + 7) / 8 * 8;
  }
  return proc;
}

std::vector<std::uint8_t> segment_bytes(const fs::path& file) {
  auto data = read_file(file);
  if (file.extension() != ".zst") return data;
  const unsigned long long size = ZSTD_getFrameContentSize(data.data(), data.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN) {
    problem(file.string() + ": not a zstd frame with its size");
    return {};
  }
  std::vector<std::uint8_t> out(size);
  const std::size_t n = ZSTD_decompress(out.data(), out.size(), data.data(), data.size());
  if (ZSTD_isError(n)) {
    problem(file.string() + ": " + ZSTD_getErrorName(n));
    return {};
  }
  return out;
}

std::string value_text(Cursor& c) {
  if (c.p >= c.end) {
    c.ok = false;
    return "";
  }
  const auto kind = static_cast<ValueKind>(*c.p++);
  switch (kind) {
    case ValueKind::int_:
      return std::to_string(unzigzag(c.v()));
    case ValueKind::uint_:
      return std::to_string(c.v());
    case ValueKind::hex:
    case ValueKind::pointer: {
      char b[32];
      std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(c.v()));
      return b;
    }
    case ValueKind::string: {
      // Built by appending: GCC 12 -O3 warns (-Wrestrict, a false positive) on "\"" + s + "\"".
      std::string r(1, '"');
      r.append(c.s());
      r.push_back('"');
      return r;
    }
    case ValueKind::char_: {
      std::string r(1, '\'');
      r.push_back(static_cast<char>(c.v()));
      r.push_back('\'');
      return r;
    }
    case ValueKind::float_: {
      double d = 0;
      if (c.end - c.p < 8) {
        c.ok = false;
        return "";
      }
      std::memcpy(&d, c.p, 8);
      c.p += 8;
      char b[64];
      std::snprintf(b, sizeof b, "%g", d);
      return b;
    }
    case ValueKind::bad_string:
      return "<bad>";
  }
  c.ok = false;
  return "";
}

struct Output {
  bool counts = false;
  std::map<std::string, std::uint64_t> entries;  // "<proc> <name>"
};

void decode_segment(const std::string& proc_key, const Process& proc, const fs::path& file, Output& out) {
  const auto data = segment_bytes(file);
  if (data.size() < kSegmentHeaderSize) {
    problem(file.string() + ": short segment");
    return;
  }
  SegmentHeader h;
  std::memcpy(&h, data.data(), sizeof h);
  if (std::memcmp(h.magic, kSegmentMagic, 8) != 0 || h.header_crc != crc32c(&h, 28))
    problem(file.string() + ": bad segment header");
  const std::uint8_t* payload = data.data() + kSegmentHeaderSize;
  const std::uint8_t* end = data.data() + data.size();
  const bool sealed = h.state == static_cast<std::uint32_t>(SegmentState::sealed);
  if (sealed) {
    if (kSegmentHeaderSize + h.used > data.size())
      problem(file.string() + ": used past the end");
    else {
      if (crc32c(payload, h.used) != h.payload_crc) problem(file.string() + ": bad payload crc");
      end = payload + h.used;
    }
  }
  if (!out.counts)
    std::printf("%s %u segment seq=%u sealed=%d\n", proc_key.c_str(), h.tid, h.seq, sealed ? 1 : 0);
  Cursor c{payload, end};
  auto name = [&](std::uint64_t id) {
    auto it = proc.sites.find(id);
    return it != proc.sites.end() ? it->second : "<site " + std::to_string(id) + ">";
  };
  while (c.p < c.end && c.ok) {
    const auto tag = static_cast<Event>(*c.p++);
    std::string line;
    switch (tag) {
      case Event::end:
        c.p = c.end;
        continue;
      case Event::entry:
      case Event::entry_args: {
        const auto site = c.v();
        c.v();
        line = "entry " + name(site);
        out.entries[proc_key + " " + name(site)]++;
        if (tag == Event::entry_args) {
          const auto n = c.v();
          for (std::uint64_t i = 0; i < n && c.ok; ++i) {
            line += ' ';
            line += value_text(c);
          }
        }
        break;
      }
      case Event::exit:
        c.v();
        line = "exit";
        break;
      case Event::exit_unwound:
        c.v();
        line = "exit_unwound";
        break;
      case Event::exit_retval:
        c.v();
        line = "exit retval=" + value_text(c);
        break;
      case Event::thread_start:
        c.v();
        line = "thread_start parent=" + std::to_string(c.v());
        break;
      case Event::thread_exit:
        c.v();
        line = "thread_exit";
        break;
      case Event::fork:
        c.v();
        line = "fork child=" + std::to_string(c.v());
        break;
      case Event::fork_child: {
        c.v();
        line = "fork_child parent=" + std::to_string(c.v());
        const auto n = c.v();
        for (std::uint64_t i = 0; i < n && c.ok; ++i) {
          line += ' ';
          line += name(c.v());
        }
        break;
      }
      case Event::exec:
        c.v();
        line = "exec " + c.s();
        break;
      case Event::exec_failed:
        c.v();
        line = "exec_failed errno=" + std::to_string(c.v());
        break;
      case Event::signal:
        c.v();
        line = "signal " + std::to_string(c.v());
        break;
      case Event::lost:
        c.v();
        line = "lost " + std::to_string(c.v());
        break;
      case Event::clock:
        c.v();
        line = "clock";
        break;
      case Event::stack_switch: {
        c.v();
        const auto stack = c.v();
        const auto run = c.v();
        line = "stack_switch stack=" + std::to_string(stack) + " run=" + std::to_string(run) +
               " open=" + std::to_string(c.v());
        break;
      }
      default:
        problem(file.string() + ": unknown tag " + std::to_string(static_cast<int>(tag)));
        c.ok = false;
        continue;
    }
    if (!c.ok)
      problem(file.string() + ": truncated event");
    else if (!out.counts)
      std::printf("%s %u %s\n", proc_key.c_str(), h.tid, line.c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: record_decode DIR [counts]\n");
    return 2;
  }
  Output out;
  out.counts = argc > 2 && std::strcmp(argv[2], "counts") == 0;
  std::vector<fs::path> procs;
  for (const auto& e : fs::directory_iterator(argv[1])) {
    if (e.is_directory()) procs.push_back(e.path());
  }
  std::sort(procs.begin(), procs.end());
  for (const auto& dir : procs) {
    const std::string key = dir.filename().string();
    const Process proc = read_process(dir / "process");
    if (!out.counts) std::printf("%s %s\n", key.c_str(), proc.header.c_str());
    // Segments in (tid, seq) order.
    std::vector<std::pair<std::pair<unsigned long, unsigned long>, fs::path>> segs;
    for (const auto& f : fs::directory_iterator(dir)) {
      const std::string n = f.path().filename().string();
      unsigned long tid = 0, seq = 0;
      if (n[0] == 't' && std::sscanf(n.c_str(), "t%lu-%lu.seg", &tid, &seq) == 2 &&
          n.find(".tmp") == std::string::npos)
        segs.push_back({{tid, seq}, f.path()});
    }
    std::sort(segs.begin(), segs.end());
    for (const auto& s : segs) decode_segment(key, proc, s.second, out);
  }
  if (out.counts) {
    for (const auto& [k, n] : out.entries)
      std::printf("%s %llu\n", k.c_str(), static_cast<unsigned long long>(n));
  }
  return g_problems == 0 ? 0 : 1;
}

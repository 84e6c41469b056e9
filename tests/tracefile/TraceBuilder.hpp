// Test-only writer of recording directories (src/tracefile/Format.hpp): the
// session file, process files, sites and segments (open, sealed or
// compressed) holding exactly the events a test chooses, plus helpers to
// damage the files afterwards. Used by the reader's tests, the fuzz seed
// corpus and the dump commands' tests.
//
// Timestamps are given as absolute counter values; the builder writes the
// deltas. With the default ClockKind::monotonic_ns a counter value is a
// CLOCK_MONOTONIC nanosecond, so durations in tests are exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracefile/Format.hpp"
#include "tracefile/TraceDir.hpp"

namespace ariadne::tracefile::test {

// Varints and strings, as chunk payloads and events are made of.
struct Bytes {
  std::vector<std::uint8_t> data;
  Bytes& v(std::uint64_t x);
  Bytes& s(const std::string& x);
  Bytes& u8(std::uint8_t x);
  Bytes& raw(const void* p, std::size_t n);
  Bytes& value(const Value& x);
};

Value int_value(std::int64_t x);
Value uint_value(std::uint64_t x);
Value hex_value(std::uint64_t x);
Value string_value(const std::string& x);
Value char_value(char x);
Value float_value(double x);
Value pointer_value(std::uint64_t x);
Value bad_string_value();

// The events of one segment. `t` arguments are absolute counter values.
class Events {
 public:
  explicit Events(std::uint64_t base = 0) : last_(base) {}
  Events& entry(std::uint32_t site, std::uint64_t t);
  Events& entry_args(std::uint32_t site, std::uint64_t t, const std::vector<Value>& args);
  Events& exit(std::uint64_t t);
  Events& exit_unwound(std::uint64_t t);
  Events& exit_retval(std::uint64_t t, const Value& v);
  Events& thread_start(std::uint64_t t, std::uint32_t parent_tid);
  Events& thread_exit(std::uint64_t t);
  Events& fork(std::uint64_t t, std::uint32_t child_pid);
  Events& fork_child(std::uint64_t t, std::uint32_t parent_pid, const std::vector<std::uint32_t>& open_sites);
  Events& exec(std::uint64_t t, const std::string& path);
  Events& exec_failed(std::uint64_t t, std::uint32_t err);
  Events& signal(std::uint64_t t, std::uint32_t signo);
  Events& lost(std::uint64_t t, std::uint64_t count);
  Events& clock(std::uint64_t counter);
  Events& raw(const std::vector<std::uint8_t>& bytes);  // anything, for damage tests

  const std::vector<std::uint8_t>& bytes() const { return b_.data; }
  std::uint64_t count() const { return count_; }

 private:
  std::uint64_t dt(std::uint64_t t);
  Bytes b_;
  std::uint64_t last_;
  std::uint64_t count_ = 0;
};

// live: one of the writer's live files, t<tid>.<k>.live (an open segment;
// live_full: a full one, sealed and waiting to be copied out; recycled: one
// whose segment was copied out, header state `recycled`).
enum class SegmentForm { open, sealed, compressed, live, live_full, recycled };

struct Segment {
  std::uint32_t pid = 0, tid = 0, seq = 0;
  std::uint64_t base = 0;
  std::uint32_t depth = 0;  // open calls at the start
  SegmentForm form = SegmentForm::sealed;
  std::uint32_t capacity = 0;              // 0: the events rounded up to 4 KiB (plus room for the zero tag)
  int live_k = -1;                         // live forms: the k of t<tid>.<k>.live (-1: t<tid>.live)
  std::uint16_t version = kFormatVersion;  // 1: the header CRC covers magic .. seq only
  Events events;

  std::string file_name() const;  // t<tid>-<seq>.seg[.zst], or t<tid>[.<k>].live
  // The raw file (header + capacity bytes; sealed or open as `form` says,
  // compressed segments are sealed and cut at header + used).
  std::vector<std::uint8_t> raw_file() const;
  std::vector<std::uint8_t> file() const;  // as written: raw_file() or its zstd frame
};

struct SiteSpec {
  std::uint32_t module = 0, id = 0;
  std::uint64_t offset = 0;
  std::string name;
};

struct ClockPoint {
  std::uint64_t counter = 0, mono_ns = 0, real_ns = 0;
};

struct Process {
  std::string key;  // directory name: "<pid>" or "<pid>.<n>"
  std::uint32_t pid = 0, ppid = 1, forked_from = 0;
  std::string execd_from;
  std::string arch = "x86_64";
  ClockKind clock = ClockKind::monotonic_ns;
  std::uint64_t counter_hz = 0;
  std::vector<std::string> argv{"prog"}, env{"HOME=/root"};
  std::vector<ClockPoint> clocks;
  std::vector<ModuleInfo> modules{{"/bin/prog", 0x400000, "abcdef0123456789"}};
  std::vector<SiteSpec> sites;
  bool ended = true;
  int exit_kind = 0, exit_value = 0;
  bool write_process_file = true;
  std::vector<Segment> segments;

  // Adds site `id` named `name` in module 0 at offset 0x1000 + 0x10 * id.
  Process& site(std::uint32_t id, const std::string& name);
  // A new segment of thread `tid` (pid filled in); its events start at `base`.
  Segment& segment(std::uint32_t tid, std::uint32_t seq, std::uint64_t base,
                   SegmentForm form = SegmentForm::sealed, std::uint32_t depth = 0);
  std::vector<std::uint8_t> file() const;  // the process file
};

struct Session {
  std::string arch = "x86_64";
  std::uint64_t start_unix_ns = 1700000000000000000ull;
  std::vector<std::string> argv{"prog", "arg"}, env{"HOME=/root"};
  std::string options = "-F main";
  bool ended = true;
  std::uint64_t end_unix_ns = 1700000001000000000ull;
  int exit_kind = 0, exit_value = 0;
  std::vector<std::uint8_t> file() const;
};

// A chunk file from (type, payload) pairs: the building block of the above,
// also for tests that need odd chunks.
std::vector<std::uint8_t> chunk_file(
    FileKind kind, const std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>& chunks);

struct TraceBuilder {
  Session session;
  bool write_session = true;
  std::vector<Process> processes;

  Process& process(std::uint32_t pid, const std::string& key = "");
  // Writes everything under `dir` (created; an existing one is emptied).
  void write(const std::string& dir) const;
};

// A zstd frame (no content size, no checksum) decompressing to `prefix`
// followed by `fill_bytes` copies of `fill`, made of RLE blocks: 1 GiB costs
// 32 KiB and no compression time. With a segment header as the prefix it is
// the zstd bomb of the hostile-file tests. `declared`: write this content
// size in the frame header instead (0: none).
std::vector<std::uint8_t> zstd_rle_frame(const std::vector<std::uint8_t>& prefix, std::uint64_t fill_bytes,
                                         std::uint8_t fill, std::uint64_t declared = 0);

// Damage helpers for tests.
std::vector<std::uint8_t> read_bytes(const std::string& path);
void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes);
void flip_byte(const std::string& path, std::size_t offset, std::uint8_t mask = 0xff);
void truncate_file(const std::string& path, std::size_t size);
void remove_tree(const std::string& dir);
std::string temp_dir(const std::string& name);  // a fresh directory under $TMPDIR (or /tmp)

}  // namespace ariadne::tracefile::test

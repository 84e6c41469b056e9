// Writes the seed corpus of the fuzz targets from TraceBuilder recordings:
//   make_corpus OUT   ->  OUT/<target>/seed-*
// Segments get a capacity just above their events so the seeds stay small.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>

#include "TraceArchive.hpp"
#include "TraceBuilder.hpp"

using namespace ariadne::tracefile;
using namespace ariadne::tracefile::test;

namespace {

void put(const std::string& dir, const std::string& name, const std::vector<std::uint8_t>& bytes) {
  std::filesystem::create_directories(dir);
  write_bytes(dir + "/" + name, bytes);
}

std::vector<std::uint8_t> with_selector(std::uint8_t sel, const std::vector<std::uint8_t>& bytes) {
  std::vector<std::uint8_t> out(bytes.size() + 1);
  out[0] = sel;
  std::copy(bytes.begin(), bytes.end(), out.begin() + 1);
  return out;
}

TraceBuilder recording() {
  TraceBuilder b;
  auto& p = b.process(10);
  p.clock = ClockKind::cntvct;
  p.counter_hz = 62500000;
  p.clocks = {{100, 1000, 5000}, {200, 2600, 6600}};
  p.site(1, "main").site(2, "work").site(3, "leaf");
  auto& s0 = p.segment(10, 0, 100, SegmentForm::sealed);
  s0.events.thread_start(100, 0)
      .entry(1, 101)
      .entry_args(2, 102,
                  {int_value(-3), uint_value(3), hex_value(0x30), string_value("str"), char_value('c'),
                   float_value(2.5), pointer_value(0x7f00), bad_string_value()})
      .entry(3, 103)
      .exit_retval(104, int_value(1))
      .exit_unwound(105)
      .signal(106, 2)
      .fork(107, 11)
      .lost(108, 4)
      .clock(300);
  auto& s1 = p.segment(10, 1, 300, SegmentForm::compressed, 1);
  s1.events.entry(2, 301).exit(302).exec(303, "/bin/x").exec_failed(304, 2);
  auto& s2 = p.segment(10, 2, 400, SegmentForm::open, 1);
  s2.events.exit(401).thread_exit(402);
  auto& c = b.process(11);
  c.ppid = 10;
  c.forked_from = 10;
  c.site(1, "main");
  c.segment(11, 0, 107).events.fork_child(107, 10, {1}).exit(110);
  for (auto& proc : b.processes)
    for (auto& s : proc.segments) s.capacity = static_cast<std::uint32_t>(s.events.bytes().size() + 8);
  return b;
}

// A whole recording as one trace_dir input (TraceArchive.hpp).
std::vector<std::uint8_t> archive_of(const TraceBuilder& b) {
  std::vector<std::uint8_t> archive;
  append_file(archive, "ariadne.session", b.session.file());
  for (const auto& p : b.processes) {
    append_file(archive, p.key + "/process", p.file());
    for (const auto& s : p.segments) append_file(archive, p.key + "/" + s.file_name(), s.file());
  }
  return archive;
}

// The hostile files of issue 16 that fit in a corpus (FIFOs, devices and
// 20 GB sparse files cannot be inputs; tests/tracefile/hostile_files_test.cpp
// covers them): zstd bombs, a header whose base_timestamp or capacity is
// damaged, a broken live file, a recording without its process directory.
void hostile(const std::string& out, const TraceBuilder& b) {
  Segment s = b.processes[0].segments[0];
  s.capacity = 4032;
  auto header = s.raw_file();
  header.resize(kSegmentHeaderSize);
  // 100 MiB of entry events behind a header promising 4032 bytes: 3 KiB.
  const auto bomb = zstd_rle_frame(header, 100u << 20, 0x01);
  put(out + "/segment_zst", "hostile-bomb-100MiB", bomb);
  put(out + "/segment_zst", "hostile-declares-20GB", zstd_rle_frame(header, 4096, 0x01, 20ull << 30));
  auto raw = s.raw_file();
  raw[offsetof(SegmentHeader, base_timestamp) + 5] ^= 0x10;
  put(out + "/segment", "hostile-base-timestamp-flipped", raw);
  raw = s.raw_file();
  SegmentHeader h;
  std::memcpy(&h, raw.data(), sizeof h);
  h.capacity = 0xfffff000u;
  h.header_crc = segment_header_crc(h);
  std::memcpy(raw.data(), &h, sizeof h);
  put(out + "/segment", "hostile-capacity-4GB", raw);

  TraceBuilder with_bomb = b;
  std::vector<std::uint8_t> archive = archive_of(with_bomb);
  append_file(archive, "10/t10-3.seg.zst", bomb);
  put(out + "/trace_dir", "hostile-bomb", archive);
  TraceBuilder live = b;
  live.processes[0].segments[2].form = SegmentForm::live;
  live.processes[0].segments[2].live_k = 0;
  archive.clear();
  append_file(archive, "ariadne.session", live.session.file());
  for (const auto& p : live.processes) {
    append_file(archive, p.key + "/process", p.file());
    for (const auto& seg : p.segments) {
      auto bytes = seg.file();
      if (seg.form == SegmentForm::live) bytes[offsetof(SegmentHeader, pid)] ^= 1;
      append_file(archive, p.key + "/" + seg.file_name(), bytes);
    }
  }
  put(out + "/trace_dir", "hostile-live-broken-header", archive);
  archive.clear();
  append_file(archive, "ariadne.session", b.session.file());
  put(out + "/trace_dir", "hostile-no-process-directory", archive);
  archive.clear();
  append_file(archive, "11/process", b.processes[1].file());  // forked from 10, which is gone
  append_file(archive, "11/t11-0.seg", b.processes[1].segments[0].file());
  put(out + "/trace_dir", "hostile-fork-parent-gone", archive);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const std::string out = argv[1];
  const TraceBuilder b = recording();
  put(out + "/chunk_file", "seed-session", with_selector(1, b.session.file()));
  for (const auto& p : b.processes)
    put(out + "/chunk_file", "seed-process-" + p.key, with_selector(0, p.file()));
  for (const auto& p : b.processes) {
    for (auto s : p.segments) {
      const std::string name = "seed-" + p.key + "-" + std::to_string(s.seq);
      for (const auto form : {SegmentForm::sealed, SegmentForm::open}) {
        s.form = form;
        put(out + "/segment", name + (form == SegmentForm::open ? "-open" : "-sealed"), s.file());
      }
      s.form = SegmentForm::compressed;
      put(out + "/segment_zst", name, s.file());
    }
  }
  put(out + "/trace_dir", "seed-recording", archive_of(b));
  // The same with the last segment of thread 10 left in its live file, and a
  // recycled live file (the writer's states a killed recording can leave).
  TraceBuilder live = b;
  live.processes[0].segments[2].form = SegmentForm::live;
  auto& recycled = live.processes[1].segment(11, 1, 110, SegmentForm::recycled);
  recycled.events.entry(1, 111);
  put(out + "/trace_dir", "seed-recording-live", archive_of(live));
  // Drained live files (t<tid>.<k>.live): thread 10's last two segments left
  // in two of them, one full and waiting to be copied out, one open.
  TraceBuilder drained = b;
  drained.processes[0].segments[1].form = SegmentForm::live_full;
  drained.processes[0].segments[1].live_k = 0;
  drained.processes[0].segments[2].form = SegmentForm::live;
  drained.processes[0].segments[2].live_k = 1;
  put(out + "/trace_dir", "seed-recording-drained", archive_of(drained));

  // The session and process files alone, as files (session_file, process_file).
  put(out + "/session_file", "seed-session", b.session.file());
  for (const auto& p : b.processes) put(out + "/process_file", "seed-process-" + p.key, p.file());
  hostile(out, b);
  return 0;
}

// Damaged recordings: every problem names the file, the offset and what was
// expected, and what is intact is still read.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "TraceBuilder.hpp"
#include "TraceTestUtil.hpp"

namespace ariadne::tracefile::test {
namespace {

using Lines = std::vector<std::string>;

// One process (pid 5), thread 5 in two segments, thread 6 in one.
TraceBuilder sample(SegmentForm form) {
  TraceBuilder b;
  auto& p = b.process(5);
  p.site(1, "main").site(2, "f");
  auto& s0 = p.segment(5, 0, 0, form);
  s0.events.entry(1, 0);
  for (std::uint64_t i = 0; i < 20; ++i) s0.events.entry(2, 10 + 10 * i).exit(15 + 10 * i);
  p.segment(5, 1, 1000, form, 1).events.entry(2, 1000).exit(1010).exit(1100);
  p.segment(6, 0, 50, form).events.entry(2, 50).exit(60);
  return b;
}

struct Read {
  std::vector<Problem> problems;
  std::vector<Lines> threads;  // per thread of process 0
};

Read read_all(const std::string& dir) {
  Read r;
  const TraceDir d = TraceDir::open(dir, r.problems);
  for (const auto& p : d.processes())
    for (const auto& t : p.threads) r.threads.push_back(events_of(d, p, t, r.problems, false));
  return r;
}

TEST(TraceCorruption, NotARecordingThrows) {
  std::vector<Problem> problems;
  EXPECT_THROW(TraceDir::open("/nonexistent/trace", problems), TraceError);
  const std::string dir = temp_dir("empty");
  EXPECT_THROW(TraceDir::open(dir, problems), TraceError);
  remove_tree(dir);
}

TEST(TraceCorruption, TruncatedSegmentsAtEveryOffset) {
  for (const auto form : {SegmentForm::sealed, SegmentForm::compressed, SegmentForm::open}) {
    const std::string dir = temp_dir("trunc");
    const TraceBuilder b = sample(form);
    b.write(dir);
    const Read whole = read_all(dir);
    ASSERT_EQ(problems_text(whole.problems), "");
    const std::string seg = dir + "/5/" + b.processes[0].segments[0].file_name();
    const auto bytes = read_bytes(seg);
    const std::size_t step = form == SegmentForm::open ? 7 : 1;
    for (std::size_t cut = 0; cut < std::min<std::size_t>(bytes.size(), 300); cut += step) {
      write_bytes(seg, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
      const Read r = read_all(dir);
      SCOPED_TRACE(cut);
      ASSERT_EQ(r.threads.size(), 2u);
      // Thread 6 untouched; thread 5 keeps a prefix of the first segment and all of the second.
      EXPECT_EQ(r.threads[1], whole.threads[1]);
      EXPECT_TRUE(std::search(r.threads[0].begin(), r.threads[0].end(), whole.threads[0].end() - 3,
                              whole.threads[0].end() - 1) != r.threads[0].end());
      const std::size_t whole_size = kSegmentHeaderSize + b.processes[0].segments[0].events.bytes().size();
      if ((form == SegmentForm::sealed && cut < whole_size) || form == SegmentForm::compressed ||
          cut < kSegmentHeaderSize) {
        ASSERT_FALSE(r.problems.empty());
        EXPECT_EQ(r.problems[0].file, seg);
      }
      for (const auto& p : r.problems) EXPECT_NE(p.what.find("expected"), std::string::npos) << p.text();
    }
    remove_tree(dir);
  }
}

TEST(TraceCorruption, FlippedBytesAnywhereNeverCrash) {
  for (const auto form : {SegmentForm::sealed, SegmentForm::compressed}) {
    const std::string dir = temp_dir("flip");
    const TraceBuilder b = sample(form);
    b.write(dir);
    const std::string seg = dir + "/5/" + b.processes[0].segments[0].file_name();
    const auto bytes = read_bytes(seg);
    for (std::size_t at = 0; at < std::min<std::size_t>(bytes.size(), 200); ++at) {
      auto damaged = bytes;
      damaged[at] ^= 0x5a;
      write_bytes(seg, damaged);
      const Read r = read_all(dir);
      SCOPED_TRACE(at);
      // Not covered by a checksum in a raw segment: base_timestamp, depth
      // (unused for a thread's first segment) and the reserved bytes.
      // Nor the zero fill after a sealed payload.
      const bool checked = !(at >= 32 && at < 40) && !(at >= 52 && at < 64) &&
                           at < kSegmentHeaderSize + b.processes[0].segments[0].events.bytes().size();
      if (form == SegmentForm::sealed && checked) {
        EXPECT_FALSE(r.problems.empty());
      }
      ASSERT_EQ(r.threads.size(), 2u);
      EXPECT_EQ(r.threads[1].size(), 2u);
    }
    remove_tree(dir);
  }
}

TEST(TraceCorruption, BadPayloadCrcNamesTheOffset) {
  const std::string dir = temp_dir("crc");
  const TraceBuilder b = sample(SegmentForm::sealed);
  b.write(dir);
  const std::string seg = dir + "/5/t5-0.seg";
  // The 4th event (an entry: tag 1) gets tag 0x74: CRC mismatch plus unknown tag.
  flip_byte(seg, kSegmentHeaderSize + 3 + 3 + 2, 0x75);
  const Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 2u) << problems_text(r.problems);
  EXPECT_EQ(r.problems[0].file, seg);
  EXPECT_EQ(r.problems[0].offset, kSegmentHeaderSize);
  EXPECT_NE(r.problems[0].what.find("expected payload CRC"), std::string::npos);
  EXPECT_EQ(r.problems[1].text(), seg + ": offset 72: expected an event tag (1-14), found 0x74");
  // Intact: the first three events, then the whole second segment.
  EXPECT_EQ(r.threads[0], (Lines{"0 entry main d0", "10 entry f d1", "15 exit f d1", "1000 entry f d1",
                                 "1010 exit f d1", "1100 exit main d0"}));
  remove_tree(dir);
}

TEST(TraceCorruption, ExitWithoutEntry) {
  TraceBuilder b;
  auto& p = b.process(9);
  p.site(1, "f");
  p.segment(9, 0, 0).events.entry(1, 0).exit(5).exit(6).entry(1, 7);
  const std::string dir = temp_dir("noentry");
  b.write(dir);
  const Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].text(), dir +
                                      "/9/t9-0.seg: offset 69: expected an exit to close an open call, "
                                      "found an event exit with no call open");
  EXPECT_EQ(r.threads[0], (Lines{"0 entry f d0", "5 exit f d0"}));
  remove_tree(dir);
}

TEST(TraceCorruption, ExitAfterLostEventsIsNotAProblem) {
  TraceBuilder b;
  auto& p = b.process(9);
  p.site(1, "f");
  p.segment(9, 0, 0).events.lost(0, 100).entry(1, 2).exit(3).exit(4).entry(1, 5).exit(6);
  const std::string dir = temp_dir("lostexit");
  b.write(dir);
  const Read r = read_all(dir);
  EXPECT_EQ(problems_text(r.problems), "");
  EXPECT_EQ(r.threads[0], (Lines{"0 lost 100", "2 entry f d0", "3 exit f d0", "4 exit <unknown> d0",
                                 "5 entry f d0", "6 exit f d0"}));
  remove_tree(dir);
}

TEST(TraceCorruption, TruncatedEventAtTheEnd) {
  TraceBuilder b;
  auto& p = b.process(9);
  p.site(1, "f");
  p.segment(9, 0, 0).events.entry(1, 0).raw({0x04, 0x01, 0x05, 0x02, 0x01});  // entry_args, one value of two
  const std::string dir = temp_dir("cutevent");
  b.write(dir);
  const Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].text(), dir +
                                      "/9/t9-0.seg: offset 72: expected the rest of the entry_args event "
                                      "(tag at offset 67), found the end of the data");
  EXPECT_EQ(r.threads[0], (Lines{"0 entry f d0"}));
  remove_tree(dir);
}

struct ChunkSpan {
  std::size_t first;        // the chunk header's offset
  std::size_t payload_end;  // where its padding starts
  std::size_t end;          // the next chunk's offset
};

std::vector<ChunkSpan> chunk_spans(const std::vector<std::uint8_t>& bytes) {
  std::vector<ChunkSpan> out;
  std::size_t off = sizeof(FileHeader);
  while (off + sizeof(ChunkHeader) <= bytes.size()) {
    ChunkHeader c;
    std::memcpy(&c, bytes.data() + off, sizeof c);
    const std::size_t payload_end = off + sizeof c + c.length;
    out.push_back({off, payload_end, off + sizeof c + ((c.length + 7) & ~7u)});
    off = out.back().end;
  }
  return out;
}

TEST(TraceCorruption, MissingAndDamagedProcessFiles) {
  const std::string dir = temp_dir("proc");
  TraceBuilder b = sample(SegmentForm::sealed);
  b.processes[0].write_process_file = false;
  auto& q = b.process(8);
  q.site(1, "g");
  q.segment(8, 0, 0).events.entry(1, 0).exit(4);
  b.write(dir);
  // Damage the sites chunk of process 8 (the third): the chunks around it survive.
  const std::string pf = dir + "/8/process";
  const auto bytes = read_bytes(pf);
  const auto chunks = chunk_spans(bytes);
  ASSERT_EQ(chunks.size(), 4u);
  flip_byte(pf, chunks[2].first + sizeof(ChunkHeader));
  Read r = read_all(dir);
  ASSERT_GE(r.problems.size(), 2u) << problems_text(r.problems);
  EXPECT_EQ(r.problems[0].text(), dir + "/5/process: offset 0: expected the process file, found no file");
  EXPECT_EQ(r.problems[1].file, pf);
  EXPECT_NE(r.problems[1].what.find("expected chunk payload CRC"), std::string::npos) << r.problems[1].what;
  EXPECT_EQ(r.problems[1].offset, chunks[2].first + sizeof(ChunkHeader));
  EXPECT_EQ(r.threads[0][0], "0 entry <site 1> d0");
  EXPECT_EQ(r.threads[2], (Lines{"0 entry <site 1> d0", "4 exit <site 1> d0"}));
  {
    std::vector<Problem> problems;
    const TraceDir d = TraceDir::open(dir, problems);
    EXPECT_TRUE(d.processes()[1].ended);
    EXPECT_EQ(d.processes()[1].modules.size(), 1u);
  }

  // Cut anywhere: never a crash, the problem names the file.
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    write_bytes(pf, std::vector<std::uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
    r = read_all(dir);
    bool named = false;
    for (const auto& p : r.problems) named |= p.file == pf;
    // A cut between chunks (or in the padding after one) leaves a shorter, intact file.
    bool between = false;
    for (const auto& c : chunks) between |= cut >= c.payload_end && cut <= c.end;
    if (!between) {
      EXPECT_TRUE(named) << cut;
    }
    EXPECT_EQ(r.threads[2].size(), 2u);
  }
  remove_tree(dir);
}

TEST(TraceCorruption, SessionFileDamage) {
  const std::string dir = temp_dir("session");
  sample(SegmentForm::sealed).write(dir);
  const std::string sf = dir + "/ariadne.session";
  flip_byte(sf, 3);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].text(), sf + ": offset 0: expected the magic \"ARIADNE\\0\", found other bytes");
  EXPECT_EQ(d.processes().size(), 1u);
  remove_tree(dir);
}

TEST(TraceCorruption, MissingSegmentAndResync) {
  const std::string dir = temp_dir("gap");
  TraceBuilder b;
  auto& p = b.process(4);
  p.site(1, "a").site(2, "b");
  p.segment(4, 0, 0).events.entry(1, 0).entry(2, 1);
  p.segment(4, 1, 10, SegmentForm::sealed, 2).events.exit(11).entry(2, 12);
  p.segment(4, 2, 20, SegmentForm::sealed, 2).events.exit(21).exit(22);
  b.write(dir);
  std::remove((dir + "/4/t4-1.seg").c_str());
  const Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r.problems);
  EXPECT_EQ(r.problems[0].text(), dir +
                                      "/4/t4-1.seg: offset 0: expected segment 1 of thread 4, found no file "
                                      "(next is 2)");
  EXPECT_EQ(r.threads[0], (Lines{"0 entry a d0", "1 entry b d1", "21 exit b d1", "22 exit a d0"}));
  remove_tree(dir);
}

TEST(TraceCorruption, DamagedSegmentHeaderSkipsOnlyThatSegment) {
  const std::string dir = temp_dir("hdr");
  const TraceBuilder b = sample(SegmentForm::sealed);
  b.write(dir);
  const std::string seg = dir + "/5/t5-0.seg";
  flip_byte(seg, 20);  // tid
  const Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r.problems);
  EXPECT_EQ(r.problems[0].file, seg);
  EXPECT_EQ(r.problems[0].offset, 28u);
  EXPECT_NE(r.problems[0].what.find("expected segment header CRC"), std::string::npos);
  EXPECT_EQ(r.threads[0], (Lines{"1000 entry f d1", "1010 exit f d1", "1100 exit <unknown> d0"}));
  remove_tree(dir);
}

}  // namespace
}  // namespace ariadne::tracefile::test

namespace ariadne::tracefile::test {
namespace {

TEST(TraceCorruption, CompressedSegmentCutOrDamaged) {
  const std::string dir = temp_dir("zst");
  const TraceBuilder b = sample(SegmentForm::compressed);
  b.write(dir);
  const std::string seg = dir + "/5/t5-0.seg.zst";
  const auto bytes = read_bytes(seg);
  // The frame's last 4 bytes are its content checksum.
  auto damaged = bytes;
  damaged[damaged.size() - 1] ^= 1;
  write_bytes(seg, damaged);
  Read r = read_all(dir);
  ASSERT_EQ(r.problems.size(), 1u) << problems_text(r.problems);
  EXPECT_EQ(r.problems[0].file, seg);
  EXPECT_EQ(r.problems[0].what.rfind("expected a valid zstd frame, found: ", 0), 0u) << r.problems[0].what;
  EXPECT_EQ(r.threads[0].size(), 44u);  // decompressed before the checksum failed: all events kept

  write_bytes(seg, std::vector<std::uint8_t>(bytes.begin(), bytes.end() - 6));
  r = read_all(dir);
  ASSERT_GE(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].file, seg);
  EXPECT_NE(r.problems[0].what.find("expected"), std::string::npos) << r.problems[0].what;
  remove_tree(dir);
}

TEST(TraceCorruption, UnknownChunkTypesAreSkipped) {
  const std::string dir = temp_dir("chunks");
  TraceBuilder b = sample(SegmentForm::sealed);
  b.write(dir);
  Bytes extra;
  extra.v(1).v(2);
  const auto session = chunk_file(FileKind::session, {{99, extra.data}});
  auto bytes = read_bytes(dir + "/ariadne.session");
  bytes.insert(bytes.end(), session.begin() + sizeof(FileHeader), session.end());
  write_bytes(dir + "/ariadne.session", bytes);
  std::vector<Problem> problems;
  const TraceDir d = TraceDir::open(dir, problems);
  EXPECT_EQ(problems_text(problems), "");
  EXPECT_TRUE(d.session().ended);
  remove_tree(dir);
}

TEST(TraceCorruption, WrongVersionIsRefusedByName) {
  const std::string dir = temp_dir("version");
  sample(SegmentForm::sealed).write(dir);
  const std::string pf = dir + "/5/process";
  auto bytes = read_bytes(pf);
  bytes[8] = 3;  // version 3, header CRC recomputed: a newer format, not damage
  FileHeader h;
  std::memcpy(&h, bytes.data(), sizeof h);
  h.crc = crc32c(&h, offsetof(FileHeader, crc));
  std::memcpy(bytes.data(), &h, sizeof h);
  write_bytes(pf, bytes);
  std::vector<Problem> problems;
  TraceDir::open(dir, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].text(), pf + ": offset 8: expected format version 1 to 2, found 3");
  remove_tree(dir);
}

}  // namespace
}  // namespace ariadne::tracefile::test

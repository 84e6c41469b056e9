// The on-disk format of a recording (`ariadne record`), shared by the writer
// in the preloaded runtime (src/record/) and the readers (src/tracefile/).
// docs/format.md is the prose description; this header is the definition.
//
// Freestanding on purpose: no allocation, no exceptions, no library calls, so
// the runtime can use it inside traced calls and signal handlers.
//
// A recording directory:
//   DIR/ariadne.session          session file: written by `ariadne record`
//   DIR/<proc>/process           process file: one per process image (fork
//                                child or exec'd image), <proc> = "<pid>" or
//                                "<pid>.<n>" for the n-th exec of that pid
//   DIR/<proc>/t<tid>-<seq>.seg      a thread's event segment, raw (being
//                                    written, or left by a crash)
//   DIR/<proc>/t<tid>-<seq>.seg.zst  the same, finished and compressed
//
// Session and process files are *chunk files*: a FileHeader, then chunks
// (ChunkHeader + payload, padded to 8 bytes), each with its own CRC-32C, so
// a file cut short keeps every complete chunk. Chunks are appended with one
// write(2) each.
//
// A segment is a fixed-size file mapped MAP_SHARED by the thread that
// writes it: a SegmentHeader, then events until the first zero byte (the
// file is created zero-filled). Stores to the mapping reach the page cache
// at once, so a SIGKILL loses nothing already written. A full segment is
// sealed (used length and payload CRC filled in, state = sealed) and the
// thread continues in seq+1. `ariadne record` compresses sealed segments to
// .seg.zst (one zstd frame with its content checksum, decompressing to the
// raw file cut at header + used bytes).
//
// Events: one tag byte, then unsigned LEB128 varints. `dt` is the timestamp
// counter minus the previous event's (the segment's base_timestamp for the
// first event of a segment). Exits carry no site: an exit closes the
// innermost open entry of the thread.
#ifndef ARIADNE_TRACEFILE_FORMAT_HPP
#define ARIADNE_TRACEFILE_FORMAT_HPP

#include <cstddef>
#include <cstdint>

namespace ariadne::tracefile {

// Version 2 added the stack_switch event and the stacks chunk, and the
// segment header CRC covers base_timestamp and depth too
// (segment_header_crc); readers take 1 too.
inline constexpr std::uint16_t kFormatVersion = 2;
inline constexpr std::uint16_t kOldestFormatVersion = 1;
inline constexpr bool readable_version(std::uint16_t v) noexcept {
  return v >= kOldestFormatVersion && v <= kFormatVersion;
}

// ---------------------------------------------------------------------------
// Chunk files (session, process).
inline constexpr char kFileMagic[8] = {'A', 'R', 'I', 'A', 'D', 'N', 'E', '\0'};

enum class FileKind : std::uint16_t { session = 1, process = 2 };

struct FileHeader {  // 16 bytes, at offset 0
  char magic[8];
  std::uint16_t version;  // kFormatVersion
  std::uint16_t kind;     // FileKind
  std::uint32_t crc;      // CRC-32C of the 12 bytes before it
};
static_assert(sizeof(FileHeader) == 16);

struct ChunkHeader {         // 16 bytes; the payload follows, then zero padding to 8
  std::uint32_t type;        // ChunkType
  std::uint32_t length;      // payload bytes (without padding)
  std::uint32_t crc;         // CRC-32C of the payload
  std::uint32_t header_crc;  // CRC-32C of the 12 bytes before it
};
static_assert(sizeof(ChunkHeader) == 16);
inline constexpr std::uint32_t kMaxChunkLength = 64u << 20;

// Chunk payloads: varints (V), strings (S = V length + bytes), in this order.
enum class ChunkType : std::uint32_t {
  // session file
  session = 1,      // V format version, S arch ("aarch64"/"x86_64"), V start unix ns,
                    // V argc, S argv..., V envc, S env..., S options (the record options, one per line)
  session_end = 2,  // V end unix ns, V exit kind (0 exit, 1 signal), V value, V PROG's pid (later addition)
  session_stopped =
      3,  // V StopReason, V limit: recording stopped before PROG ended (readers before it skip it)
  // S path as the loader named it, S build-id (hex, "" if none), V 0 loaded
  // before main / 1 dlopen'ed: a shared object in the program of a replayable
  // recording, appended by libariadne-replay.so in the target (readers before
  // it skip it; recordings before it have none, and replay checks no library).
  session_library = 4,
  // process file
  process = 16,  // V pid, V ppid, V forked_from (0 if not a fork child), S exec'd from (directory name of the
                 // image that exec'd this one, "" if none),
                 // S arch, V clock kind (ClockKind), V counter frequency Hz (0: calibrate from clock chunks),
                 // V argc, S argv..., V envc, S env...
  clock = 17,    // V counter, V CLOCK_MONOTONIC ns, V CLOCK_REALTIME ns: one calibration point
  module = 18,   // V module index, S path, V load base, S build-id (hex, "" if none)
  sites = 19,    // V module index, V count, then per site: V site id, V address - load base, S name
  process_end = 20,  // V exit kind (0 exit, 1 signal), V value
  stacks = 21,       // V 1: the process switched stacks (its segments hold stack_switch events)
  // V calls that got no return hook (a shadow stack could not grow or be
  // made): their entries are recorded, their exits are not. Before
  // process_end, when there were any. (Readers before it skip it.)
  unhooked = 22,
};

enum class StopReason : std::uint32_t { max_size = 1 };  // limit: --max-size bytes

enum class ClockKind : std::uint32_t { cntvct = 1, rdtsc = 2, monotonic_ns = 3 };

// ---------------------------------------------------------------------------
// Segments.
inline constexpr char kSegmentMagic[8] = {'A', 'R', 'I', 'A', 'S', 'E', 'G', '\0'};
inline constexpr std::uint32_t kSegmentHeaderSize = 64;
// A segment file (header + capacity) is at most this big: the writer's
// --segment-size is refused above it, and readers never decode more from a
// segment (a .seg.zst inflating past it is damaged, whatever it holds).
inline constexpr std::uint32_t kMaxSegmentBytes = 64u << 20;

// recycled: a live file (t<tid>.<k>.live) whose sealed segment was copied out
// and whose pages are being made ready for the next one: nothing to read.
enum class SegmentState : std::uint32_t { open = 0, sealed = 1, recycled = 2 };

// Who copies a live file's sealed segment out (SegmentHeader::drain; readers
// ignore it): the thread and `ariadne record`'s drainer claim it with a
// compare-and-swap ready -> copying, so exactly one of them writes the .seg.
enum class LiveDrain : std::uint32_t {
  writing = 0,    // the thread owns the file: an open segment, or none yet
  ready = 1,      // sealed; the thread will reuse the file once it is copied out
  copying = 2,    // claimed: being copied out (the content stays intact)
  copied = 3,     // copied out (state recycled): the thread may reuse the file
  abandoned = 4,  // the thread ended while it was being copied: the copier removes it when done
};

struct SegmentHeader {  // at offset 0 of a segment file
  char magic[8];
  std::uint16_t version;      // kFormatVersion
  std::uint16_t header_size;  // kSegmentHeaderSize
  std::uint32_t capacity;     // file size - header size
  std::uint32_t pid;
  std::uint32_t tid;
  std::uint32_t seq;             // 0, 1, 2... per thread
  std::uint32_t header_crc;      // segment_header_crc(): magic .. seq, base_timestamp, depth
  std::uint64_t base_timestamp;  // counter value the first event's dt is relative to
  std::uint32_t state;           // SegmentState; written last when sealing
  std::uint32_t used;            // payload bytes (valid once sealed)
  std::uint32_t payload_crc;     // CRC-32C of the payload (valid once sealed)
  std::uint32_t depth;           // open calls at the segment's start (the reader can start here)
  std::uint32_t drain;           // LiveDrain: live files only, 0 in a .seg
  std::uint8_t reserved[4];
};
static_assert(sizeof(SegmentHeader) == kSegmentHeaderSize);

std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc) noexcept;

// The header CRC: bytes 0-27 (magic .. seq), then from version 2 on the
// fields fixed when the segment starts and read before any event:
// base_timestamp and depth (a flipped bit in either shifts every time or
// every depth of the segment). state, used, payload_crc and drain change
// while the file is written and are checked otherwise (payload CRC, state
// values).
inline std::uint32_t segment_header_crc(const SegmentHeader& h) noexcept {
  std::uint32_t crc = crc32c(&h, offsetof(SegmentHeader, header_crc), 0);
  if (h.version < 2) return crc;
  crc = crc32c(&h.base_timestamp, sizeof h.base_timestamp, crc);
  return crc32c(&h.depth, sizeof h.depth, crc);
}

enum class Event : std::uint8_t {
  end = 0,           // no more events (zero fill)
  entry = 1,         // V site, V dt
  exit = 2,          // V dt
  exit_unwound = 3,  // V dt: left by longjmp / an exception, not a return
  entry_args = 4,    // V site, V dt, V n, n Values
  exit_retval = 5,   // V dt, 1 Value
  thread_start = 6,  // V dt, V parent tid (0 for the main thread or unknown)
  thread_exit = 7,   // V dt
  fork = 8,          // V dt, V child pid (in the parent's stream)
  fork_child = 9,    // V dt, V parent pid, V n, n x V site: the calls open at the fork, outermost first
  exec = 10,         // V dt, S path (before execve; an exec_failed follows if it returns)
  exec_failed = 11,  // V dt, V errno
  signal = 12,       // V dt, V signal number (delivered: the handler is about to run / the default action)
  lost = 13,         // V dt, V events lost (the segment could not be continued, or nested in a handler)
  clock = 14,        // V counter: absolute timestamp (the next dt is relative to it)
  // Since version 2. V dt, V stack id (0: the thread's own stack), V run (the
  // stack's count of switches to it, 0 for the thread's own), V open (calls
  // open on it). Entries and exits after it are that stack's; a segment
  // starts on the thread's own stack, and one that continues a run on
  // another restates it first (same run).
  stack_switch = 15,
};

// A captured argument or return value: one kind byte, then its data.
enum class ValueKind : std::uint8_t {
  int_ = 1,        // zigzag varint
  uint_ = 2,       // varint
  hex = 3,         // varint, shown in hex
  string = 4,      // V length, bytes (at most kMaxStringCapture; truncated strings end with "...")
  char_ = 5,       // varint
  float_ = 6,      // 8 bytes: a double (little-endian IEEE 754)
  pointer = 7,     // varint
  bad_string = 8,  // no data: the pointer could not be read (null or unmapped)
};
inline constexpr std::size_t kMaxStringCapture = 64;

// ---------------------------------------------------------------------------
// Encoding helpers (shared so writer and readers cannot disagree).
inline constexpr std::size_t kMaxVarint = 10;

// Writes v at p; returns bytes written (1..10).
inline std::size_t put_varint(std::uint8_t* p, std::uint64_t v) noexcept {
  std::size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<std::uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<std::uint8_t>(v);
  return n;
}

// Reads a varint from [p, end): returns bytes consumed, 0 if truncated or
// longer than 10 bytes (corrupt).
inline std::size_t get_varint(const std::uint8_t* p, const std::uint8_t* end, std::uint64_t& v) noexcept {
  v = 0;
  for (std::size_t n = 0; n < kMaxVarint && p + n < end; ++n) {
    const std::uint64_t b = p[n];
    if (n == 9 && b > 1) return 0;
    v |= (b & 0x7f) << (7 * n);
    if ((b & 0x80) == 0) return n + 1;
  }
  return 0;
}

inline constexpr std::uint64_t zigzag(std::int64_t v) noexcept {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline constexpr std::int64_t unzigzag(std::uint64_t v) noexcept {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// CRC-32C (Castagnoli), table-free bitwise form for the rare paths, and the
// running form for long payloads (Format.cpp).
std::uint32_t crc32c(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;
// The same with slicing-by-8 tables only: what crc32c uses on a CPU without
// CRC-32C instructions (src/arch/Crc32c.hpp); tests compare the two.
std::uint32_t crc32c_portable(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;

}  // namespace ariadne::tracefile

#endif

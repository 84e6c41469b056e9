// The replay log (DIR/replay.log; docs/replay.md, "The log"): a file header,
// then one framed record per event, each framed as
//   u32 length of the record's bytes, u32 CRC-32C of them, the bytes:
//   an EventHead (little-endian, fixed size) and `data_len` bytes of data.
// Written by the baton holder only, one write(2) per event, so a SIGKILLed
// target leaves every event it logged on disk; a torn last record is found
// by its length or its checksum, and replay stops there and says so.
//
// Shared by the preloaded replay library (writer, and the cursor replay
// follows) and the CLI (info, replay's checks): no allocation, no syscalls.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ariadne::replay {

inline constexpr char kLogMagic[8] = {'A', 'R', 'D', 'N', 'R', 'P', 'L', 'Y'};
// 2: records start at multiples of 8 (the frame is stored with an atomic
// release, which AArch64 requires aligned).
inline constexpr std::uint32_t kLogVersion = 2;

struct FileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t header_size;  // sizeof(FileHeader)
  std::uint64_t quantum;      // the record run's tick budget per turn
  std::uint32_t arch;         // 1 = x86-64, 2 = AArch64: a log replays on its own architecture
  std::uint32_t pid;          // the recorded process (getpid is answered with it)
  std::uint32_t reserved;
  std::uint32_t crc;  // CRC-32C of the bytes before it
};
static_assert(sizeof(FileHeader) == 40);

enum class EventKind : std::uint8_t {
  handoff = 1,    // thread gives the baton to `a` (kNoThread: nobody runnable), for `reason`
  acquire,        // thread takes a free baton (after a blocking call, or a timed wait ran out)
  call,           // thread's call `a` (SYS_* number or a Call below); b = result; c = argument digest
  thread_create,  // thread made thread `a`
  thread_exit,    // thread's start routine ended (or pthread_exit)
  signal,         // signal `a` delivered to thread here
  exit,           // the process ends: exit / return from main (b: the status, when known)
};
inline constexpr int kEventKinds = 7;
const char* event_name(EventKind k) noexcept;

enum class Reason : std::uint8_t {
  none = 0,
  budget,    // the tick budget ran out
  blocking,  // a system call that may block, made without the baton
  wait,      // a wait in the runtime (mutex, condvar, futex, join, barrier...)
  exit,      // the thread ended
  yield,     // sched_yield, pthread_yield
  preempt,   // chaos mode: a thread of higher priority was queued (Chaos.hpp)
};
const char* reason_name(Reason r) noexcept;

inline constexpr std::uint32_t kNoThread = 0xffffffffu;

// Calls that are not one system call: the libc-level operations replay
// intercepts (numbers above any SYS_*).
enum Call : std::uint64_t {
  kCallClockGettime = 100000,
  kCallGettimeofday,
  kCallTime,
  kCallAlarm,
  kCallRaise,
  kCallPthreadKill,
  kCallMkdtemp,
  kCallMkstemp,
  kCallDup2,
  kCallRmdir,
  kCallMkdir,
  kCallRename,
  kCallNondetInsn,  // an instruction diverted by NondetInsns.cpp (rdtsc, mrs cntvct_el0...)
  kCallGetNprocs,
  kCallGetNprocsConf,
  kCallSysconf,  // _SC_NPROCESSORS_ONLN / _SC_NPROCESSORS_CONF only
};

struct EventHead {
  EventKind kind;
  Reason reason;
  std::uint16_t reserved;
  std::uint32_t thread;  // the recorded thread index: 0 = main, then in order of creation
  std::uint64_t ticks;   // that thread's function-entry ticks at the event
  std::uint64_t points;  // that thread's runtime points passed (a second clock: calls with no tick between)
  std::uint64_t a, b, c;
  std::uint32_t data_len;
  std::uint32_t reserved2;
};
static_assert(sizeof(EventHead) == 56);

// The most data one event holds: the recording stops at a call that wrote more.
inline constexpr std::uint32_t kMaxEventData = 16u << 20;

// One decoded record; data points into the log's bytes.
struct EventView {
  EventHead head;
  const std::uint8_t* data;
  std::size_t offset;  // of the record's frame in the file
};

std::uint32_t crc32c(const void* p, std::size_t n, std::uint32_t crc = 0) noexcept;

// Fills a FileHeader (crc included).
FileHeader make_header(std::uint64_t quantum, std::uint32_t pid) noexcept;
// Checks a header: nullptr when good, else why not. The runtime requires its
// own architecture; the CLI (any_arch) reads logs of both.
const char* check_header(const std::uint8_t* bytes, std::size_t size, bool any_arch = false) noexcept;

// The bytes a record takes: its frame, head and data, padded with zeros to
// a multiple of 8.
inline std::size_t frame_size(std::uint32_t data_len) noexcept {
  return (8 + sizeof(EventHead) + data_len + 7) & ~std::size_t{7};
}

// The logged memory of a syscall event, entries of (u64 address, u64 length,
// the bytes) one after another in its data: entry i's address, length,
// bytes. False when the data is shorter than it says. Pure: the runtime's
// replay and the fuzzer (fuzz/replay_log_fuzz.cpp) both call it.
bool logged_output(const EventView& ev, int i, std::uint64_t& addr, std::uint64_t& len,
                   const std::uint8_t*& bytes) noexcept;

// Reads the records of a log held in memory, in order.
class Cursor {
 public:
  constexpr Cursor(const std::uint8_t* bytes, std::size_t size) noexcept : bytes_(bytes), size_(size) {}
  enum class Status { event, end, torn, corrupt };
  // The record at offset(); does not advance. torn: the file ends inside the
  // record (a killed target); corrupt: bad checksum or length (why()).
  Status peek(EventView& out) noexcept;
  void advance(const EventView& ev) noexcept { offset_ = ev.offset + frame_size(ev.head.data_len); }
  std::size_t offset() const noexcept { return offset_; }
  void seek(std::size_t off) noexcept { offset_ = off; }
  const char* why() const noexcept { return why_; }

 private:
  const std::uint8_t* bytes_;
  std::size_t size_;
  std::size_t offset_ = sizeof(FileHeader);
  const char* why_ = "";
};

}  // namespace ariadne::replay

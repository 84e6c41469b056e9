// A thread's event stream (Format.hpp "Segments"): the state the entry and
// exit handlers touch on every call, and the writer's slow paths (a new
// segment at a thread's first event and at roll-over, sealing, lost-event
// accounting). One ThreadLog per thread, mmap'ed (never malloc'ed: threads
// start inside arbitrary code), reached through an initial-exec thread_local.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ariadne/stack_switch.h"
#include "tracefile/Format.hpp"

namespace ariadne::record {

// An entry held back by -t until its call lasts long enough (or a descendant
// is written): site, timestamp and the encoded captured arguments.
struct PendingEntry {
  std::uint32_t site;
  std::uint16_t args_length;  // 0: a plain entry; else n + values, ready to copy
  std::uint16_t reserved;
  std::uint64_t timestamp;
  std::uint8_t args[240];
};

inline constexpr std::uint32_t kMaxOpenSites = 1024;  // fork_child lists at most these
inline constexpr std::uint32_t kMaxPending = 128;
// Live files a thread may keep: the one it writes and the one `ariadne
// record` (the drainer) copies out meanwhile -- it has a whole segment's time
// for it. Each more would cost its pages' first faults (several
// microseconds per 4 KiB in a VM) for a drainer later than that.
inline constexpr std::uint32_t kMaxLiveFiles = 2;
// The largest event the handlers write without checking further: an entry
// with 8 captured strings of kMaxStringCapture bytes.
inline constexpr std::size_t kMaxEvent =
    1 + 2 * tracefile::kMaxVarint + 1 + 8 * (2 + tracefile::kMaxVarint + tracefile::kMaxStringCapture);

struct ThreadLog {
  // Hot: the handlers' state.
  std::uint8_t* pos;              // next free byte of the mapped segment
  std::uint8_t* limit;            // pos may advance up to here (nullptr: no segment)
  std::uint64_t last;             // timestamp of the previous event
  std::uint32_t open;             // written entries not yet closed
  std::uint32_t depth;            // every call entered and not left (-D)
  std::uint32_t pending_count;    // -t: held entries (the stack)
  std::uint32_t pending_written;  // -t: the first pending_written of them are written
  std::uint32_t overflow;         // -t: entries past kMaxPending, written at once
  // Cold.
  tracefile::SegmentHeader* header;  // the live file being written (nullptr: none)
  // The thread's live files (SegmentWriter.cpp): header is live[current].
  tracefile::SegmentHeader* live[kMaxLiveFiles];
  std::uint32_t live_name[kMaxLiveFiles];  // k of t<tid>.<k>.live
  std::uint32_t live_count;
  std::uint32_t current;
  std::uint32_t next_name;  // the k to try for the next live file
  std::uint32_t mapped_bytes;
  std::uint32_t tid;
  std::uint32_t seq;
  std::uint32_t parent_tid;
  std::uint64_t lost;  // events dropped since the last lost marker
  // Events lost in signal handlers that interrupted the runtime (their
  // `signal` event, two per call they made): added in the handler,
  // atomically, so kept apart from `lost`, which the writer changes freely.
  std::uint64_t signal_lost;
  bool dead;           // thread_exit written: nothing more from this thread
  bool in_use;         // a live thread owns it (registry reuse)
  int string_pipe[2];  // safe reads of captured strings (-1: not yet)
  // The stack running (StackSwitch.cpp; nullptr: the thread's own), and the
  // own stack's open/depth/overflow while another runs: open, depth and
  // overflow above are always the running stack's.
  ariadne_stack_state* stack;
  ariadne_stack_state own;
  ThreadLog* next;  // registry, never unlinked
  // The open calls' sites, outermost first (fork_child). Kept by the
  // handlers with options only: a plain recording writes an entry for every
  // hooked call, so its shadow stack holds them already (fork_child takes
  // them from there, see set_open_sites_from_shadow_stack).
  std::uint32_t sites[kMaxOpenSites];
  PendingEntry pending[kMaxPending];
};

// The calling thread's log; nullptr before its first event. The fused paths
// in assembly read its copy in the trace core's thread state (fused_data).
extern thread_local constinit ThreadLog* t_log;
// The tid of the thread that created this one (set by the interposed
// pthread_create before the thread's routine runs; 0 for the main thread).
extern thread_local constinit std::uint32_t t_parent_tid;

// Creates the calling thread's log and its first segment, writes
// thread_start. Never returns nullptr (a log without a segment counts lost
// events instead).
ThreadLog* start_thread() noexcept;

// Makes room for `n` more bytes: true when t->pos + n <= t->limit after it
// (seals the full segment and continues in the next one, writing a `lost`
// marker first if events were dropped). False: the event is dropped and
// counted.
bool roll_over(ThreadLog* t, std::size_t n) noexcept;

inline bool room(ThreadLog* t, std::size_t n) noexcept {
  if (t->pos + n <= t->limit) [[likely]]
    return true;
  return roll_over(t, n);
}

// A `lost` marker for the events dropped since the last one, if any (at
// roll-over, and before a thread's or a process's last events).
void write_lost_marker(ThreadLog* t) noexcept;

// thread_exit, seal, and no more events from this thread.
void finish_thread(ThreadLog* t) noexcept;
// Seals the current segment (the next event starts seq+1).
void seal_segment(ThreadLog* t) noexcept;

// After fork, in the child: forget the parent's threads and mappings, give
// the forking thread a fresh stream starting with fork_child (`record`
// false: recording has stopped, no stream at all).
void restart_threads_in_child(std::uint32_t parent_pid, bool record) noexcept;

// For every thread still writing (at a fatal signal): seal nothing (other
// threads may be mid-event), but let the caller seal its own.
std::uint32_t segment_bytes() noexcept;
void set_segment_bytes(std::uint32_t bytes) noexcept;
// How many live files a thread may keep (1..kMaxLiveFiles): more than one
// only when `ariadne record` drains them (RecordOptions::live_files).
void set_live_files(std::uint32_t n) noexcept;

// Plain recordings (every hooked call written) keep only the count of open
// calls, not their sites: a forked child then lists the calls hooked on its
// stack (trace::detail::open_sites) and starts counting from there.
void set_open_sites_from_shadow_stack(bool on) noexcept;
// Restates the running stack at a segment's start when it is not the
// thread's own (StackSwitch.cpp): readers can start on any segment.
void restate_stack(ThreadLog* t) noexcept;
// -t holds entries per thread: before a switch they are written and left to
// close as written calls (Recorder.cpp), so none waits across stacks.
void write_held_entries(ThreadLog* t) noexcept;
// Writes one small event with dt at the calling thread (thread_start,
// signal, fork...): the tag, dt, then up to 3 varints.
void write_simple_event(ThreadLog* t, tracefile::Event tag, const std::uint64_t* values,
                        std::size_t count) noexcept;

}  // namespace ariadne::record

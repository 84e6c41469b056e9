// A thread's files and who copies a live file out (docs/format.md
// "Segments"): shared by the writer (a thread copying its own) and `ariadne
// record`'s drainer (src/cli/LiveFileDrainer.cpp), so both name, claim and
// make the same files the same way. No allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tracefile/Format.hpp"

namespace ariadne::record {

// <dir>/t<tid>-<seq><suffix> (seq < 0: <dir>/t<tid><suffix>); 0 if it does
// not fit in `size`.
std::size_t thread_file_path(char* out, std::size_t size, const char* dir, std::uint32_t tid, long long seq,
                             const char* suffix) noexcept;

// The live file's drain word (tracefile::LiveDrain).
inline std::uint32_t drain_of(const tracefile::SegmentHeader* h) noexcept {
  return __atomic_load_n(&h->drain, __ATOMIC_ACQUIRE);
}
inline void set_drain(tracefile::SegmentHeader* h, tracefile::LiveDrain d) noexcept {
  __atomic_store_n(&h->drain, static_cast<std::uint32_t>(d), __ATOMIC_RELEASE);
}
// One step of the drain word, from -> to, by compare-and-swap: false if the
// word was not `from` (the other side moved it first).
inline bool step_drain(tracefile::SegmentHeader* h, tracefile::LiveDrain from,
                       tracefile::LiveDrain to) noexcept {
  auto expected = static_cast<std::uint32_t>(from);
  return __atomic_compare_exchange_n(&h->drain, &expected, static_cast<std::uint32_t>(to), false,
                                     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

// Claims a `ready` live file for copying out (ready -> copying); false if
// it was not ready, or someone else claimed it first.
inline bool claim_for_copy(tracefile::SegmentHeader* h) noexcept {
  return step_drain(h, tracefile::LiveDrain::ready, tracefile::LiveDrain::copying);
}

// The copier, done with a file it claimed: copying -> `to` (copied, or
// ready when the copy could not be made). False when the thread ended
// meanwhile (abandoned): the file is the copier's to remove, or to leave to
// `ariadne record`'s settling at the end if it holds the only copy.
inline bool hand_back(tracefile::SegmentHeader* h, tracefile::LiveDrain to) noexcept {
  return step_drain(h, tracefile::LiveDrain::copying, to);
}

// What an ending thread does with a live file other than its current one.
enum class LeftBehind {
  remove,  // copied out: unlink it
  rename,  // still waiting, now claimed by the thread: rename it to its segment name
  leave,   // being copied: marked abandoned, the copier removes it; or nothing in it
};
inline LeftBehind leave_live_file(tracefile::SegmentHeader* h) noexcept {
  using tracefile::LiveDrain;
  // Each failed compare-and-swap means the copier moved it one step on
  // (ready -> copying -> copied): a few rounds settle it.
  for (int round = 0; round < 4; ++round) {
    const std::uint32_t d = drain_of(h);
    if (d == static_cast<std::uint32_t>(LiveDrain::copied)) return LeftBehind::remove;
    if (d == static_cast<std::uint32_t>(LiveDrain::ready)) {
      if (!claim_for_copy(h)) continue;
      set_drain(h, LiveDrain::writing);
      return LeftBehind::rename;
    }
    if (d != static_cast<std::uint32_t>(LiveDrain::copying)) return LeftBehind::leave;
    if (step_drain(h, LiveDrain::copying, LiveDrain::abandoned)) return LeftBehind::leave;
  }
  return LeftBehind::leave;
}

// Where a thread's next segment goes once it sealed live[current] and
// offered it (ready): into a file the copier handed back (reuse), a new
// one (map_new, when the caller may map one more), or one the thread
// claimed to copy out itself (copy_out). The copier moves files on
// meanwhile (ready -> copying -> copied), so a claim that fails means it
// did: look again. Each file takes each step at most once per call and one
// copier holds one file at a time, so 2n + 2 rounds settle it; `none` only
// when the files stay out of reach (a copier that keeps failing), and the
// caller counts what it drops.
enum class NextLive { reuse, map_new, copy_out, none };
struct NextLiveFile {
  NextLive what;
  std::uint32_t index;
};
inline NextLiveFile choose_next_live_file(tracefile::SegmentHeader* const* live, std::uint32_t n,
                                          std::uint32_t current, bool may_map,
                                          std::uint32_t rounds = 0) noexcept {
  using tracefile::LiveDrain;
  if (rounds == 0) rounds = 2 * n + 2;
  for (std::uint32_t round = 0; round < rounds; ++round) {
    for (std::uint32_t d = 1; d <= n; ++d) {
      const std::uint32_t i = (current + d) % n;
      if (drain_of(live[i]) == static_cast<std::uint32_t>(LiveDrain::copied)) return {NextLive::reuse, i};
    }
    if (may_map) return {NextLive::map_new, n};
    for (std::uint32_t d = 1; d <= n; ++d) {
      const std::uint32_t i = (current + d) % n;
      if (claim_for_copy(live[i])) return {NextLive::copy_out, i};
    }
  }
  return {NextLive::none, 0};
}

// Copies a full segment out of a live file to <proc_dir>/t<tid>-<seq>.seg,
// whole or not at all (written as .seg.tmp, then renamed; one writev), its
// drain word 0, and marks the live file's segment recycled (nothing to read
// in it any more). `h` is the mapped header of a live file its caller
// claimed (drain word `copying`): sealed, `used` within `capacity`. False
// (nothing left behind, the live file as it was) when the copy could not be
// made; *error (if given) says why. errno is left alone.
bool copy_segment_out(const char* proc_dir, tracefile::SegmentHeader* h, int* error = nullptr) noexcept;

}  // namespace ariadne::record

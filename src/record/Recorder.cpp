// The recorder's entry and exit handlers and its start-up. The handlers are
// the per-call cost of `ariadne record`: one timestamp read, a bounds check,
// a few varint stores. Options that need more (-D, -t, -A, -R) select the
// second pair of handlers, so a plain recording never tests for them.
#include "record/Recorder.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "arch/Timestamp.hpp"
#include "record/Capture.hpp"
#include "record/ProcessLog.hpp"
#include "record/RecordOptions.hpp"
#include "record/RecorderLink.hpp"
#include "record/ThreadLog.hpp"
#include "trace/Handlers.hpp"
#include "trace/Tracer.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

// src/arch/<arch>/record_path.S: on_entry_plain / on_exit_plain fused with
// the dispatcher (trace/Handlers.hpp FusedPath); not called, jumped to.
extern "C" {
__attribute__((visibility("hidden"))) extern const char ariadne_record_fused_entry[];
__attribute__((visibility("hidden"))) extern const char ariadne_record_fused_exit[];
// Only where the architecture has site stubs (x86-64); else null.
__attribute__((visibility("hidden"), weak)) extern const char ariadne_record_fused_stub_entry[];
}

namespace ariadne::record {

using namespace ariadne::tracefile;
using trace::Frame;
using trace::Site;

namespace {

char g_root[4096];
std::uint32_t g_max_depth = 0;
std::uint64_t g_min_ticks = 0;

inline ThreadLog* log_of_thread() noexcept {
  ThreadLog* t = t_log;
  if (t == nullptr) [[unlikely]]
    t = start_thread();
  return t;
}

inline void push_open(ThreadLog* t, std::uint32_t site) noexcept {
  if (t->open < kMaxOpenSites) t->sites[t->open] = site;
  ++t->open;
}

// ---- plain: no -D / -t / -A / -R --------------------------------------------

void on_entry_plain(const Site& site, Frame&, void*) {
  ThreadLog* t = log_of_thread();
  if (!room(t, 1 + 2 * kMaxVarint)) [[unlikely]] {
    ++t->lost;
    return;
  }
  const std::uint64_t now = arch::timestamp();
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(Event::entry);
  p += put_varint(p, site.id);
  p += put_varint(p, now - t->last);
  t->pos = p;
  t->last = now;
  ++t->open;  // the site is on the shadow stack (set_open_sites_from_shadow_stack)
}

void on_exit_plain(const Site&, Frame& frame, void*) {
  ThreadLog* t = log_of_thread();
  if (!room(t, 1 + kMaxVarint)) [[unlikely]] {
    ++t->lost;
    return;
  }
  const std::uint64_t now = arch::timestamp();
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>((frame.flags & trace::kFrameUnwound) ? Event::exit_unwound : Event::exit);
  p += put_varint(p, now - t->last);
  t->pos = p;
  t->last = now;
  if (t->open != 0) --t->open;
}

// ---- with options --------------------------------------------------------------

// Writes an entry (with its captured arguments, if any) stamped `when`.
void write_entry(ThreadLog* t, std::uint32_t site, std::uint64_t when, const std::uint8_t* args,
                 std::size_t args_length) {
  if (!room(t, 1 + 2 * kMaxVarint + args_length)) {
    ++t->lost;
    return;
  }
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(args_length != 0 ? Event::entry_args : Event::entry);
  p += put_varint(p, site);
  p += put_varint(p, when - t->last);
  if (args_length != 0) {
    std::memcpy(p, args, args_length);
    p += args_length;
  }
  t->pos = p;
  t->last = when;
  push_open(t, site);
}

// -t: writes the held entries not written yet, outermost first.
void flush_pending(ThreadLog* t) {
  for (std::uint32_t i = t->pending_written; i < t->pending_count; ++i) {
    const PendingEntry& e = t->pending[i];
    write_entry(t, e.site, e.timestamp, e.args, e.args_length);
  }
  t->pending_written = t->pending_count;
}

}  // namespace

void write_held_entries(ThreadLog* t) noexcept {
  flush_pending(t);
  t->overflow += t->pending_count;
  t->pending_count = t->pending_written = 0;
}

namespace {

void on_entry_with_options(const Site& site, Frame& frame, void*) {
  ThreadLog* t = log_of_thread();
  const std::uint32_t depth = t->depth++;
  if (g_max_depth != 0 && depth >= g_max_depth) return;
  std::uint8_t args[kMaxEvent];
  std::size_t args_length = 0;
  if (const CaptureRule* rule = entry_capture(site.id); rule != nullptr) {
    args_length = encode_arguments(t, *rule, frame, args);
  }
  const std::uint64_t now = arch::timestamp();
  if (g_min_ticks == 0) {
    write_entry(t, site.id, now, args, args_length);
    return;
  }
  if (t->overflow != 0 || t->pending_count == kMaxPending || args_length > sizeof t->pending[0].args) {
    // Too deep (or too much to hold): written at once, with its ancestors.
    flush_pending(t);
    write_entry(t, site.id, now, args, args_length);
    ++t->overflow;
    return;
  }
  PendingEntry& e = t->pending[t->pending_count++];
  e.site = site.id;
  e.timestamp = now;
  e.args_length = static_cast<std::uint16_t>(args_length);
  if (args_length != 0) std::memcpy(e.args, args, args_length);
}

void write_exit(ThreadLog* t, const Site& site, Frame& frame, std::uint64_t now) {
  const bool unwound = (frame.flags & trace::kFrameUnwound) != 0;
  const CaptureRule* rule = unwound ? nullptr : exit_capture(site.id);
  std::uint8_t value[kMaxEvent];
  const std::size_t value_length = rule != nullptr ? encode_return(t, *rule, frame, value) : 0;
  if (!room(t, 1 + kMaxVarint + value_length)) {
    ++t->lost;
    return;
  }
  std::uint8_t* p = t->pos;
  *p++ = static_cast<std::uint8_t>(unwound ? Event::exit_unwound : rule ? Event::exit_retval : Event::exit);
  p += put_varint(p, now - t->last);
  std::memcpy(p, value, value_length);
  t->pos = p + value_length;
  t->last = now;
  if (t->open != 0) --t->open;
}

void on_exit_with_options(const Site& site, Frame& frame, void*) {
  ThreadLog* t = log_of_thread();
  if (t->depth == 0) return;
  const std::uint32_t depth = --t->depth;
  if (g_max_depth != 0 && depth >= g_max_depth) return;
  const std::uint64_t now = arch::timestamp();
  if (g_min_ticks == 0) {
    write_exit(t, site, frame, now);
    return;
  }
  if (t->overflow != 0) {
    --t->overflow;
    write_exit(t, site, frame, now);
    return;
  }
  if (t->pending_count == 0) return;
  if (t->pending_written == t->pending_count) {  // written: a descendant lasted long enough
    --t->pending_count;
    --t->pending_written;
    write_exit(t, site, frame, now);
    return;
  }
  const PendingEntry& e = t->pending[t->pending_count - 1];
  if (now - e.timestamp < g_min_ticks) {  // too short: never written
    --t->pending_count;
    return;
  }
  flush_pending(t);
  --t->pending_count;
  --t->pending_written;
  write_exit(t, site, frame, now);
}

void on_module_added(std::size_t index) {
  write_module_chunks(index);
  apply_capture_rules();
}

void on_process_exit(int status, void*) {
  // The runtime's code: what it calls is not the program's (replay).
  trace::detail::UntracedScope untraced;
  ThreadLog* t = t_log;
  if (t != nullptr) finish_thread(t);
  write_process_end(0, static_cast<std::uint32_t>(status));
}

[[noreturn]] void refuse(const char* what, const std::string& why) {
  sys_print(STDERR_FILENO, "ariadne-rt: record: %s: %s\n", what, why.c_str());
  sys_exit_group(2);
}

}  // namespace

const char* record_root() noexcept { return g_root[0] != '\0' ? g_root : nullptr; }

void start_recorder_from_environment() noexcept {
  const char* root = std::getenv("ARIADNE_RECORD");
  if (root == nullptr || root[0] == '\0') return;
  open_link_from_environment();
  if (recording_stopped()) return;  // an image exec'd after the recorder went: not recorded
  start_recorder(root, std::getenv("ARIADNE_RECORD_OPTIONS"), "ARIADNE_RECORD_OPTIONS");
}

void start_recorder(const char* root, const char* options_text, const char* source) noexcept {
  // The runtime's code: what it calls is not the program's (replay --trace-to
  // starts the recorder in a replayed run).
  trace::detail::UntracedScope untraced;
  if (std::strlen(root) >= sizeof g_root - 64) refuse(source, "the recording's path is too long");
  std::strcpy(g_root, root);
  RecordOptions options;
  std::string error;
  if (!parse_record_options(options_text, options, error)) {
    refuse(source, error);
  }
  set_segment_bytes(options.segment_bytes);
  set_live_files(options.live_files);
  set_store_environment(options.store_environment);
  g_max_depth = options.max_depth;
  if (options.min_duration_ns != 0) {
    const double hz = static_cast<double>(arch::timestamp_frequency());
    g_min_ticks =
        static_cast<std::uint64_t>(static_cast<double>(options.min_duration_ns) * (hz > 0 ? hz : 1e9) / 1e9);
    if (g_min_ticks == 0) g_min_ticks = 1;
  }
  if (!open_process_log(g_root, 0)) sys_exit_group(2);
  if (!trace::detail::add_module_observer(on_module_added)) refuse("modules", "no free module observer slot");
  const bool plain = g_max_depth == 0 && g_min_ticks == 0 && options.captures.empty();
  if (!set_capture_rules(options.captures, error)) refuse("-A/-R", error);
  // Lean: the recorder reads the site, SP, flags and the argument / return
  // registers only, so the trampolines can skip the rest of the frame.
  const int entry =
      trace::add_entry_handler(plain ? on_entry_plain : on_entry_with_options, nullptr, trace::kHandlerLean);
  const int exit =
      trace::add_exit_handler(plain ? on_exit_plain : on_exit_with_options, nullptr, trace::kHandlerLean);
  if (entry < 0 || exit < 0) refuse("handlers", "no free handler slot");
  // The plain pair's twin in assembly (src/arch/<arch>/record_path.S), used
  // while no other handler is registered.
  static const trace::detail::FusedPath fused{on_entry_plain, on_exit_plain, &ariadne_record_fused_entry,
                                              &ariadne_record_fused_exit, ariadne_record_fused_stub_entry};
  set_open_sites_from_shadow_stack(plain);
  if (plain && options.fused) trace::detail::set_fused_path(&fused);
  install_process_events();
  ::on_exit(on_process_exit, nullptr);
  for (const std::string& re : options.include) {
    if (trace::enable(trace::by_regex(re.c_str())) < 0) refuse("-F", trace::error());
  }
  if (options.include.empty()) trace::enable(trace::all());
  for (const std::string& re : options.exclude) {
    if (trace::disable(trace::by_regex(re.c_str())) < 0) refuse("-N", trace::error());
  }
}

void after_fork_in_child(std::uint32_t parent_pid) noexcept {
  if (record_root() == nullptr) return;
  if (recording_stopped()) {
    // Nothing of the parent's may be written from here: its files, its
    // mappings.
    close_process_log();
    restart_threads_in_child(parent_pid, false);
    return;
  }
  if (!open_process_log(g_root, parent_pid)) return;
  restart_threads_in_child(parent_pid, true);
}

}  // namespace ariadne::record

#include "replay/ReplayFormat.hpp"

#include <cstring>

#include "tracefile/Format.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: linked into the preloaded replay library
// clang-format on

namespace ariadne::replay {

std::uint32_t crc32c(const void* p, std::size_t n, std::uint32_t crc) noexcept {
  return tracefile::crc32c(p, n, crc);
}

const char* event_name(EventKind k) noexcept {
  switch (k) {
    case EventKind::handoff:
      return "handoff";
    case EventKind::acquire:
      return "acquire";
    case EventKind::call:
      return "syscall";
    case EventKind::thread_create:
      return "thread_create";
    case EventKind::thread_exit:
      return "thread_exit";
    case EventKind::signal:
      return "signal";
    case EventKind::exit:
      return "exit";
  }
  return "?";
}

const char* reason_name(Reason r) noexcept {
  switch (r) {
    case Reason::none:
      return "none";
    case Reason::budget:
      return "budget";
    case Reason::blocking:
      return "blocking";
    case Reason::wait:
      return "wait";
    case Reason::exit:
      return "exit";
    case Reason::yield:
      return "yield";
    case Reason::preempt:
      return "preempt";
  }
  return "?";
}

namespace {
#if defined(__aarch64__)
constexpr std::uint32_t kArch = 2;
#else
constexpr std::uint32_t kArch = 1;
#endif
}  // namespace

FileHeader make_header(std::uint64_t quantum, std::uint32_t pid) noexcept {
  FileHeader h{};
  std::memcpy(h.magic, kLogMagic, sizeof h.magic);
  h.version = kLogVersion;
  h.header_size = sizeof(FileHeader);
  h.quantum = quantum;
  h.arch = kArch;
  h.pid = pid;
  h.crc = crc32c(&h, offsetof(FileHeader, crc));
  return h;
}

const char* check_header(const std::uint8_t* bytes, std::size_t size, bool any_arch) noexcept {
  if (size < sizeof(FileHeader)) return "shorter than the log's header (40 bytes)";
  FileHeader h;
  std::memcpy(&h, bytes, sizeof h);
  if (std::memcmp(h.magic, kLogMagic, sizeof h.magic) != 0) return "not a replay log (bad magic)";
  if (h.crc != crc32c(&h, offsetof(FileHeader, crc))) return "header checksum mismatch";
  if (h.version != kLogVersion) return "unsupported log version (this ariadne reads version 2)";
  if (h.header_size != sizeof(FileHeader)) return "bad header size";
  if (h.arch != 1 && h.arch != 2) return "unknown architecture";
  if (!any_arch && h.arch != kArch) return "recorded on the other architecture";
  return nullptr;
}

bool logged_output(const EventView& ev, int i, std::uint64_t& addr, std::uint64_t& len,
                   const std::uint8_t*& bytes) noexcept {
  std::size_t off = 0;
  for (int k = 0;; ++k) {
    if (ev.head.data_len - off < 16) return false;
    std::memcpy(&addr, ev.data + off, 8);
    std::memcpy(&len, ev.data + off + 8, 8);
    if (ev.head.data_len - off - 16 < len) return false;
    bytes = ev.data + off + 16;
    if (k == i) return true;
    off += 16 + len;
  }
}

Cursor::Status Cursor::peek(EventView& out) noexcept {
  if (offset_ >= size_) return Status::end;
  if (size_ - offset_ < 8) {
    why_ = "the file ends inside a record's frame";
    return Status::torn;
  }
  std::uint32_t len = 0, crc = 0;
  std::memcpy(&len, bytes_ + offset_, 4);
  std::memcpy(&crc, bytes_ + offset_ + 4, 4);
  if (len == 0) {
    // The writer's file grows in steps and a killed program's log is never
    // cut to its last event: zeros to the end are the end.
    // A record whose frame is still 0 over bytes already written was being
    // written when the writer stopped (its frame goes last): torn.
    for (std::size_t i = offset_ + 4; i < size_; ++i) {
      if (bytes_[i] != 0) {
        why_ = "a record begun and not finished (its length is still 0)";
        return Status::torn;
      }
    }
    return Status::end;
  }
  if (len < sizeof(EventHead) || len - sizeof(EventHead) > kMaxEventData) {
    why_ = "bad record length";
    return Status::corrupt;
  }
  if (size_ - offset_ - 8 < len) {
    why_ = "the file ends inside a record";
    return Status::torn;
  }
  const std::uint8_t* rec = bytes_ + offset_ + 8;
  if (crc32c(rec, len) != crc) {
    why_ = "record checksum mismatch";
    return Status::corrupt;
  }
  std::memcpy(&out.head, rec, sizeof(EventHead));
  if (out.head.data_len != len - sizeof(EventHead)) {
    why_ = "record length disagrees with its data length";
    return Status::corrupt;
  }
  const auto kind = static_cast<unsigned>(out.head.kind);
  if (kind == 0 || kind > static_cast<unsigned>(kEventKinds)) {
    why_ = "unknown event kind";
    return Status::corrupt;
  }
  out.data = rec + sizeof(EventHead);
  out.offset = offset_;
  return Status::event;
}

}  // namespace ariadne::replay

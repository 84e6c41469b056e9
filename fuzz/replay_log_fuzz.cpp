// The replay log (DIR/replay.log) as its two readers meet it: the CLI's
// summary (summarize_replay_bytes, what `info` and `replay` read before they
// start; summarize_replay_log reads the file and calls it), and the walk the
// replay library makes inside the target: replay::Cursor record by record,
// with each syscall event's logged memory decoded by logged_output, entry by
// entry, the way Session.cpp hands it back (at most 8 entries per call; a
// few more here, to reach the end of any data). An input that starts with
// zstd's magic number is taken as replay.log.zst: decompressed as the CLI
// does (replay_zst_size, decompress_replay_zst; a smaller bound than the
// CLI's 4 GiB, which is checked the same way), then read as above.
#include <cstring>
#include <vector>

#include "FuzzCommon.hpp"
#include "cli/ReplayLogSummary.hpp"
#include "replay/ReplayFormat.hpp"

using namespace ariadne;

namespace {

// What the runtime does with a logged output: copy the bytes to the address.
volatile std::uint8_t g_sink;

void walk(const std::uint8_t* data, std::size_t size) {
  if (replay::check_header(data, size, /*any_arch=*/true) != nullptr) return;
  replay::Cursor c(data, size);
  for (;;) {
    replay::EventView ev;
    const auto st = c.peek(ev);
    if (st != replay::Cursor::Status::event) {
      (void)std::strlen(c.why());
      return;
    }
    (void)replay::event_name(ev.head.kind);
    (void)replay::reason_name(ev.head.reason);
    if (ev.head.kind == replay::EventKind::call) {
      for (int i = 0; i < 16; ++i) {
        std::uint64_t addr = 0, len = 0;
        const std::uint8_t* bytes = nullptr;
        if (!replay::logged_output(ev, i, addr, len, bytes)) break;
        // The bytes must lie inside the record's data.
        if (bytes < ev.data || len > ev.head.data_len ||
            static_cast<std::size_t>(bytes - ev.data) > ev.head.data_len - len)
          __builtin_trap();
        std::uint8_t x = 0;
        for (std::uint64_t k = 0; k < len; ++k) x ^= bytes[k];
        g_sink = x;
        (void)addr;
      }
    }
    const std::size_t before = c.offset();
    c.advance(ev);
    if (c.offset() <= before) __builtin_trap();  // the walk must move on
  }
}

void read_log(const std::uint8_t* data, std::size_t size) {
  const cli::ReplayLogSummary s = cli::summarize_replay_bytes(data, size);
  if (s.readable && (s.torn || s.corrupt) && (s.stop_offset >= size || s.stop_why.empty())) __builtin_trap();
  walk(data, size);
}

constexpr std::uint8_t kZstdMagic[4] = {0x28, 0xb5, 0x2f, 0xfd};
constexpr std::uint64_t kFuzzLogLimit = 1u << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size >= 4 && std::memcmp(data, kZstdMagic, 4) == 0) {
    cli::ZstLogProblem problem;
    std::uint64_t raw_size = 0;
    if (!cli::replay_zst_size(data, size, kFuzzLogLimit, raw_size, problem)) {
      if (problem.why.empty() || problem.offset > size) __builtin_trap();
      return 0;
    }
    if (raw_size > kFuzzLogLimit) __builtin_trap();  // the bound holds before any allocation
    std::vector<std::uint8_t> raw(raw_size);
    if (!cli::decompress_replay_zst(data, size, raw.data(), raw.size(), problem)) {
      if (problem.why.empty() || problem.offset > size) __builtin_trap();
      return 0;
    }
    read_log(raw.data(), raw.size());
    return 0;
  }
  read_log(data, size);
  return 0;
}

#include "tracefile/TraceDir.hpp"

#include <dirent.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tracefile/ChunkFile.hpp"
#include "tracefile/FileAccess.hpp"
#include "tracefile/ProcessFile.hpp"
#include "tracefile/SegmentDecoder.hpp"
#include "tracefile/SegmentFile.hpp"

namespace ariadne::tracefile {

std::string Problem::text() const { return fmt::format("{}: offset {}: {}", file, offset, what); }

std::string Value::format() const {
  switch (kind) {
    case ValueKind::int_:
      return fmt::format("{}", unzigzag(bits));
    case ValueKind::uint_:
      return fmt::format("{}", bits);
    case ValueKind::hex:
    case ValueKind::pointer:
      return fmt::format("{:#x}", bits);
    case ValueKind::string: {
      std::string s = "\"";
      for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
          s += '\\';
          s += c;
        } else if (c == '\n') {
          s += "\\n";
        } else if (u < 0x20 || u >= 0x7f) {
          s += fmt::format("\\x{:02x}", u);
        } else {
          s += c;
        }
      }
      return s + '"';
    }
    case ValueKind::char_: {
      const auto c = static_cast<std::uint32_t>(bits);
      if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\') return fmt::format("'{}'", static_cast<char>(c));
      return fmt::format("'\\x{:02x}'", c);
    }
    case ValueKind::float_: {
      double d;
      std::memcpy(&d, &bits, sizeof d);
      return fmt::format("{}", d);
    }
    case ValueKind::bad_string:
      return "(bad string)";
  }
  return fmt::format("?{:#x}", bits);
}

std::uint64_t ProcessInfo::to_ns(std::uint64_t counter) const {
  return counter_to_ns(counter, counter0, mono0_ns, counter_hz > 0 ? 1e9 / counter_hz : 1.0);
}

const std::string& ProcessInfo::site_name(std::uint32_t id) const {
  const auto it = sites.find(id);
  if (it != sites.end()) return it->second.name;
  // Unknown sites get a stable name, remembered so the reference lives on.
  static thread_local std::map<std::uint32_t, std::string> unknown;
  auto& s = unknown[id];
  if (s.empty()) s = id == kUnknownSite ? "<unknown>" : fmt::format("<site {}>", id);
  return s;
}

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Inside a recording: the recorder makes no symbolic links.
bool is_real_dir(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// A chunk file's magic at the start of `path`: what makes a directory a
// recording (a name alone does not: /proc has numbered directories too).
bool has_file_magic(const std::string& path) {
  std::vector<Problem> ignored;
  RegularFile f(path, "file", ignored);
  char magic[sizeof kFileMagic];
  return f.ok() && f.read_at(0, magic, sizeof magic) == static_cast<long>(sizeof magic) &&
         std::memcmp(magic, kFileMagic, sizeof magic) == 0;
}

std::uint64_t file_size(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
}

// "<pid>" or "<pid>.<n>": the process directory names.
bool parse_process_key(const std::string& name, std::uint32_t& pid, std::uint32_t& n) {
  if (name.empty() || name.size() > 21) return false;
  std::uint64_t a = 0, b = 0;
  bool dot = false, digits = false;
  for (const char c : name) {
    if (c == '.') {
      if (dot || !digits) return false;
      dot = true;
      digits = false;
    } else if (c >= '0' && c <= '9') {
      (dot ? b : a) = (dot ? b : a) * 10 + static_cast<std::uint64_t>(c - '0');
      digits = true;
    } else {
      return false;
    }
  }
  if (!digits || a > 0xffffffffu || b > 0xffffffffu) return false;
  pid = static_cast<std::uint32_t>(a);
  n = static_cast<std::uint32_t>(b);
  return true;
}

// "t<tid>-<seq>.seg" or "t<tid>-<seq>.seg.zst".
bool parse_segment_name(const std::string& name, std::uint32_t& tid, std::uint32_t& seq, bool& compressed) {
  unsigned long long t = 0, s = 0;
  int used = 0;
  if (name.size() < 7 || name[0] != 't') return false;
  if (std::sscanf(name.c_str(), "t%llu-%llu%n", &t, &s, &used) != 2) return false;
  const std::string rest = name.substr(static_cast<std::size_t>(used));
  if (rest == ".seg") {
    compressed = false;
  } else if (rest == ".seg.zst") {
    compressed = true;
  } else {
    return false;
  }
  if (t > 0xffffffffu || s > 0xffffffffu || !std::isdigit(static_cast<unsigned char>(name[1]))) return false;
  tid = static_cast<std::uint32_t>(t);
  seq = static_cast<std::uint32_t>(s);
  return true;
}

std::vector<std::string> list_dir(const std::string& path) {
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (d == nullptr) return names;
  while (const dirent* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// "t<tid>.<k>.live" (or "t<tid>.live", as the first ones were named): one of
// a thread's live files (a segment being written, or a full one not copied
// out yet; its header says which; docs/format.md), left by a recording that
// was not finished (`ariadne record` renames or removes them at the end).
bool parse_live_name(const std::string& name, std::uint32_t& tid) {
  unsigned long long t = 0, k = 0;
  int used = 0;
  if (name.size() < 7 || name[0] != 't' || !std::isdigit(static_cast<unsigned char>(name[1]))) return false;
  if (std::sscanf(name.c_str(), "t%llu%n", &t, &used) != 1) return false;
  std::string rest = name.substr(static_cast<std::size_t>(used));
  if (rest.size() > 1 && rest[0] == '.' && std::isdigit(static_cast<unsigned char>(rest[1]))) {
    int more = 0;
    if (std::sscanf(rest.c_str(), ".%llu%n", &k, &more) != 1) return false;
    rest = rest.substr(static_cast<std::size_t>(more));
  }
  if (rest != ".live") return false;
  if (t > 0xffffffffu) return false;
  tid = static_cast<std::uint32_t>(t);
  return true;
}

void list_segments(ProcessInfo& p, std::vector<Problem>& problems) {
  std::map<std::uint32_t, std::map<std::uint32_t, SegmentFile>> by_tid;
  std::vector<std::pair<std::uint32_t, std::string>> live;
  for (const auto& name : list_dir(p.dir)) {
    std::uint32_t tid, seq;
    bool compressed;
    if (parse_live_name(name, tid)) live.emplace_back(tid, name);
    if (!parse_segment_name(name, tid, seq, compressed)) continue;
    auto& slot = by_tid[tid];
    const auto it = slot.find(seq);
    // Both forms present: compression was interrupted; the raw one is whole.
    if (it != slot.end() && !it->second.compressed) continue;
    SegmentFile f;
    f.path = p.dir + "/" + name;
    f.seq = seq;
    f.compressed = compressed;
    f.bytes = file_size(f.path);
    slot[seq] = f;
  }
  // A live file counts as the segment its header names, unless that one was
  // copied out already or the file holds nothing (recycled).
  for (const auto& [tid, name] : live) {
    SegmentFile f;
    f.path = p.dir + "/" + name;
    SegmentHeader h{};
    SegmentLoader loader;
    if (loader.load_live_header(f.path, h, problems) != LiveContent::segment || h.tid != tid ||
        by_tid[tid].count(h.seq) != 0)
      continue;
    f.seq = h.seq;
    f.compressed = false;
    f.bytes = file_size(f.path);
    by_tid[tid][h.seq] = f;
  }
  for (auto& [tid, segs] : by_tid) {
    ThreadInfo t;
    t.tid = tid;
    std::uint32_t expect = 0;
    for (auto& [seq, f] : segs) {
      if (seq != expect)
        problems.push_back(
            {fmt::format("{}/t{}-{}.seg", p.dir, tid, expect), 0,
             fmt::format("expected segment {} of thread {}, found no file (next is {})", expect, tid, seq)});
      expect = seq + 1;
      t.segments.push_back(std::move(f));
    }
    p.threads.push_back(std::move(t));
  }
}

}  // namespace

TraceDir TraceDir::open(const std::string& path_in, std::vector<Problem>& problems) {
  std::string path = path_in;
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  if (!is_dir(path)) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0)
      throw TraceError(fmt::format("{}: not a recording: {}", path, std::strerror(errno)));
    throw TraceError(fmt::format("{}: not a recording: not a directory", path));
  }
  TraceDir t;
  t.path_ = path;
  const std::string session_path = path + "/ariadne.session";
  std::vector<std::pair<std::uint32_t, std::uint32_t>> order;
  std::vector<std::string> keys;
  for (const auto& name : list_dir(path)) {
    std::uint32_t pid, n;
    if (parse_process_key(name, pid, n) && is_real_dir(path + "/" + name)) keys.push_back(name);
  }
  struct stat st {};
  const bool has_session = ::lstat(session_path.c_str(), &st) == 0;
  if (!has_file_magic(session_path) && std::none_of(keys.begin(), keys.end(), [&](const std::string& k) {
        return has_file_magic(path + "/" + k + "/process");
      }))
    throw TraceError(fmt::format(
        "{}: not a recording (no ariadne.session and no process directory with a process file)", path));
  std::vector<std::uint8_t> bytes;
  if (!has_session) {
    problems.push_back({session_path, 0, "expected the session file, found no file"});
  } else if (read_file(session_path, bytes, problems, "session file")) {
    parse_session_file(session_path, bytes, t.session_, problems);
  }
  // Every recorded program has at least one process image; none left means
  // all its calls are gone, not that it made none.
  // A replayable recording (`record --replayable`) holds a replay log and no
  // function trace yet: no process directory is expected then.
  const bool replay_only = t.session_.options.find("Y replayable\n") != std::string::npos;
  if (keys.empty() && !replay_only)
    problems.push_back({path, 0, "expected a process directory (<pid>) of the recorded program, found none"});
  for (const auto& key : keys) {
    ProcessInfo p;
    p.key = key;
    p.dir = path + "/" + key;
    std::uint32_t n;
    parse_process_key(key, p.pid, n);
    const std::string pf = p.dir + "/process";
    if (::lstat(pf.c_str(), &st) != 0) {
      problems.push_back({pf, 0, "expected the process file, found no file"});
      p.counter_hz = 1e9;
    } else if (read_file(pf, bytes, problems, "process file")) {
      parse_process_file(pf, bytes, p, problems);
    }
    list_segments(p, problems);
    t.processes_.push_back(std::move(p));
  }
  std::sort(t.processes_.begin(), t.processes_.end(), [](const ProcessInfo& a, const ProcessInfo& b) {
    std::uint32_t pa, na, pb, nb;
    parse_process_key(a.key, pa, na);
    parse_process_key(b.key, pb, nb);
    return std::make_pair(pa, na) < std::make_pair(pb, nb);
  });
  // A process image names the one it was forked or exec'd from: that one's
  // directory must be there too, or its calls were lost with it.
  for (const auto& p : t.processes_) {
    const auto there = [&](auto&& match) {
      return std::any_of(t.processes_.begin(), t.processes_.end(), match);
    };
    if (p.forked_from != 0 && !there([&](const ProcessInfo& q) { return q.pid == p.forked_from; }))
      problems.push_back(
          {p.dir + "/process", 0,
           fmt::format("expected the directory of process {} (the fork parent of {}), found none",
                       p.forked_from, p.key)});
    if (!p.execd_from.empty() && !there([&](const ProcessInfo& q) { return q.key == p.execd_from; }))
      problems.push_back({p.dir + "/process", 0,
                          fmt::format("expected the directory {} (the image that exec'd {}), found none",
                                      p.execd_from, p.key)});
  }
  // The origin: the earliest segment start of any thread.
  SegmentLoader loader;
  std::uint64_t start = UINT64_MAX;
  for (const auto& p : t.processes_) {
    for (const auto& th : p.threads) {
      SegmentHeader h;
      if (!th.segments.empty() && loader.load_header(th.segments[0].path, th.segments[0].compressed, h))
        start = std::min(start, p.to_ns(h.base_timestamp));
    }
  }
  if (start == UINT64_MAX)
    for (const auto& p : t.processes_) start = std::min(start, p.mono0_ns);
  t.start_ns_ = start == UINT64_MAX ? 0 : start;
  return t;
}

bool TraceDir::for_each_event(const ProcessInfo& p, const ThreadInfo& t,
                              const std::function<bool(const TraceEvent&)>& fn,
                              std::vector<Problem>& problems) const {
  return stream_thread(p, t, fn, problems, progress);
}

}  // namespace ariadne::tracefile

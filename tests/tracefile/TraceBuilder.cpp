#include "TraceBuilder.hpp"

#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace ariadne::tracefile::test {

Bytes& Bytes::v(std::uint64_t x) {
  std::uint8_t buf[kMaxVarint];
  const std::size_t n = put_varint(buf, x);
  data.insert(data.end(), buf, buf + n);
  return *this;
}
Bytes& Bytes::s(const std::string& x) {
  v(x.size());
  data.insert(data.end(), x.begin(), x.end());
  return *this;
}
Bytes& Bytes::u8(std::uint8_t x) {
  data.push_back(x);
  return *this;
}
Bytes& Bytes::raw(const void* p, std::size_t n) {
  const auto* b = static_cast<const std::uint8_t*>(p);
  data.insert(data.end(), b, b + n);
  return *this;
}
Bytes& Bytes::value(const Value& x) {
  u8(static_cast<std::uint8_t>(x.kind));
  switch (x.kind) {
    case ValueKind::string:
      return s(x.text);
    case ValueKind::float_:
      for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(x.bits >> (8 * i)));
      return *this;
    case ValueKind::bad_string:
      return *this;
    default:
      return v(x.bits);
  }
}

Value int_value(std::int64_t x) { return {ValueKind::int_, zigzag(x), {}}; }
Value uint_value(std::uint64_t x) { return {ValueKind::uint_, x, {}}; }
Value hex_value(std::uint64_t x) { return {ValueKind::hex, x, {}}; }
Value string_value(const std::string& x) { return {ValueKind::string, 0, x}; }
Value char_value(char x) { return {ValueKind::char_, static_cast<unsigned char>(x), {}}; }
Value float_value(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return {ValueKind::float_, b, {}};
}
Value pointer_value(std::uint64_t x) { return {ValueKind::pointer, x, {}}; }
Value bad_string_value() { return {ValueKind::bad_string, 0, {}}; }

std::uint64_t Events::dt(std::uint64_t t) {
  const std::uint64_t d = t - last_;
  last_ = t;
  ++count_;
  return d;
}
Events& Events::entry(std::uint32_t site, std::uint64_t t) {
  const auto d = dt(t);
  b_.u8(static_cast<std::uint8_t>(Event::entry)).v(site).v(d);
  return *this;
}
Events& Events::entry_args(std::uint32_t site, std::uint64_t t, const std::vector<Value>& args) {
  const auto d = dt(t);
  b_.u8(static_cast<std::uint8_t>(Event::entry_args)).v(site).v(d).v(args.size());
  for (const auto& a : args) b_.value(a);
  return *this;
}
Events& Events::exit(std::uint64_t t) {
  b_.u8(static_cast<std::uint8_t>(Event::exit)).v(dt(t));
  return *this;
}
Events& Events::exit_unwound(std::uint64_t t) {
  b_.u8(static_cast<std::uint8_t>(Event::exit_unwound)).v(dt(t));
  return *this;
}
Events& Events::exit_retval(std::uint64_t t, const Value& v) {
  b_.u8(static_cast<std::uint8_t>(Event::exit_retval)).v(dt(t)).value(v);
  return *this;
}
Events& Events::thread_start(std::uint64_t t, std::uint32_t parent_tid) {
  b_.u8(static_cast<std::uint8_t>(Event::thread_start)).v(dt(t)).v(parent_tid);
  return *this;
}
Events& Events::thread_exit(std::uint64_t t) {
  b_.u8(static_cast<std::uint8_t>(Event::thread_exit)).v(dt(t));
  return *this;
}
Events& Events::fork(std::uint64_t t, std::uint32_t child_pid) {
  b_.u8(static_cast<std::uint8_t>(Event::fork)).v(dt(t)).v(child_pid);
  return *this;
}
Events& Events::fork_child(std::uint64_t t, std::uint32_t parent_pid,
                           const std::vector<std::uint32_t>& open_sites) {
  b_.u8(static_cast<std::uint8_t>(Event::fork_child)).v(dt(t)).v(parent_pid).v(open_sites.size());
  for (const auto s : open_sites) b_.v(s);
  return *this;
}
Events& Events::exec(std::uint64_t t, const std::string& path) {
  b_.u8(static_cast<std::uint8_t>(Event::exec)).v(dt(t)).s(path);
  return *this;
}
Events& Events::exec_failed(std::uint64_t t, std::uint32_t err) {
  b_.u8(static_cast<std::uint8_t>(Event::exec_failed)).v(dt(t)).v(err);
  return *this;
}
Events& Events::signal(std::uint64_t t, std::uint32_t signo) {
  b_.u8(static_cast<std::uint8_t>(Event::signal)).v(dt(t)).v(signo);
  return *this;
}
Events& Events::lost(std::uint64_t t, std::uint64_t count) {
  b_.u8(static_cast<std::uint8_t>(Event::lost)).v(dt(t)).v(count);
  return *this;
}
Events& Events::clock(std::uint64_t counter) {
  last_ = counter;
  ++count_;
  b_.u8(static_cast<std::uint8_t>(Event::clock)).v(counter);
  return *this;
}
Events& Events::raw(const std::vector<std::uint8_t>& bytes) {
  b_.data.insert(b_.data.end(), bytes.begin(), bytes.end());
  return *this;
}

std::string Segment::file_name() const {
  std::string name = "t";
  name += std::to_string(tid);
  if (form == SegmentForm::live || form == SegmentForm::live_full || form == SegmentForm::recycled) {
    if (live_k >= 0) {
      name += '.';
      name += std::to_string(live_k);
    }
    name += ".live";
    return name;
  }
  name += '-';
  name += std::to_string(seq);
  name += form == SegmentForm::compressed ? ".seg.zst" : ".seg";
  return name;
}

std::vector<std::uint8_t> Segment::raw_file() const {
  const auto& ev = events.bytes();
  std::uint32_t cap = capacity;
  if (cap == 0) cap = static_cast<std::uint32_t>((ev.size() + 1 + 4095) & ~std::size_t{4095});
  if (cap < ev.size()) cap = static_cast<std::uint32_t>(ev.size());
  SegmentHeader h{};
  std::memcpy(h.magic, kSegmentMagic, sizeof h.magic);
  h.version = version;
  h.header_size = kSegmentHeaderSize;
  h.capacity = cap;
  h.pid = pid;
  h.tid = tid;
  h.seq = seq;
  h.base_timestamp = base;
  h.depth = depth;
  h.header_crc = segment_header_crc(h);
  if (form == SegmentForm::recycled) h.state = static_cast<std::uint32_t>(SegmentState::recycled);
  if (form == SegmentForm::live_full) h.drain = static_cast<std::uint32_t>(LiveDrain::ready);
  if (form == SegmentForm::sealed || form == SegmentForm::compressed || form == SegmentForm::live_full) {
    h.state = static_cast<std::uint32_t>(SegmentState::sealed);
    h.used = static_cast<std::uint32_t>(ev.size());
    h.payload_crc = crc32c(ev.data(), ev.size());
  }
  std::vector<std::uint8_t> out(kSegmentHeaderSize + (form == SegmentForm::compressed ? ev.size() : cap), 0);
  std::memcpy(out.data(), &h, sizeof h);
  std::memcpy(out.data() + kSegmentHeaderSize, ev.data(), ev.size());
  return out;
}

std::vector<std::uint8_t> Segment::file() const {
  auto raw = raw_file();
  if (form != SegmentForm::compressed) return raw;
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
  std::vector<std::uint8_t> out(ZSTD_compressBound(raw.size()));
  const std::size_t n = ZSTD_compress2(c, out.data(), out.size(), raw.data(), raw.size());
  ZSTD_freeCCtx(c);
  if (ZSTD_isError(n)) throw std::runtime_error(ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Process& Process::site(std::uint32_t id, const std::string& name) {
  sites.push_back({0, id, 0x1000 + 0x10 * static_cast<std::uint64_t>(id), name});
  return *this;
}

Segment& Process::segment(std::uint32_t tid, std::uint32_t seq, std::uint64_t base, SegmentForm form,
                          std::uint32_t depth) {
  Segment s;
  s.pid = pid;
  s.tid = tid;
  s.seq = seq;
  s.base = base;
  s.form = form;
  s.depth = depth;
  s.events = Events(base);
  segments.push_back(std::move(s));
  return segments.back();
}

std::vector<std::uint8_t> chunk_file(
    FileKind kind, const std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>& chunks) {
  std::vector<std::uint8_t> out(sizeof(FileHeader));
  FileHeader h{};
  std::memcpy(h.magic, kFileMagic, sizeof h.magic);
  h.version = kFormatVersion;
  h.kind = static_cast<std::uint16_t>(kind);
  h.crc = crc32c(&h, offsetof(FileHeader, crc));
  std::memcpy(out.data(), &h, sizeof h);
  for (const auto& [type, payload] : chunks) {
    ChunkHeader c{};
    c.type = type;
    c.length = static_cast<std::uint32_t>(payload.size());
    c.crc = crc32c(payload.data(), payload.size());
    c.header_crc = crc32c(&c, offsetof(ChunkHeader, header_crc));
    const std::size_t at = out.size();
    out.resize(at + sizeof c + ((payload.size() + 7) & ~std::size_t{7}), 0);
    std::memcpy(out.data() + at, &c, sizeof c);
    if (!payload.empty()) std::memcpy(out.data() + at + sizeof c, payload.data(), payload.size());
  }
  return out;
}

namespace {
std::uint32_t type(ChunkType t) { return static_cast<std::uint32_t>(t); }

void strings(Bytes& b, const std::vector<std::string>& v) {
  b.v(v.size());
  for (const auto& s : v) b.s(s);
}
}  // namespace

std::vector<std::uint8_t> Process::file() const {
  std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> chunks;
  Bytes p;
  p.v(pid).v(ppid).v(forked_from).s(execd_from).s(arch).v(static_cast<std::uint32_t>(clock)).v(counter_hz);
  strings(p, argv);
  strings(p, env);
  chunks.emplace_back(type(ChunkType::process), p.data);
  for (std::size_t i = 0; i < modules.size(); ++i) {
    Bytes m;
    m.v(i).s(modules[i].path).v(modules[i].base).s(modules[i].build_id);
    chunks.emplace_back(type(ChunkType::module), m.data);
  }
  if (!sites.empty()) {
    // One sites chunk per module, in the order the sites were added.
    std::vector<std::uint32_t> mods;
    for (const auto& s : sites)
      if (std::find(mods.begin(), mods.end(), s.module) == mods.end()) mods.push_back(s.module);
    for (const auto m : mods) {
      Bytes b;
      std::size_t n = 0;
      for (const auto& s : sites) n += s.module == m;
      b.v(m).v(n);
      for (const auto& s : sites)
        if (s.module == m) b.v(s.id).v(s.offset).s(s.name);
      chunks.emplace_back(type(ChunkType::sites), b.data);
    }
  }
  for (const auto& c : clocks) {
    Bytes b;
    b.v(c.counter).v(c.mono_ns).v(c.real_ns);
    chunks.emplace_back(type(ChunkType::clock), b.data);
  }
  if (ended) {
    Bytes b;
    b.v(static_cast<std::uint64_t>(exit_kind)).v(static_cast<std::uint64_t>(exit_value));
    chunks.emplace_back(type(ChunkType::process_end), b.data);
  }
  return chunk_file(FileKind::process, chunks);
}

std::vector<std::uint8_t> Session::file() const {
  std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> chunks;
  Bytes b;
  b.v(kFormatVersion).s(arch).v(start_unix_ns);
  strings(b, argv);
  strings(b, env);
  b.s(options);
  chunks.emplace_back(type(ChunkType::session), b.data);
  if (ended) {
    Bytes e;
    e.v(end_unix_ns).v(static_cast<std::uint64_t>(exit_kind)).v(static_cast<std::uint64_t>(exit_value));
    chunks.emplace_back(type(ChunkType::session_end), e.data);
  }
  return chunk_file(FileKind::session, chunks);
}

Process& TraceBuilder::process(std::uint32_t pid, const std::string& key) {
  Process p;
  p.pid = pid;
  p.key = key.empty() ? std::to_string(pid) : key;
  processes.push_back(std::move(p));
  return processes.back();
}

void TraceBuilder::write(const std::string& dir) const {
  remove_tree(dir);
  std::filesystem::create_directories(dir);
  if (write_session) write_bytes(dir + "/ariadne.session", session.file());
  for (const auto& p : processes) {
    const std::string pd = dir + "/" + p.key;
    std::filesystem::create_directories(pd);
    if (p.write_process_file) write_bytes(pd + "/process", p.file());
    for (const auto& s : p.segments) write_bytes(pd + "/" + s.file_name(), s.file());
  }
}

std::vector<std::uint8_t> zstd_rle_frame(const std::vector<std::uint8_t>& prefix, std::uint64_t fill_bytes,
                                         std::uint8_t fill, std::uint64_t declared) {
  constexpr std::uint32_t kBlock = 128u << 10;  // the largest block (RFC 8878, Block_Maximum_Size)
  std::vector<std::uint8_t> out{0x28, 0xb5, 0x2f, 0xfd};
  // Frame header: descriptor (content size field of 8 bytes or none), window 128 KiB.
  out.push_back(declared != 0 ? 0xc0 : 0x00);
  out.push_back(0x38);  // window log 10 + 7 = 17
  for (int i = 0; declared != 0 && i < 8; ++i) out.push_back(static_cast<std::uint8_t>(declared >> (8 * i)));
  const auto block = [&](bool last, unsigned type, std::uint32_t size) {
    const std::uint32_t h = (last ? 1u : 0u) | type << 1 | size << 3;
    for (int i = 0; i < 3; ++i) out.push_back(static_cast<std::uint8_t>(h >> (8 * i)));
  };
  block(fill_bytes == 0, 0, static_cast<std::uint32_t>(prefix.size()));  // a raw block
  out.insert(out.end(), prefix.begin(), prefix.end());
  while (fill_bytes > 0) {
    const auto n = static_cast<std::uint32_t>(std::min<std::uint64_t>(fill_bytes, kBlock));
    fill_bytes -= n;
    block(fill_bytes == 0, 1, n);  // RLE: one byte, n times
    out.push_back(fill);
  }
  return out;
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

void flip_byte(const std::string& path, std::size_t offset, std::uint8_t mask) {
  auto b = read_bytes(path);
  if (offset >= b.size()) throw std::runtime_error("flip_byte past the end of " + path);
  b[offset] ^= mask;
  write_bytes(path, b);
}

void truncate_file(const std::string& path, std::size_t size) {
  if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0)
    throw std::runtime_error("cannot truncate " + path);
}

void remove_tree(const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

std::string temp_dir(const std::string& name) {
  const char* t = std::getenv("TMPDIR");
  std::string d = std::string(t != nullptr && *t != '\0' ? t : "/tmp") + "/ariadne-tf-" +
                  std::to_string(::getpid()) + "-" + name;
  remove_tree(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace ariadne::tracefile::test

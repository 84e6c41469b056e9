#include "replay/Libraries.hpp"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/syscall.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "arch/RawSyscall.hpp"
#include "record/ChunkFile.hpp"
#include "trace/Tracer.hpp"
#include "tracefile/Format.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

// Almost nothing of ours in memory: the library's size places every mapping
// made after it, and the program's addresses must stay as they were (a
// few KiB more of .bss here moved mmap_anon's mappings in replay.mmap-divergence).
// Objects written so far, as the loader counts them (dlpi_adds): a dlopen's
// new objects are the last ones the loader lists.
constinit unsigned long long g_adds_written = 0;
// ARIADNE_REPLAY's log= (DIR/replay.log): in the environment, not copied.
constinit const char* g_log = nullptr;
constinit std::size_t g_log_dir_length = 0;
// Threads replay does not manage (made by other means than pthread_create)
// may dlopen beside the baton holder.
constinit std::atomic_flag g_busy = ATOMIC_FLAG_INIT;
constexpr std::size_t kMaxPath = 4096;  // PATH_MAX: the kernel opens nothing longer

// The directory of ARIADNE_REPLAY's log=, which holds ariadne.session.
bool find_recording() noexcept {
  const char* settings = std::getenv("ARIADNE_REPLAY");
  const char* log = settings != nullptr ? std::strstr(settings, "|log=") : nullptr;
  if (log == nullptr) return false;
  log += 5;
  const char* end = std::strchr(log, '|');
  std::size_t dir = end != nullptr ? static_cast<std::size_t>(end - log) : std::strlen(log);
  while (dir > 0 && log[dir - 1] != '/') --dir;
  if (dir == 0 || dir + 32 > kMaxPath) return false;
  g_log = log;
  g_log_dir_length = dir;
  return true;
}

// Ariadne's own (libariadne-rt.so, libariadne-replay.so, libariadne-cov.so):
// they come with the ariadne that replays, not with the program.
bool is_ariadne(const char* path) noexcept {
  const char* slash = std::strrchr(path, '/');
  return std::strncmp(slash != nullptr ? slash + 1 : path, "libariadne-", 11) == 0;
}

// The kernel's vDSO: no file, a different one per kernel.
bool is_vdso(const dl_phdr_info* info) noexcept {
  const std::uintptr_t vdso = getauxval(AT_SYSINFO_EHDR);
  const auto phdr = reinterpret_cast<std::uintptr_t>(info->dlpi_phdr);
  return (vdso != 0 && phdr == vdso + reinterpret_cast<const ElfW(Ehdr)*>(vdso)->e_phoff) ||
         std::strncmp(info->dlpi_name, "linux-vdso", 10) == 0 ||
         std::strncmp(info->dlpi_name, "linux-gate", 10) == 0;
}

// The object's NT_GNU_BUILD_ID in hex, read from its mapped PT_NOTE
// segments (what `ariadne replay` reads from the file's note section).
void build_id(const dl_phdr_info* info, char (&hex)[129]) noexcept {
  hex[0] = '\0';
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const std::size_t align = ph.p_align == 8 ? 8 : 4;
    const auto round = [align](std::size_t n) { return (n + align - 1) & ~(align - 1); };
    const auto* p = reinterpret_cast<const std::uint8_t*>(info->dlpi_addr + ph.p_vaddr);
    const std::uint8_t* end = p + ph.p_filesz;
    while (static_cast<std::size_t>(end - p) >= sizeof(ElfW(Nhdr))) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const std::uint8_t* name = p + sizeof note;
      const std::size_t left = static_cast<std::size_t>(end - name);
      if (round(note.n_namesz) > left || round(note.n_descsz) > left - round(note.n_namesz)) break;
      const std::uint8_t* desc = name + round(note.n_namesz);
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0 &&
          note.n_descsz <= 64) {
        for (std::size_t b = 0; b < note.n_descsz; ++b) {
          hex[2 * b] = kDigits[desc[b] >> 4];
          hex[2 * b + 1] = kDigits[desc[b] & 15];
        }
        hex[2 * note.n_descsz] = '\0';
        return;
      }
      p = desc + round(note.n_descsz);
    }
  }
}

// V as Format.hpp has it: 7 bits a byte, low first.
std::size_t put_varint(std::uint8_t* out, std::uint64_t v) noexcept {
  std::size_t n = 0;
  for (; v >= 0x80; v >>= 7) out[n++] = static_cast<std::uint8_t>(v | 0x80);
  out[n++] = static_cast<std::uint8_t>(v);
  return n;
}

struct Scan {
  int fd;
  bool dlopened;
  std::size_t objects;  // counted by the first pass
  std::size_t skip;     // listed before the new ones
  std::size_t at = 0;
};

int count(dl_phdr_info* info, std::size_t, void* data) noexcept {
  auto& scan = *static_cast<Scan*>(data);
  ++scan.objects;
  g_adds_written = info->dlpi_adds;
  return 0;
}

// One session_library chunk per new object. The payload is built on the
// stack, not in a record::Payload, which allocates for a long path: the
// program's heap must be the same in record and replay.
int write_new(dl_phdr_info* info, std::size_t, void* data) noexcept {
  auto& scan = *static_cast<Scan*>(data);
  if (scan.at++ < scan.skip) return 0;
  // The program itself ("": its build-id is the session's option B).
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0' || is_vdso(info) ||
      is_ariadne(info->dlpi_name))
    return 0;
  char hex[129];
  build_id(info, hex);
  // V length and the path, made absolute: a relative one (a relative
  // LD_LIBRARY_PATH entry, a dlopen after chdir) is the loader's from the
  // working directory now. Written two bytes in (the most a length up to
  // kMaxPath takes), moved back when it takes one.
  std::uint8_t payload[2 + kMaxPath + 1 + 2 + sizeof hex + 1];
  char* const path = reinterpret_cast<char*>(payload + 2);
  const std::size_t name_length = ::strnlen(info->dlpi_name, kMaxPath);
  std::size_t path_length = 0;
  if (info->dlpi_name[0] != '/' && raw_syscall(SYS_getcwd, path, kMaxPath) > 0 &&
      std::strlen(path) + 1 + name_length <= kMaxPath) {
    path_length = std::strlen(path);
    path[path_length++] = '/';
  }
  std::memcpy(path + path_length, info->dlpi_name, name_length);
  path_length += name_length;
  std::size_t n = put_varint(payload, path_length);
  if (n == 1) std::memmove(payload + 1, path, path_length);
  n += path_length;
  const std::size_t hex_length = std::strlen(hex);
  n += put_varint(payload + n, hex_length);
  std::memcpy(payload + n, hex, hex_length);
  n += hex_length;
  n += put_varint(payload + n, scan.dlopened ? 1 : 0);
  (void)record::write_chunk(scan.fd, tracefile::ChunkType::session_library, payload, n);
  return 0;
}

void write_new_objects(bool dlopened) noexcept {
  while (g_busy.test_and_set(std::memory_order_acquire)) {
  }
  // Opened for each scan and closed again: no descriptor of ours stays among
  // the program's (there is none in replay).
  char session[kMaxPath];
  std::memcpy(session, g_log, g_log_dir_length);
  std::memcpy(session + g_log_dir_length, "ariadne.session", sizeof "ariadne.session");
  const int fd = sys_open(session, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    const unsigned long long written = g_adds_written;
    Scan scan{fd, dlopened, 0, 0};
    dl_iterate_phdr(count, &scan);
    // The first time every object; then those added since (they come last).
    const unsigned long long added = g_adds_written - written;
    if (dlopened) scan.skip = added < scan.objects ? scan.objects - static_cast<std::size_t>(added) : 0;
    if (!dlopened || added != 0) dl_iterate_phdr(write_new, &scan);
    sys_close(fd);
  }
  g_busy.clear(std::memory_order_release);
}

}  // namespace

void record_libraries() noexcept {
  if (!find_recording()) return;
  write_new_objects(false);
  trace::detail::set_dlopen_observer([] { write_new_objects(true); });
}

}  // namespace ariadne::replay

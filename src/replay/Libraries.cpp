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
#include "replay/Session.hpp"
#include "trace/Tracer.hpp"
#include "tracefile/Format.hpp"

// clang-format off
#include "runtime/NoLibcSyscalls.hpp"  // last: libc's syscall wrappers unusable below
// clang-format on

namespace ariadne::replay {

namespace {

// Objects already written (load address and name): a dlopen writes only new
// ones, and one loaded again after a dlclose only if it is another file.
constexpr std::size_t kMaxObjects = 1024;
struct Seen {
  std::uintptr_t address;
  std::uint64_t name;
};
constinit Seen g_seen[kMaxObjects] = {};
constinit std::size_t g_seen_count = 0;
constinit char g_session_path[4096] = {};
// Threads replay does not manage (made by other means than pthread_create)
// may dlopen beside the baton holder.
constinit std::atomic_flag g_busy = ATOMIC_FLAG_INIT;

// DIR/ariadne.session beside DIR/replay.log, from ARIADNE_REPLAY's log=.
bool find_session_file() noexcept {
  const char* settings = std::getenv("ARIADNE_REPLAY");
  const char* log = settings != nullptr ? std::strstr(settings, "|log=") : nullptr;
  if (log == nullptr) return false;
  log += 5;
  const char* end = std::strchr(log, '|');
  const std::size_t length = end != nullptr ? static_cast<std::size_t>(end - log) : std::strlen(log);
  std::size_t dir = length;
  while (dir > 0 && log[dir - 1] != '/') --dir;
  static constexpr char kName[] = "ariadne.session";
  if (dir == 0 || dir + sizeof kName > sizeof g_session_path) return false;
  std::memcpy(g_session_path, log, dir);
  std::memcpy(g_session_path + dir, kName, sizeof kName);
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
};

// One session_library chunk per object not written before. The payload is
// built here, not in a record::Payload, which allocates for a long path:
// the program's heap must be the same in record and replay.
int write_new(dl_phdr_info* info, std::size_t, void* data) noexcept {
  const auto& scan = *static_cast<const Scan*>(data);
  const Seen object{info->dlpi_addr,
                    info->dlpi_name != nullptr
                        ? digest(0xcbf29ce484222325ull, info->dlpi_name, std::strlen(info->dlpi_name))
                        : 0};
  for (std::size_t i = 0; i < g_seen_count; ++i)
    if (g_seen[i].address == object.address && g_seen[i].name == object.name) return 0;
  if (g_seen_count == kMaxObjects) return 1;
  g_seen[g_seen_count++] = object;
  // The program itself ("": its build-id is the session's option B).
  if (info->dlpi_name == nullptr || info->dlpi_name[0] == '\0' || is_vdso(info) ||
      is_ariadne(info->dlpi_name))
    return 0;
  char hex[129];
  build_id(info, hex);
  // The path absolute: a relative one (a relative LD_LIBRARY_PATH entry, a
  // dlopen after chdir) is the loader's from the working directory now.
  static std::uint8_t payload[2 * 4096 + 256];
  static char path[2 * 4096 + 2];
  std::size_t path_length = 0;
  if (info->dlpi_name[0] != '/' && raw_syscall(SYS_getcwd, path, 4096) > 0) {
    path_length = std::strlen(path);
    path[path_length++] = '/';
  }
  const std::size_t name_length = ::strnlen(info->dlpi_name, 4096);
  std::memcpy(path + path_length, info->dlpi_name, name_length);
  path_length += name_length;
  const std::size_t hex_length = std::strlen(hex);
  std::size_t n = put_varint(payload, path_length);
  std::memcpy(payload + n, path, path_length);
  n += path_length;
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
  const int fd = sys_open(g_session_path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd >= 0) {
    Scan scan{fd, dlopened};
    dl_iterate_phdr(write_new, &scan);
    sys_close(fd);
  }
  g_busy.clear(std::memory_order_release);
}

}  // namespace

void record_libraries() noexcept {
  if (!find_session_file()) return;
  write_new_objects(false);
  trace::detail::set_dlopen_observer([] { write_new_objects(true); });
}

}  // namespace ariadne::replay

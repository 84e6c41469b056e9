// The input format of the trace_dir fuzz target: a flat list of files,
//   u8 name length, name ("ariadne.session", "<proc>/process", "<proc>/t1-0.seg"...),
//   u32 little-endian size, bytes
// so the fuzzer mutates file contents and names together. Names are
// sanitised to stay inside the scratch directory.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace ariadne::tracefile {

inline std::string scratch_dir() {
  const char* t = std::getenv("TMPDIR");
  return std::string(t != nullptr && *t != '\0' ? t : "/tmp") + "/ariadne-fuzz-" + std::to_string(::getpid());
}

// A target's scratch directory, removed when the fuzzer (or the replay) exits.
struct ScratchDir {
  std::string dir;
  explicit ScratchDir(const char* suffix = "") : dir(scratch_dir() + suffix) {}
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// Empties `dir`, creates it and `subdir` in it, and writes the input to
// dir/name: a target that feeds one file to the readers.
inline void write_input(const std::string& dir, const std::string& subdir, const std::string& name,
                        const std::uint8_t* data, std::size_t size) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(subdir.empty() ? dir : dir + "/" + subdir, ec);
  if (FILE* f = std::fopen((dir + "/" + name).c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
}

inline void append_file(std::vector<std::uint8_t>& archive, const std::string& name,
                        const std::vector<std::uint8_t>& bytes) {
  archive.push_back(static_cast<std::uint8_t>(name.size()));
  archive.insert(archive.end(), name.begin(), name.end());
  const auto n = static_cast<std::uint32_t>(bytes.size());
  for (int i = 0; i < 4; ++i) archive.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  archive.insert(archive.end(), bytes.begin(), bytes.end());
}

// Returns false if the input names no file at all.
inline bool unpack_archive(const std::uint8_t* data, std::size_t size, const std::string& dir) {
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  std::size_t off = 0, files = 0;
  while (off < size && files < 64) {
    const std::size_t len = data[off++];
    if (len == 0 || size - off < len + 4) break;
    std::string name(reinterpret_cast<const char*>(data + off), len);
    off += len;
    std::uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n |= static_cast<std::uint32_t>(data[off + i]) << (8 * i);
    off += 4;
    if (n > size - off) n = static_cast<std::uint32_t>(size - off);
    // One optional directory level, no dots at the start of a component.
    bool ok = name[0] != '.' && name[0] != '/';
    std::size_t slashes = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      if (c == '/') {
        ++slashes;
        if (i + 1 >= name.size() || name[i + 1] == '.' || name[i + 1] == '/') ok = false;
      } else if (c == '\0') {
        ok = false;
      }
    }
    if (ok && slashes <= 1) {
      const std::string path = dir + "/" + name;
      if (slashes == 1) ::mkdir((dir + "/" + name.substr(0, name.find('/'))).c_str(), 0755);
      if (FILE* f = std::fopen(path.c_str(), "wb")) {
        std::fwrite(data + off, 1, n, f);
        std::fclose(f);
      }
      ++files;
    }
    off += n;
  }
  return files > 0;
}

}  // namespace ariadne::tracefile

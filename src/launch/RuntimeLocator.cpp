#include "launch/RuntimeLocator.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "launch/LaunchError.hpp"

namespace ariadne::launch {

namespace {

std::string self_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<std::size_t>(n));
  const auto slash = p.rfind('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

std::optional<std::string> env_dir() {
  const char* d = std::getenv("ARIADNE_RT_DIR");
  if (d == nullptr || *d == '\0') return std::nullopt;
  return std::string(d);
}

}  // namespace

RuntimeLocator::RuntimeLocator() : RuntimeLocator(self_dir(), env_dir()) {}

RuntimeLocator::RuntimeLocator(std::string self, std::optional<std::string> env)
    : self_dir_(std::move(self)), env_dir_(std::move(env)) {}

std::vector<std::string> RuntimeLocator::candidates(arch::Isa isa) const {
  const std::string_view a = arch::name(isa);
  std::vector<std::string> c;
  if (env_dir_) c.push_back(fmt::format("{}/{}/libariadne-rt.so", *env_dir_, a));
  c.push_back(fmt::format("{}/lib/{}/libariadne-rt.so", self_dir_, a));
  c.push_back(fmt::format("{}/../lib/ariadne/{}/libariadne-rt.so", self_dir_, a));
  return c;
}

std::string RuntimeLocator::find(arch::Isa isa, const std::string& program) const {
  const auto c = candidates(isa);
  for (const auto& p : c) {
    if (::access(p.c_str(), R_OK) == 0) {
      char real[PATH_MAX];
      return ::realpath(p.c_str(), real) != nullptr ? std::string(real) : p;
    }
  }
  throw LaunchError(fmt::format("{}: no {} runtime (libariadne-rt.so) found; looked in {}", program,
                                arch::name(isa), fmt::join(c, ", ")));
}

}  // namespace ariadne::launch

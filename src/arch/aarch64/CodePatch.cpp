// AArch64 sleds (-fpatchable-function-entry=2):
//   pristine  d503201f d503201f     nop; nop
//   prepared  aa1e03e9 d503201f     mov x9, x30; nop
//   calling   aa1e03e9 94xxxxxx     mov x9, x30; bl target
// Only the second word ever changes while threads run: NOP <-> BL is one of
// the few changes Arm ARM B2.2.5 (concurrent modification and execution)
// allows without stopping the other CPUs. The first word is written once,
// single-threaded, so the LR is already in x9 when the BL appears.
#include <cstring>

#include "arch/CodePatch.hpp"

namespace ariadne::arch {
namespace {

constexpr std::uint32_t kNop = 0xd503201f;
constexpr std::uint32_t kMovX9X30 = 0xaa1e03e9;
constexpr std::uint32_t kBl = 0x94000000;
constexpr std::uint32_t kBlMask = 0xfc000000;
constexpr std::intptr_t kBlReach = std::intptr_t{128} << 20;  // +-128 MiB

std::uint32_t load_word(const std::byte* p) noexcept {
  std::uint32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

}  // namespace

std::size_t sled_size() noexcept { return 8; }
unsigned sled_nops() noexcept { return 2; }
std::uintptr_t body_of(std::uintptr_t site) noexcept { return site + 8; }
std::uintptr_t call_reach() noexcept { return static_cast<std::uintptr_t>(kBlReach) - 4; }

SledState classify(const std::byte* site, std::uintptr_t* target) noexcept {
  const std::uint32_t first = load_word(site);
  const std::uint32_t second = load_word(site + 4);
  if (first == kNop && second == kNop) return SledState::pristine;
  if (first != kMovX9X30) return SledState::unknown;
  if (second == kNop) return SledState::prepared;
  if ((second & kBlMask) == kBl) {
    // imm26 is a signed word offset from the BL itself.
    const std::int64_t imm = static_cast<std::int64_t>(static_cast<std::uint64_t>(second) << 38) >> 36;
    if (target != nullptr) *target = reinterpret_cast<std::uintptr_t>(site) + 4 + static_cast<std::uintptr_t>(imm);
    return SledState::calling;
  }
  return SledState::unknown;
}

void write_prepared(std::byte* site) noexcept {
  std::memcpy(site, &kMovX9X30, sizeof kMovX9X30);
  __builtin___clear_cache(reinterpret_cast<char*>(site), reinterpret_cast<char*>(site + 8));
}

bool call_reaches(std::uintptr_t site, std::uintptr_t target) noexcept {
  const std::intptr_t delta = static_cast<std::intptr_t>(target - (site + 4));
  return delta >= -kBlReach && delta < kBlReach && (delta & 3) == 0;
}

}  // namespace ariadne::arch

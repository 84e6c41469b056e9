// x86-64 sleds (-fpatchable-function-entry=5):
//   pristine  90 90 90 90 90        five 1-byte NOPs (a thread may be between them)
//   prepared  0f 1f 44 00 00        one 5-byte NOP, written once, single-threaded
//   calling   e8 rel32              call target
// Live, only prepared <-> calling changes, one instruction for another.
#include <cstring>

#include "arch/CodePatch.hpp"

namespace ariadne::arch {
namespace {

constexpr unsigned char kPristine[5] = {0x90, 0x90, 0x90, 0x90, 0x90};
constexpr unsigned char kNop5[5] = {0x0f, 0x1f, 0x44, 0x00, 0x00};
constexpr unsigned char kCall = 0xe8;

}  // namespace

std::size_t sled_size() noexcept { return 5; }
unsigned sled_nops() noexcept { return 5; }
std::uintptr_t body_of(std::uintptr_t site) noexcept { return site + 5; }
std::uintptr_t call_reach() noexcept { return 0x7fff0000u; }

SledState classify(const std::byte* site, std::uintptr_t* target) noexcept {
  if (std::memcmp(site, kPristine, 5) == 0) return SledState::pristine;
  if (std::memcmp(site, kNop5, 5) == 0) return SledState::prepared;
  if (static_cast<unsigned char>(site[0]) == kCall) {
    std::int32_t rel;
    std::memcpy(&rel, site + 1, sizeof rel);
    if (target != nullptr) *target = reinterpret_cast<std::uintptr_t>(site) + 5 + static_cast<std::intptr_t>(rel);
    return SledState::calling;
  }
  return SledState::unknown;
}

void write_prepared(std::byte* site) noexcept { std::memcpy(site, kNop5, sizeof kNop5); }

bool call_reaches(std::uintptr_t site, std::uintptr_t target) noexcept {
  const std::intptr_t delta = static_cast<std::intptr_t>(target - (site + 5));
  return delta >= INT32_MIN && delta <= INT32_MAX;
}

}  // namespace ariadne::arch

// The cooperative scheduler of the seed (/work/shared/seeds/000, 001: OSv on
// AArch64), cut down to what the bug needs. A thread's saved state has the
// layout OSv's switch_to() relies on: fp and the x0 for a fresh thread in one
// pair, sp and pc in the next.
#pragma once

#include <cstddef>
#include <cstdint>

namespace seed {

struct thread {
  struct state {
    void* fp;
    thread* arg;  // x0 when the thread first runs
    void* sp;
    void* pc;
  } _state;
  void switch_to();  // seed_switch.cpp, built at -O0 as in the seed's debug build

  unsigned id = 0;
  bool done = false;
  std::uint64_t result = 0;
};

thread* current();
void set_current(thread* t);

}  // namespace seed

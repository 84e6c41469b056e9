// A small multi-threaded program to run under Ariadne: worker threads hash,
// sort and checksum blocks of numbers through a few layers of calls, and the
// program prints how many times it called each function, so a trace of it can
// be checked against its own counters.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

std::atomic<long> g_mix_calls{0}, g_fill_calls{0}, g_sort_calls{0}, g_checksum_calls{0};

__attribute__((noinline)) std::uint64_t mix(std::uint64_t x) {
  g_mix_calls.fetch_add(1, std::memory_order_relaxed);
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

__attribute__((noinline)) void fill_block(std::vector<std::uint64_t>& block, std::uint64_t seed) {
  g_fill_calls.fetch_add(1, std::memory_order_relaxed);
  for (auto& v : block) v = seed = mix(seed + 1);
}

__attribute__((noinline)) void sort_block(std::vector<std::uint64_t>& block) {
  g_sort_calls.fetch_add(1, std::memory_order_relaxed);
  std::sort(block.begin(), block.end());
}

__attribute__((noinline)) std::uint64_t checksum_block(const std::vector<std::uint64_t>& block) {
  g_checksum_calls.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t sum = 0;
  for (auto v : block) sum = mix(sum ^ v);
  return sum;
}

__attribute__((noinline)) std::uint64_t worker(int id, int blocks) {
  std::vector<std::uint64_t> block(64);
  std::uint64_t acc = 0;
  for (int b = 0; b < blocks; ++b) {
    fill_block(block, static_cast<std::uint64_t>(id) * 1000003u + static_cast<std::uint64_t>(b));
    sort_block(block);
    acc ^= checksum_block(block);
  }
  return acc;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 4;
  const int blocks = argc > 2 ? std::atoi(argv[2]) : 100;
  std::vector<std::thread> pool;
  std::vector<std::uint64_t> results(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { results[static_cast<std::size_t>(t)] = worker(t, blocks); });
  for (auto& th : pool) th.join();
  std::uint64_t all = 0;
  for (auto r : results) all ^= r;
  std::printf("workers: %d threads x %d blocks, result %016llx\n", threads, blocks,
              static_cast<unsigned long long>(all));
  std::printf("calls: mix=%ld fill_block=%ld sort_block=%ld checksum_block=%ld worker=%d\n",
              g_mix_calls.load(), g_fill_calls.load(), g_sort_calls.load(), g_checksum_calls.load(), threads);
  return 0;
}

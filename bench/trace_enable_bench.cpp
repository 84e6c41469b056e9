// Batching: load a DSO with 100,000 instrumented functions (scan + prepare
// happen inside dlopen), then enable and disable all its sites, each as one
// batch, and print how long each step took.
//   trace_enable_bench PATH_TO_libmany_functions.so [ROUNDS]
#include <dlfcn.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "ariadne/trace.hpp"

namespace t = ariadne::trace;

namespace {
double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s libmany_functions.so [ROUNDS]\n", argv[0]);
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  auto start = std::chrono::steady_clock::now();
  void* h = dlopen(argv[1], RTLD_NOW);
  if (h == nullptr) {
    std::fprintf(stderr, "%s\n", dlerror());
    return 1;
  }
  const double load_ms = ms_since(start);
  auto last = reinterpret_cast<int (*)(int)>(dlsym(h, "many_fn_last"));
  long sites = t::for_each_site(
      t::by_module("libmany_functions"), [](const t::Site&, void*) {}, nullptr);
  std::printf("trace-enable: dlopen with scan + prepare of %ld sites: %.1f ms\n", sites, load_ms);
  t::add_entry_handler([](const t::Site&, t::Frame&, void*) {}, nullptr);
  for (int r = 0; r < rounds; ++r) {
    start = std::chrono::steady_clock::now();
    const long on = t::enable(t::by_module("libmany_functions"));
    const double enable_ms = ms_since(start);
    const int v = last(1);  // runs traced
    start = std::chrono::steady_clock::now();
    const long off = t::disable(t::by_module("libmany_functions"));
    const double disable_ms = ms_since(start);
    std::printf(
        "trace-enable: round %d: enable %ld sites %.1f ms (%.0f ns/site), disable %ld sites %.1f ms, check "
        "%d\n",
        r, on, enable_ms, enable_ms * 1e6 / static_cast<double>(on), off, disable_ms, v);
  }
  dlclose(h);
  return 0;
}

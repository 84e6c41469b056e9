// A program that uses every kind of process event `ariadne record` follows:
// three worker threads, a fork, and an exec of itself. Every process image
// prints its own exact call counters, one line each, counting only the calls
// it made itself (since its start, or since the fork for the child):
//   counts pid=<pid> image=<main|child|exec> main=<n> worker=<n> compute=<n> square=<n> child_work=<n>
//   exec_work=<n>
// so a recording can be checked against them process by process.
//
//   forkexec [THREADS CALLS CHILD_CALLS EXEC_CALLS]   (defaults 3 100 50 20)
//   forkexec --exec EXEC_CALLS                        (what the child execs)
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

std::atomic<long> g_main{0}, g_worker{0}, g_compute{0}, g_square{0}, g_child_work{0}, g_exec_work{0};
std::atomic<std::uint64_t> g_sink{0};

void print_counts(const char* image) {
  std::printf(
      "counts pid=%d image=%s main=%ld worker=%ld compute=%ld square=%ld child_work=%ld exec_work=%ld\n",
      static_cast<int>(::getpid()), image, g_main.load(), g_worker.load(), g_compute.load(), g_square.load(),
      g_child_work.load(), g_exec_work.load());
  std::fflush(stdout);
}

void reset_counts() {
  for (auto* c : {&g_main, &g_worker, &g_compute, &g_square, &g_child_work, &g_exec_work}) c->store(0);
}

}  // namespace

__attribute__((noinline)) std::uint64_t square(std::uint64_t x) {
  g_square.fetch_add(1, std::memory_order_relaxed);
  return x * x;
}

__attribute__((noinline)) std::uint64_t compute(std::uint64_t x) {
  g_compute.fetch_add(1, std::memory_order_relaxed);
  return square(x + 1) ^ (x >> 3);
}

__attribute__((noinline)) void worker(int id, int calls) {
  g_worker.fetch_add(1, std::memory_order_relaxed);
  std::uint64_t acc = static_cast<std::uint64_t>(id);
  for (int i = 0; i < calls; ++i) acc += compute(acc + static_cast<std::uint64_t>(i));
  g_sink.fetch_add(acc, std::memory_order_relaxed);
}

__attribute__((noinline)) void child_work(int i) {
  g_child_work.fetch_add(1, std::memory_order_relaxed);
  g_sink.fetch_add(static_cast<std::uint64_t>(i), std::memory_order_relaxed);
}

__attribute__((noinline)) void exec_work(int i) {
  g_exec_work.fetch_add(1, std::memory_order_relaxed);
  g_sink.fetch_add(static_cast<std::uint64_t>(i) * 3, std::memory_order_relaxed);
}

int main(int argc, char** argv) {
  g_main.fetch_add(1, std::memory_order_relaxed);
  if (argc == 3 && std::strcmp(argv[1], "--exec") == 0) {
    const int calls = std::atoi(argv[2]);
    for (int i = 0; i < calls; ++i) exec_work(i);
    print_counts("exec");
    return 0;
  }
  const int threads = argc > 1 ? std::atoi(argv[1]) : 3;
  const int calls = argc > 2 ? std::atoi(argv[2]) : 100;
  const int child_calls = argc > 3 ? std::atoi(argv[3]) : 50;
  const int exec_calls = argc > 4 ? std::atoi(argv[4]) : 20;

  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker, t, calls);
  for (auto& t : pool) t.join();

  std::fflush(stdout);
  const pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("forkexec: fork");
    return 1;
  }
  if (pid == 0) {
    reset_counts();  // the child counts its own calls only
    for (int i = 0; i < child_calls; ++i) child_work(i);
    print_counts("child");
    const std::string n = std::to_string(exec_calls);
    ::execl("/proc/self/exe", argv[0], "--exec", n.c_str(), static_cast<char*>(nullptr));
    std::perror("forkexec: exec");
    ::_exit(1);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  print_counts("main");
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

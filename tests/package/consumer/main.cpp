// Spawns fibers through the installed ariadne::fiber and prints a checksum the
// package test compares with the value computed here by hand.
#include <ariadne/fiber.hpp>
#include <cstdio>
#include <vector>

int main() {
  ariadne::fiber::Scheduler sched(2);
  ariadne::fiber::Channel<long> results(4);
  long checksum = 0;
  sched.run([&] {
    std::vector<ariadne::fiber::Fiber> fs;
    for (long i = 1; i <= 8; ++i)
      fs.push_back(ariadne::fiber::spawn("square", [&results, i] {
        ariadne::fiber::this_fiber::yield();
        results.send(i * i);
      }));
    for (int i = 0; i < 8; ++i) checksum += *results.receive();
    for (auto& f : fs) f.join();
  });
  std::printf("checksum=%ld\n", checksum);  // 1+4+...+64 = 204
  return checksum == 204 ? 0 : 1;
}

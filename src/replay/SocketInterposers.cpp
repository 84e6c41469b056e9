// Sockets as a replayable run sees them: made when recording, answered from
// the log in replay (the peer may not exist then), with the fds they made
// taken by stand-ins so the fd table stays the recorded one (see
// SyscallInterposers.cpp).
//
// The program's functions: no runtime/NoLibcSyscalls.hpp (see
// ThreadInterposers.cpp).
#include <dlfcn.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cstdint>
#include <cstring>

#include "replay/Interposer.hpp"
#include "replay/StandIn.hpp"

using namespace ariadne::replay;

namespace {

// An address out (a[i]) and its length in/out (a[i+1]).
template <int I>
int address_out(const Args& a, long r, OutBuf* o) {
  if (r < 0 || a.a[I] == 0 || a.a[I + 1] == 0) return 0;
  auto* len = reinterpret_cast<socklen_t*>(a.a[I + 1]);
  o[0] = {len, sizeof *len};
  o[1] = {reinterpret_cast<void*>(a.a[I]), *len};
  return 2;
}

}  // namespace

ARIADNE_REPLAY_EXPORT int socket(int domain, int type, int protocol) {
  static const auto real = next<decltype(&::socket)>("socket");
  ReplayThread* me = self();
  if (me == nullptr) return real(domain, type, protocol);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1]), static_cast<int>(x.a[2]));
         },
         {static_cast<std::uint64_t>(domain), static_cast<std::uint64_t>(type),
          static_cast<std::uint64_t>(protocol)}};
  const long fd = logged(me, SYS_socket, false, false, a, 3, nullptr);
  stand_in(fd);
  return static_cast<int>(fd);
}

ARIADNE_REPLAY_EXPORT int bind(int fd, const struct sockaddr* addr, socklen_t len) {
  static const auto real = next<decltype(&::bind)>("bind");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, addr, len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const struct sockaddr*>(x.a[1]),
                       static_cast<socklen_t>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), word(addr), len}};
  return static_cast<int>(logged(me, SYS_bind, false, false, a, 3, nullptr, addr, len));
}

ARIADNE_REPLAY_EXPORT int listen(int fd, int backlog) {
  static const auto real = next<decltype(&::listen)>("listen");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, backlog);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1])); },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(backlog)}};
  return static_cast<int>(logged(me, SYS_listen, false, false, a, 2, nullptr));
}

ARIADNE_REPLAY_EXPORT int getsockname(int fd, struct sockaddr* addr, socklen_t* len) {
  static const auto real = next<decltype(&::getsockname)>("getsockname");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, addr, len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<struct sockaddr*>(x.a[1]),
                       reinterpret_cast<socklen_t*>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), word(addr), word(len)}};
  return static_cast<int>(logged(me, SYS_getsockname, false, false, a, 3, address_out<1>));
}

ARIADNE_REPLAY_EXPORT int setsockopt(int fd, int level, int name, const void* value, socklen_t len) {
  static const auto real = next<decltype(&::setsockopt)>("setsockopt");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, level, name, value, len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1]), static_cast<int>(x.a[2]),
                       reinterpret_cast<const void*>(x.a[3]), static_cast<socklen_t>(x.a[4]));
         },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(level), static_cast<std::uint64_t>(name),
          word(value), len}};
  return static_cast<int>(logged(me, SYS_setsockopt, false, false, a, 5, nullptr, value, len));
}

ARIADNE_REPLAY_EXPORT int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  static const auto real = next<decltype(&::accept4)>("accept4");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, addr, len, flags);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<struct sockaddr*>(x.a[1]),
                       reinterpret_cast<socklen_t*>(x.a[2]), static_cast<int>(x.a[3]));
         },
         {static_cast<std::uint64_t>(fd), word(addr), word(len), static_cast<std::uint64_t>(flags)}};
  const long r = logged(me, SYS_accept4, true, false, a, 4, address_out<1>);
  stand_in(r);
  return static_cast<int>(r);
}

ARIADNE_REPLAY_EXPORT int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  return accept4(fd, addr, len, 0);
}

ARIADNE_REPLAY_EXPORT int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  static const auto real = next<decltype(&::connect)>("connect");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, addr, len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const struct sockaddr*>(x.a[1]),
                       static_cast<socklen_t>(x.a[2]));
         },
         {static_cast<std::uint64_t>(fd), word(addr), len}};
  return static_cast<int>(logged(me, SYS_connect, true, false, a, 3, nullptr, addr, len));
}

ARIADNE_REPLAY_EXPORT ssize_t sendto(int fd, const void* buf, size_t n, int flags, const struct sockaddr* to,
                                     socklen_t to_len) {
  static const auto real = next<decltype(&::sendto)>("sendto");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n, flags, to, to_len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<const void*>(x.a[1]), x.a[2],
                       static_cast<int>(x.a[3]), reinterpret_cast<const struct sockaddr*>(x.a[4]),
                       static_cast<socklen_t>(x.a[5]));
         },
         {static_cast<std::uint64_t>(fd), word(buf), n, static_cast<std::uint64_t>(flags), word(to), to_len}};
  return logged(me, SYS_sendto, true, false, a, 6, nullptr, buf, n);
}

ARIADNE_REPLAY_EXPORT ssize_t send(int fd, const void* buf, size_t n, int flags) {
  return sendto(fd, buf, n, flags, nullptr, 0);
}

ARIADNE_REPLAY_EXPORT ssize_t recvfrom(int fd, void* buf, size_t n, int flags, struct sockaddr* from,
                                       socklen_t* from_len) {
  static const auto real = next<decltype(&::recvfrom)>("recvfrom");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, buf, n, flags, from, from_len);
  Args a{[](const Args& x) -> long {
           return real(static_cast<int>(x.a[0]), reinterpret_cast<void*>(x.a[1]), x.a[2],
                       static_cast<int>(x.a[3]), reinterpret_cast<struct sockaddr*>(x.a[4]),
                       reinterpret_cast<socklen_t*>(x.a[5]));
         },
         {static_cast<std::uint64_t>(fd), word(buf), n, static_cast<std::uint64_t>(flags), word(from),
          word(from_len)}};
  // The sender's address is not kept (rarely asked for with TCP): only the bytes.
  return logged(me, SYS_recvfrom, true, false, a, 6, result_bytes);
}

ARIADNE_REPLAY_EXPORT ssize_t recv(int fd, void* buf, size_t n, int flags) {
  return recvfrom(fd, buf, n, flags, nullptr, nullptr);
}

ARIADNE_REPLAY_EXPORT int shutdown(int fd, int how) {
  static const auto real = next<decltype(&::shutdown)>("shutdown");
  ReplayThread* me = self();
  if (me == nullptr) return real(fd, how);
  Args a{[](const Args& x) -> long { return real(static_cast<int>(x.a[0]), static_cast<int>(x.a[1])); },
         {static_cast<std::uint64_t>(fd), static_cast<std::uint64_t>(how)}};
  return static_cast<int>(logged(me, SYS_shutdown, false, false, a, 2, nullptr));
}

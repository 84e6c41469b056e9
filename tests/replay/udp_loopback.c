// udp_loopback: two UDP sockets on 127.0.0.1 (ports from the kernel) trade
// datagrams with sendto and recvfrom from two threads; each reply carries a
// running checksum of what the replier received. Prints the replies.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replay_common.h"

#define ROUNDS 8

static int g_srv;

REPLAY_FN static unsigned sum_bytes(const char* s, ssize_t n, unsigned acc) {
  for (ssize_t i = 0; i < n; ++i) acc = acc * 31 + (unsigned char)s[i];
  return acc;
}

REPLAY_FN static void* replier(void* arg) {
  (void)arg;
  unsigned acc = 7;
  char buf[64], out[64];
  for (int i = 0; i < ROUNDS; ++i) {
    struct sockaddr_in from;
    socklen_t len = sizeof from;
    ssize_t n = recvfrom(g_srv, buf, sizeof buf, 0, (struct sockaddr*)&from, &len);
    CHECK(n > 0);
    acc = sum_bytes(buf, n, acc);
    int m = snprintf(out, sizeof out, "ack %d len %zd sum %08x", i, n, acc);
    CHECK(sendto(g_srv, out, (size_t)m, 0, (struct sockaddr*)&from, len) == m);
  }
  return NULL;
}

static int bound_socket(struct sockaddr_in* a) {
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(s >= 0);
  memset(a, 0, sizeof *a);
  a->sin_family = AF_INET;
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(s, (struct sockaddr*)a, sizeof *a) == 0);
  socklen_t len = sizeof *a;
  CHECK(getsockname(s, (struct sockaddr*)a, &len) == 0);
  return s;
}

int main(void) {
  struct sockaddr_in srv, cli;
  g_srv = bound_socket(&srv);
  int c = bound_socket(&cli);
  pthread_t t;
  CHECK(pthread_create(&t, NULL, replier, NULL) == 0);
  char msg[64], reply[64];
  for (int i = 0; i < ROUNDS; ++i) {
    int m = snprintf(msg, sizeof msg, "datagram %d %.*s", i, i, "abcdefgh");
    CHECK(sendto(c, msg, (size_t)m, 0, (struct sockaddr*)&srv, sizeof srv) == m);
    ssize_t n = recvfrom(c, reply, sizeof reply - 1, 0, NULL, NULL);
    CHECK(n > 0);
    reply[n] = 0;
    printf("reply: %s\n", reply);
  }
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(close(c) == 0 && close(g_srv) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}

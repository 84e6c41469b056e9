// tcp_loopback: a server thread listens on 127.0.0.1 port 0 (getsockname
// gives the port), accepts one client, and answers each message (recv) with
// it upper-cased (send); the client connects and sends five messages. Prints
// the exchange (not the port, which differs natively from run to run).
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replay_common.h"

#define MSG 16
#define MSGS 5

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_ready = PTHREAD_COND_INITIALIZER;
static int g_port;

REPLAY_FN static void recv_all(int fd, char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = recv(fd, buf, len, 0);
    CHECK(n > 0);
    buf += n;
    len -= (size_t)n;
  }
}

REPLAY_FN static void send_all(int fd, const char* buf, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, buf, len, 0);
    CHECK(n > 0);
    buf += n;
    len -= (size_t)n;
  }
}

REPLAY_FN static void* server(void* arg) {
  (void)arg;
  int s = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(s >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(bind(s, (struct sockaddr*)&a, sizeof a) == 0);
  CHECK(listen(s, 1) == 0);
  socklen_t len = sizeof a;
  CHECK(getsockname(s, (struct sockaddr*)&a, &len) == 0);
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  g_port = ntohs(a.sin_port);
  CHECK(pthread_cond_signal(&g_ready) == 0);
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  int c = accept(s, NULL, NULL);
  CHECK(c >= 0);
  char buf[MSG];
  for (int i = 0; i < MSGS; ++i) {
    recv_all(c, buf, MSG);
    for (int j = 0; j < MSG; ++j) buf[j] = (char)toupper((unsigned char)buf[j]);
    send_all(c, buf, MSG);
  }
  CHECK(close(c) == 0 && close(s) == 0);
  return NULL;
}

int main(void) {
  pthread_t t;
  CHECK(pthread_create(&t, NULL, server, NULL) == 0);
  CHECK(pthread_mutex_lock(&g_lock) == 0);
  while (g_port == 0) CHECK(pthread_cond_wait(&g_ready, &g_lock) == 0);
  int port = g_port;
  CHECK(pthread_mutex_unlock(&g_lock) == 0);
  printf("server port: %s\n", port > 0 ? "nonzero" : "zero");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(c >= 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CHECK(connect(c, (struct sockaddr*)&a, sizeof a) == 0);
  char msg[MSG + 1], reply[MSG + 1];
  for (int i = 0; i < MSGS; ++i) {
    snprintf(msg, sizeof msg, "hello number %03d", i);
    send_all(c, msg, MSG);
    recv_all(c, reply, MSG);
    reply[MSG] = 0;
    printf("sent '%s', got '%s'\n", msg, reply);
  }
  CHECK(close(c) == 0);
  CHECK(pthread_join(t, NULL) == 0);
  printf("EXIT-SUCCESS\n");
  return 0;
}

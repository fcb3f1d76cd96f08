// blast: send one raw Ethernet frame as fast as possible for a while.
//   blast IFACE SECONDS HEXFRAME   -> prints the number of frames sent
// AF_PACKET with PACKET_QDISC_BYPASS and sendmmsg batches of 64: the
// sender costs little, so the receive path (the thing being measured)
// is the bottleneck. Part of netfence's benchmark; see bench/README.md.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: blast IFACE SECONDS HEXFRAME\n");
    return 2;
  }
  size_t hexlen = strlen(argv[3]);
  if (hexlen % 2 || hexlen / 2 > 1514 || hexlen < 28) {
    fprintf(stderr, "blast: bad frame\n");
    return 2;
  }
  unsigned char frame[1514];
  size_t len = hexlen / 2;
  for (size_t i = 0; i < len; i++) sscanf(argv[3] + 2 * i, "%2hhx", &frame[i]);

  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) { perror("socket"); return 1; }
  int one = 1;
  setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
  struct sockaddr_ll sll = {0};
  sll.sll_family = AF_PACKET;
  sll.sll_ifindex = if_nametoindex(argv[1]);
  if (!sll.sll_ifindex) { perror("if_nametoindex"); return 1; }
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) { perror("bind"); return 1; }

  enum { BATCH = 64 };
  struct iovec iov = {frame, len};
  struct mmsghdr msgs[BATCH];
  memset(msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++) { msgs[i].msg_hdr.msg_iov = &iov; msgs[i].msg_hdr.msg_iovlen = 1; }

  double end = now() + atof(argv[2]);
  unsigned long long sent = 0;
  while (now() < end) {
    int n = sendmmsg(fd, msgs, BATCH, 0);
    if (n > 0) sent += n;
    else if (n < 0 && errno != ENOBUFS && errno != EAGAIN) { perror("sendmmsg"); return 1; }
  }
  printf("%llu\n", sent);
  return 0;
}

/* A raw-packet MQTT 3.1.1 load generator, sharing no code with tern (its own
 * encoder and decoder, plain sockets and poll): P publishers write as fast
 * as their sockets take it (QoS 1/2: at most W unacknowledged each) into S
 * subscribers on "load/#" that acknowledge at once. One thread, so the
 * broker, not the generator, is what runs out of breath first.
 *
 * With MQTT_FLOOD_VERSION=5 it speaks MQTT 5.0 (empty property blocks).
 *
 * usage: bench_mqtt_flood PORT[:SUBPORT] QOS PUBLISHERS SUBSCRIBERS MESSAGES [WINDOW [SIZE]]
 *        bench_mqtt_flood PORT rtt MESSAGES      (QoS 1, one in flight: latency)
 * prints: sent N acked N received N expected N lost N dup N seconds S msgs_per_s R
 *         (rtt: p50_us X p99_us Y) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct conn {
  int fd, is_pub, idx;
  unsigned char *in;
  size_t in_len, in_cap;
  unsigned char *out;
  size_t out_len, out_off, out_cap;
  long next, acked, inflight; /* publisher */
  uint16_t pid;
  long received;       /* subscriber */
  unsigned char *seen; /* subscriber: one byte per (publisher, message) */
  double *sent_at;     /* rtt */
};

static int qos, npub, nsub, window = 32, size = 32, rtt_mode, v5;
static long msgs;
static double *lat;
static long nlat;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static void put(struct conn *c, const void *d, size_t n) {
  if (c->out_len + n > c->out_cap) {
    c->out_cap = (c->out_len + n) * 2;
    c->out = realloc(c->out, c->out_cap);
  }
  memcpy(c->out + c->out_len, d, n);
  c->out_len += n;
}

/* fixed header + remaining length */
static void head(struct conn *c, unsigned char first, size_t len) {
  unsigned char h[5] = {first};
  int n = 1;
  do {
    h[n] = len & 127;
    len >>= 7;
    if (len) h[n] |= 128;
    n++;
  } while (len);
  put(c, h, (size_t)n);
}

static void str(struct conn *c, const char *s) {
  unsigned char l[2] = {(unsigned char)(strlen(s) >> 8), (unsigned char)strlen(s)};
  put(c, l, 2);
  put(c, s, strlen(s));
}

static void ack(struct conn *c, unsigned char type_flags, const unsigned char *id) {
  unsigned char p[4] = {type_flags, 2, id[0], id[1]};
  put(c, p, 4);
}

static void flush_out(struct conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL);
    if (n <= 0) break;
    c->out_off += (size_t)n;
  }
  if (c->out_off == c->out_len) c->out_off = c->out_len = 0;
}

static int dial(int port, const char *id, int keepalive) {
  int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
    perror("connect");
    exit(1);
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  struct conn tmp = {0};
  size_t len = 10 + (size_t)v5 + 2 + strlen(id);
  head(&tmp, 0x10, len);
  str(&tmp, "MQTT");
  unsigned char v[5] = {v5 ? 5 : 4, 2, (unsigned char)(keepalive >> 8), (unsigned char)keepalive,
                        0};
  put(&tmp, v, v5 ? 5 : 4); /* 5.0: an empty property block */
  str(&tmp, id);
  /* CONNACK: 2 bytes of header (its length is below 128), then the body;
   * its second byte is the return code (5.0: the reason code) */
  unsigned char ca[130];
  if (write(fd, tmp.out, tmp.out_len) != (ssize_t)tmp.out_len || read(fd, ca, 2) != 2 ||
      ca[1] < 2 || ca[1] > 127 || read(fd, ca + 2, ca[1]) != ca[1] || ca[3] != 0) {
    fprintf(stderr, "CONNECT refused\n");
    exit(1);
  }
  free(tmp.out);
  return fd;
}

static void publish_one(struct conn *c) {
  char payload[65536];
  int n = snprintf(payload, sizeof(payload), "%d:%ld:", c->idx, c->next);
  if (n < size) {
    memset(payload + n, '.', (size_t)(size - n));
    n = size;
  }
  char topic[32];
  snprintf(topic, sizeof(topic), "load/%d", c->idx);
  size_t len = 2 + strlen(topic) + (qos ? 2 : 0) + (size_t)v5 + (size_t)n;
  head(c, (unsigned char)(0x30 | (qos << 1)), len);
  str(c, topic);
  if (qos) {
    c->pid = (uint16_t)(c->pid % 65535 + 1);
    unsigned char id[2] = {(unsigned char)(c->pid >> 8), (unsigned char)c->pid};
    put(c, id, 2);
    c->inflight++;
  }
  if (v5) put(c, "", 1); /* no properties */
  put(c, payload, (size_t)n);
  if (rtt_mode) c->sent_at[c->next] = now_s();
  c->next++;
  if (!qos) c->acked++;
}

static void on_packet(struct conn *c, struct conn *pubs, unsigned char first,
                      const unsigned char *b, size_t len) {
  int type = first >> 4;
  if (type == 3) { /* PUBLISH to a subscriber */
    int q = (first >> 1) & 3;
    size_t tl = (size_t)b[0] << 8 | b[1], at = 2 + tl + (q ? 2 : 0);
    if (v5) { /* skip the property block: its length, then itself */
      size_t plen = 0, shift = 0;
      while (at < len && (b[at] & 128)) plen |= (size_t)(b[at++] & 127) << shift, shift += 7;
      if (at < len) plen |= (size_t)(b[at++] & 127) << shift;
      at += plen;
    }
    if (at > len) at = len;
    char text[32] = "";
    memcpy(text, b + at, len - at < 31 ? len - at : 31);
    int p = atoi(text);
    long i = atol(strchr(text, ':') ? strchr(text, ':') + 1 : "0");
    if (p >= 0 && p < npub && i >= 0 && i < msgs) {
      if (c->seen[(long)p * msgs + i] < 255) c->seen[(long)p * msgs + i]++;
      if (rtt_mode) lat[nlat++] = now_s() - pubs[p].sent_at[i];
    }
    c->received++;
    if (q == 1) ack(c, 0x40, b + 2 + tl);
    if (q == 2) ack(c, 0x50, b + 2 + tl);
  } else if (type == 6) { /* PUBREL -> PUBCOMP */
    ack(c, 0x70, b);
  } else if (type == 4 || type == 7) { /* PUBACK / PUBCOMP to a publisher */
    c->acked++;
    c->inflight--;
  } else if (type == 5) { /* PUBREC -> PUBREL */
    ack(c, 0x62, b);
  }
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  v5 = getenv("MQTT_FLOOD_VERSION") && !strcmp(getenv("MQTT_FLOOD_VERSION"), "5");
  if (argc >= 4 && !strcmp(argv[2], "rtt")) {
    rtt_mode = 1, qos = 1, npub = 1, nsub = 1, window = 1, msgs = atol(argv[3]);
  } else if (argc >= 6) {
    qos = atoi(argv[2]), npub = atoi(argv[3]), nsub = atoi(argv[4]), msgs = atol(argv[5]);
    if (argc > 6) window = atoi(argv[6]);
    if (argc > 7) size = atoi(argv[7]);
  } else {
    fprintf(stderr,
            "usage: bench_mqtt_flood PORT[:SUBPORT] QOS PUBS SUBS MESSAGES [WINDOW [SIZE]] | "
            "PORT rtt N\n");
    return 2;
  }
  /* PORT, or PUBPORT:SUBPORT (a bridge: publish to the edge, read upstream) */
  int port = atoi(argv[1]), n = npub + nsub;
  int sub_port = strchr(argv[1], ':') ? atoi(strchr(argv[1], ':') + 1) : port;
  struct conn *cs = calloc((size_t)n, sizeof(*cs));
  struct pollfd *pf = calloc((size_t)n, sizeof(*pf));
  if (rtt_mode) lat = calloc((size_t)msgs, sizeof(double));
  for (int i = 0; i < nsub; i++) { /* subscribers first, SUBACK awaited */
    struct conn *c = &cs[npub + i];
    char id[32];
    snprintf(id, sizeof(id), "flood-sub-%d", i);
    c->fd = dial(sub_port, id, 600);
    c->idx = i;
    c->seen = calloc((size_t)npub * (size_t)msgs, 1);
    head(c, 0x82, 2 + (size_t)v5 + 2 + 6 + 1);
    unsigned char pid[2] = {0, 1}, q = (unsigned char)qos;
    put(c, pid, 2);
    if (v5) put(c, "", 1);
    str(c, "load/#");
    put(c, &q, 1);
    unsigned char sa[130]; /* SUBACK: header, then its body (5.0: with properties) */
    if (write(c->fd, c->out, c->out_len) != (ssize_t)c->out_len || read(c->fd, sa, 2) != 2 ||
        sa[1] > 127 || read(c->fd, sa + 2, sa[1]) != sa[1])
      return 1;
    c->out_len = 0;
  }
  for (int i = 0; i < npub; i++) {
    char id[32];
    snprintf(id, sizeof(id), "flood-pub-%d", i);
    cs[i].fd = dial(port, id, 600);
    cs[i].is_pub = 1;
    cs[i].idx = i;
    if (rtt_mode) cs[i].sent_at = calloc((size_t)msgs, sizeof(double));
  }
  double start = now_s(), last_change = start;
  long expected_total = 0, last_total = -1;
  for (;;) {
    long acked = 0, received = 0;
    int pubs_done = 1;
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[i];
      if (c->is_pub) {
        while (c->next < msgs && (qos == 0 ? c->out_len < 65536 : c->inflight < window))
          publish_one(c);
        pubs_done &= c->next == msgs && c->acked == msgs;
        acked += c->acked;
      } else {
        received += c->received;
      }
      pf[i].fd = c->fd;
      pf[i].events = POLLIN | (c->out_len > c->out_off ? POLLOUT : 0);
    }
    expected_total = acked * nsub;
    if (pubs_done && received >= expected_total) break;
    if (acked + received != last_total) last_total = acked + received, last_change = now_s();
    if (now_s() - last_change > 10) break; /* stuck: report what arrived */
    poll(pf, (nfds_t)n, 100);
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[i];
      if (pf[i].revents & POLLOUT) flush_out(c);
      if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (c->in_cap - c->in_len < 65536) c->in = realloc(c->in, c->in_cap = c->in_cap * 2 + 131072);
      ssize_t got = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
      if (got <= 0) continue;
      c->in_len += (size_t)got;
      size_t off = 0;
      while (c->in_len - off >= 2) {
        size_t len = 0, i2 = 1, mult = 1;
        while (i2 < c->in_len - off && i2 < 5) {
          len += (c->in[off + i2] & 127) * mult;
          mult *= 128;
          if (!(c->in[off + i2++] & 128)) break;
        }
        if (c->in_len - off < i2 + len || (c->in[off + i2 - 1] & 128)) break;
        on_packet(c, cs, c->in[off], c->in + off + i2, len);
        off += i2 + len;
      }
      memmove(c->in, c->in + off, c->in_len - off);
      c->in_len -= off;
      flush_out(c);
    }
  }
  double took = now_s() - start;
  long sent = 0, acked = 0, received = 0, lost = 0, dup = 0;
  for (int i = 0; i < npub; i++) sent += cs[i].next, acked += cs[i].acked;
  for (int s = 0; s < nsub; s++) {
    struct conn *c = &cs[npub + s];
    received += c->received;
    for (int p = 0; p < npub; p++)
      for (long m = 0; m < cs[p].acked; m++) {
        unsigned char v = c->seen[(long)p * msgs + m];
        lost += v == 0;
        dup += v > 1 ? v - 1 : 0;
      }
  }
  printf(
      "sent %ld acked %ld received %ld expected %ld lost %ld dup %ld seconds %.3f msgs_per_s %.0f",
      sent, acked, received, acked * nsub, lost, dup, took, received / took);
  if (rtt_mode && nlat) {
    qsort(lat, (size_t)nlat, sizeof(double), cmp_d);
    printf(" p50_us %.0f p99_us %.0f", lat[nlat / 2] * 1e6, lat[nlat * 99 / 100] * 1e6);
  }
  printf("\n");
  return lost ? 1 : 0;
}

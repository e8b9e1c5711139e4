/* tern demo: the whole system on this machine, nothing sent off it. An
 * embedded broker and an SNTP server on free loopback ports, a virtual
 * device (tern device, a child process) on lo, and the host (in this
 * process) that collects the samples, writes demo.png and demo.csv and
 * serves a live dashboard. */
#define _GNU_SOURCE
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "app.h"
#include "demo.h"
#include "host.h"
#include "tern/broker.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/log.h"
#include "tern/sntp.h"
#include "tern/url.h"

extern char **environ;

static const char usage[] =
    "usage: tern demo [--exit] [--mcu [--firmware ELF]] [--broker URL] [--session S]\n"
    "                 [--samples N] [--period-ms MS] [-v]\n"
    "Runs, on this machine only: a broker and an SNTP server on free loopback ports, a\n"
    "virtual device on lo (mDNS on lo, console and LED page on 127.0.0.1) and the host.\n"
    "The device publishes N samples (default 100) of sin(t/10); the host writes demo.png\n"
    "and demo.csv here and serves a live dashboard until Ctrl-C.\n"
    "  --exit        end after the plot (for scripts and CI)\n"
    "  --mcu         the device as firmware on an emulated Cortex-M4 board (QEMU's\n"
    "                mps2-an386, user networking: console and LED page forwarded to\n"
    "                loopback ports; every frame recorded and checked to stay local)\n"
    "                As root: a TAP interface made for the run instead (DHCP by dnsmasq\n"
    "                on it, mDNS: NAME.local), removed at the end; --usernet: no TAP\n"
    "  --firmware F  the image for --mcu (build-fw/tern-device.elf: make firmware)\n"
    "  --capture F   keep the board's recorded frames in F (pcap)\n"
    "  --broker URL  use this broker instead of the embedded one (with --mcu: one on\n"
    "                127.0.0.1)\n";

/* A free TCP port on 127.0.0.1 (the kernel picks; we hand it to the device). */
static int free_port(struct tern_loop *loop) {
  struct tern_conn *l = tern_listen(loop, "tcp://127.0.0.1:0", NULL, NULL);
  if (!l) return -1;
  int port = l->local.port;
  tern_close_now(l);
  return port;
}

int cmd_demo(int argc, char **argv) {
  const char *broker_url = NULL, *session = "demo", *firmware = NULL, *capture = NULL;
  int exit_after = 0, samples = 100, period = 20, verbose = 0, bad = 0, mcu = 0, usernet = 0;
  for (int i = 1; i < argc; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "--exit")) exit_after = 1;
    else if (!strcmp(argv[i], "--mcu")) mcu = 1;
    else if (!strcmp(argv[i], "--usernet")) usernet = 1;
    else if ((v = app_opt(argc, argv, &i, "--firmware", &bad))) firmware = v;
    else if ((v = app_opt(argc, argv, &i, "--capture", &bad))) capture = v;
    else if (!strcmp(argv[i], "-v")) verbose = 1;
    else if ((v = app_opt(argc, argv, &i, "--broker", &bad))) broker_url = v;
    else if ((v = app_opt(argc, argv, &i, "--session", &bad))) session = v;
    else if ((v = app_opt(argc, argv, &i, "--samples", &bad))) samples = atoi(v);
    else if ((v = app_opt(argc, argv, &i, "--period-ms", &bad))) period = atoi(v);
    else if (bad) return 2;
    else return app_bad_flag("demo", argv[i]);
    if (bad) return 2;
  }
  if (samples < 1 || period < 1) {
    fprintf(stderr, "tern demo: --samples and --period-ms must be positive\n");
    return 2;
  }
  char image[600];
  if (mcu && demo_mcu_find_image(firmware, image, sizeof(image)) != 0) {
    fprintf(stderr, "tern demo: no firmware image %s (make firmware, or --firmware FILE)\n",
            firmware ? firmware : "in build-fw/");
    return 2;
  }
  struct tern_url bu;
  if (mcu && broker_url &&
      (tern_url_parse(broker_url, strlen(broker_url), &bu) != 0 ||
       !(tern_str_eq(bu.host, "127.0.0.1") || tern_str_eq(bu.host, "localhost")) ||
       !tern_str_eq(bu.scheme, "mqtt"))) {
    fprintf(stderr, "tern demo: with --mcu, the board reaches a broker on this machine only: "
                    "--broker mqtt://127.0.0.1:PORT\n");
    return 2;
  }
  setvbuf(stdout, NULL, _IOLBF, 0);
  struct tern_loop *loop = app_loop_new(NULL);
  tern_log_set(loop, verbose ? TERN_LOG_INFO : TERN_LOG_WARN, NULL, NULL);
  printf("[demo] everything runs on this machine%s\n", mcu ? "" : ": loopback only");

  /* a console password, generated for this run */
  char dir[] = "/tmp/tern-demo-XXXXXX", pwfile[64], password[16];
  if (!mkdtemp(dir)) {
    perror("tern demo: mkdtemp");
    return 1;
  }
  snprintf(pwfile, sizeof(pwfile), "%s/passwd", dir);
  uint8_t r[12];
  FILE *rnd = fopen("/dev/urandom", "rb");
  if (!rnd || fread(r, 1, sizeof(r), rnd) != sizeof(r)) {
    fprintf(stderr, "tern demo: no randomness\n");
    return 1;
  }
  fclose(rnd);
  static const char alphabet[] = "abcdefghijkmnopqrstuvwxyz23456789";
  for (int i = 0; i < 10; i++) password[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
  password[10] = '\0';
  if (tern_pwfile_set(pwfile, "admin", password, 1) != 0) {
    fprintf(stderr, "tern demo: cannot write %s\n", pwfile);
    return 1;
  }

  /* TAP mode, as root: the board on a link of its own (--usernet: QEMU's NAT anyway) */
  static struct demo_tap tap;
  if (mcu && !usernet && geteuid() == 0) {
    char why[160];
    if (demo_tap_setup(&tap, dir, why, sizeof(why)) != 0) {
      printf("[demo] TAP mode: %s; QEMU's user networking instead\n", why);
    } else {
      printf("[demo] TAP mode (root): the board on %s, this machine at %s, DHCP by dnsmasq on "
             "that interface only\n",
             tap.ifname, tap.host_ip);
    }
  }
  char tap_listen[64] = "";
  if (tap.up) snprintf(tap_listen, sizeof(tap_listen), "tcp://%s:0", tap.host_ip);

  /* the broker */
  struct tern_broker *broker = NULL;
  char url[300];
  if (broker_url) {
    snprintf(url, sizeof(url), "%s", broker_url);
    printf("[demo] broker: %s (external)\n", url);
  } else {
    /* loopback only (and the TAP link's own address in TAP mode) */
    struct tern_broker_opts bo = {.listeners = {{.url = "tcp://127.0.0.1:0"}, {.url = NULL}},
                                  .auth = {.allow_anonymous = 1}};
    if (tap.up) bo.listeners[1].url = tap_listen;
    int err;
    broker = tern_broker_start(loop, &bo, &err);
    if (!broker) {
      fprintf(stderr, "tern demo: broker: %s\n", tern_strerror(err));
      return 1;
    }
    snprintf(url, sizeof(url), "mqtt://127.0.0.1:%u", tern_broker_port(broker, 0));
    if (tap.up) {
      printf("[demo] broker: tern broker on 127.0.0.1:%u, and on %s:%u for the board\n",
             tern_broker_port(broker, 0), tap.host_ip, tern_broker_port(broker, 1));
    } else {
      printf("[demo] broker: tern broker on 127.0.0.1:%u\n", tern_broker_port(broker, 0));
    }
  }
  /* the time server the device syncs from */
  struct tern_sntp_server *ntp = tern_sntp_server_start(loop, "udp://127.0.0.1:0", 2);
  if (!ntp) {
    fprintf(stderr, "tern demo: cannot start the SNTP server\n");
    return 1;
  }
  printf("[demo] SNTP server on 127.0.0.1:%u\n", tern_sntp_server_port(ntp));
  struct tern_sntp_server *tap_ntp = NULL;
  if (tap.up) {
    char u[64];
    snprintf(u, sizeof(u), "udp://%s:0", tap.host_ip);
    tap_ntp = tern_sntp_server_start(loop, u, 2);
    if (tap_ntp)
      printf("[demo] SNTP server on %s:%u for the board\n", tap.host_ip,
             tern_sntp_server_port(tap_ntp));
  }

  /* the host: subscribed before the device starts, so no sample is missed */
  static struct host h;
  memset(&h, 0, sizeof(h));
  snprintf(h.session, sizeof(h.session), "%s", session);
  h.png = "demo.png";
  h.csv = "demo.csv";
  h.width = 800;
  h.height = 600;
  h.quiet = 1;
  int rc = host_start(&h, loop, url, NULL);
  if (rc) {
    fprintf(stderr, "tern demo: host cannot connect to %s: %s\n", url, tern_strerror(rc));
    return 1;
  }
  host_serve_http(&h, "tcp://127.0.0.1:0");
  printf("[demo] host: subscribed to %s/data and %s/plot\n", session, session);

  char cport[16], hport[16];
  snprintf(cport, sizeof(cport), "%d", free_port(loop));
  snprintf(hport, sizeof(hport), "%d", free_port(loop));
  tern_loop_poll(loop, 0); /* the two probe listeners close here, before the device binds */
  pid_t dev = 0;
  static struct demo_mcu board;
  if (mcu) {
    char hash[200] = "";
    FILE *pf = fopen(pwfile, "r");
    if (!pf || !fgets(hash, sizeof(hash), pf)) {
      fprintf(stderr, "tern demo: cannot read %s\n", pwfile);
      return 1;
    }
    fclose(pf);
    hash[strcspn(hash, "\r\n")] = '\0';
    struct demo_mcu_opts mo = {.image = image,
                               .dir = dir,
                               .name = session,
                               .password_hash = strchr(hash, ':') ? strchr(hash, ':') + 1 : hash,
                               .broker_port =
                                   broker ? tern_broker_port(broker, tap.up ? 1 : 0) : bu.port,
                               .ntp_port = tern_sntp_server_port(tap_ntp ? tap_ntp : ntp),
                               .tap = tap.up ? tap.ifname : NULL,
                               .host_ip = tap.up ? tap.host_ip : NULL,
                               .console_port = atoi(cport),
                               .http_port = atoi(hport),
                               .samples = samples,
                               .period_ms = period,
                               .capture = capture};
    if (demo_mcu_start(&board, &mo) != 0) {
      perror("tern demo: qemu-system-arm (apt-get install qemu-system-arm)");
      return 1;
    }
    printf("[demo] device: tern firmware on QEMU's mps2-an386 (Cortex-M4, LAN9118), %s\n", image);
    if (tap.up) {
      printf("[demo] the board takes an address on %s by DHCP; every frame is recorded in %s\n",
             tap.ifname, board.pcap);
    } else {
      printf("[demo] the board is 10.0.2.15 behind QEMU's NAT; it reaches this machine as "
             "10.0.2.2; every frame is recorded in %s\n",
             board.pcap);
      printf("[demo] console: telnet 127.0.0.1 %s (forwarded to the board), login admin, "
             "password %s\n",
             cport, password);
    }
  } else {
    /* the device, as its own process */
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) {
      fprintf(stderr, "tern demo: cannot find the tern program\n");
      return 1;
    }
    exe[n] = '\0';
    char ntp_arg[64], samples_arg[16], period_arg[16];
    snprintf(ntp_arg, sizeof(ntp_arg), "127.0.0.1:%u", tern_sntp_server_port(ntp));
    snprintf(samples_arg, sizeof(samples_arg), "%d", samples);
    snprintf(period_arg, sizeof(period_arg), "%d", period);
    char *dargv[] = {exe,
                     "device",
                     "--name",
                     (char *)session,
                     "--iface",
                     "lo",
                     "--ntp",
                     ntp_arg,
                     "--console-port",
                     cport,
                     "--console-user",
                     "admin",
                     "--console-password-file",
                     pwfile,
                     "--http-port",
                     hport,
                     "--broker",
                     url,
                     "--session",
                     (char *)session,
                     "--samples",
                     samples_arg,
                     "--period-ms",
                     period_arg,
                     NULL};
    if (posix_spawn(&dev, exe, NULL, NULL, dargv, environ) != 0) {
      perror("tern demo: device");
      return 1;
    }
    printf("[demo] device: started (pid %d); console: telnet 127.0.0.1 %s, login admin, password "
           "%s\n",
           (int)dev, cport, password);
  }
  if (!tap.up) printf("[demo] LED page: http://127.0.0.1:%s/\n", hport);
  printf("[demo] dashboard: http://127.0.0.1:%u/\n", tern_http_server_port(h.http));

  app_signals(loop);
  uint32_t start = tern_loop_now(loop);
  int ip_shown = 0;
  while (!app_stop && !h.plots) {
    tern_loop_poll(loop, mcu ? 100 : 500);
    if (mcu) demo_mcu_show(&board);
    if (tap.up && board.ip[0] && !ip_shown) { /* the board's own address, from DHCP */
      printf("[demo] console: telnet %s 2323, login admin, password %s\n", board.ip, password);
      printf("[demo] LED page: http://%s/ (or http://%s.local/ by mDNS)\n", board.ip, session);
      ip_shown = 1;
    }
    if (tern_loop_now(loop) - start > 60000u + (uint32_t)(samples * period)) {
      fprintf(stderr, "tern demo: the plot request did not come in time\n");
      break;
    }
  }
  int ok = h.plots > 0;
  if (ok) printf("[demo] wrote demo.png (800x600) and demo.csv (%zu samples)\n", h.series.n);
  if (ok && !exit_after) {
    printf("[demo] serving until Ctrl-C: the dashboard shows the samples, its buttons switch the "
           "LED\n");
    while (!app_stop) {
      tern_loop_poll(loop, mcu ? 200 : 1000);
      if (mcu) demo_mcu_show(&board);
    }
  }
  if (mcu) {
    demo_mcu_stop(&board);
    char bad_addr[64];
    long frames =
        demo_mcu_check_capture(board.pcap, tap.up ? tap.host_ip : NULL, bad_addr, sizeof(bad_addr));
    demo_tap_teardown(&tap);
    if (frames < 0) {
      printf("[demo] the board's traffic: %s: NOT only between the board and this machine\n",
             bad_addr);
      ok = 0;
    } else {
      printf("[demo] the board's traffic: %ld frames recorded, all between the board and this "
             "machine\n",
             frames);
    }
    if (!capture) unlink(board.pcap);
    char log[300];
    snprintf(log, sizeof(log), "%s/board.log", dir);
    unlink(log);
    snprintf(log, sizeof(log), "%s/tern-nvseed.bin", dir);
    unlink(log);
  } else {
    kill(dev, SIGTERM);
    int status = 0;
    for (int i = 0; i < 50 && waitpid(dev, &status, WNOHANG) == 0; i++) tern_loop_poll(loop, 100);
    if (waitpid(dev, &status, WNOHANG) == 0) {
      kill(dev, SIGKILL);
      waitpid(dev, &status, 0);
    }
  }
  host_stop(&h);
  tern_sntp_server_stop(ntp);
  if (tap_ntp) tern_sntp_server_stop(tap_ntp);
  tern_broker_stop(broker);
  tern_loop_poll(loop, 0);
  tern_loop_free(loop);
  unlink(pwfile);
  rmdir(dir);
  return ok ? 0 : 1;
}

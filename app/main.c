/* The tern command: one entry per subcommand, each in its own file. */
#include <stdio.h>
#include <string.h>
#include "app.h"

static const struct tern_cmd commands[] = {
    {"device", "the virtual IoT device: network, mDNS, clock, console, LED page, MQTT", cmd_device},
    {"host", "the host side: subscribe, plot to PNG, CSV, live dashboard", cmd_host},
    {"demo", "the whole system on this machine: broker, device, host, plot", cmd_demo},
    {"broker", "run the MQTT broker", cmd_broker},
    {"fleet", "simulate N devices against a broker or a cluster; count losses", cmd_fleet},
    {"pub", "publish MQTT messages (mosquitto_pub's flags)", cmd_pub},
    {"sub", "subscribe and print MQTT messages (mosquitto_sub's flags)", cmd_sub},
    {"get", "fetch a URL (curl's flags and exit codes)", cmd_get},
    {"post", "POST to a URL (curl's flags and exit codes)", cmd_post},
    {"serve", "serve a directory over HTTP(S)", cmd_serve},
    {"ntp", "get the time from SNTP servers, or serve it", cmd_ntp},
    {"mdns", "advertise NAME.local and services, resolve, browse (mDNS/DNS-SD)", cmd_mdns},
    {"console", "a telnet console with a login", cmd_console},
    {"provision", "write a configuration image for tern's firmware (settings, CA, keys)",
     cmd_provision},
    {"passwd", "manage a password file ($7$ format, as mosquitto_passwd)", cmd_passwd},
};

static void usage(FILE *out) {
  fprintf(out, "usage: tern [--version] [--help] COMMAND [ARGS]\n\ncommands:\n");
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].help);
  fprintf(out, "\n'tern COMMAND --help' shows a command's options.\n");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
    printf("tern %s\n", TERN_VERSION);
    return 0;
  }
  for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
    if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 1, argv + 1);
  fprintf(stderr, "tern: unknown command '%s' (see 'tern --help')\n", argv[1]);
  return 2;
}

/* tern passwd [-c] FILE USER   |   tern passwd -b [-c] FILE USER PASSWORD */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "app.h"
#include "tern/creds.h"
#include "tern/error.h"

static const char usage[] =
    "usage: tern passwd [-c] FILE USER\n"
    "       tern passwd -b [-c] FILE USER PASSWORD\n"
    "Adds or updates USER in FILE, hashed as Mosquitto's $7$ (PBKDF2-SHA512).\n"
    "  -c  create a new file (overwrites an existing one)\n"
    "  -b  batch mode: take the password from the command line\n";

int cmd_passwd(int argc, char **argv) {
  int create = 0, batch = 0, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "-c")) create = 1;
    else if (!strcmp(argv[i], "-b")) batch = 1;
    else return app_bad_flag("passwd", argv[i]);
  }
  int rest = argc - i;
  if (rest != (batch ? 3 : 2)) {
    fputs(usage, stderr);
    return 2;
  }
  const char *file = argv[i], *user = argv[i + 1];
  char pw[256], again[256];
  if (batch) {
    snprintf(pw, sizeof(pw), "%s", argv[i + 2]);
  } else {
    if (app_read_password("Password: ", pw, sizeof(pw)) != 0 ||
        app_read_password("Reenter password: ", again, sizeof(again)) != 0) {
      fprintf(stderr, "tern passwd: no password given\n");
      return 1;
    }
    if (strcmp(pw, again) != 0) {
      fprintf(stderr, "tern passwd: passwords do not match\n");
      return 1;
    }
  }
  if (!pw[0]) {
    fprintf(stderr, "tern passwd: empty password refused\n");
    return 1;
  }
  mode_t old = umask(077); /* the file holds hashes: owner only */
  int rc = tern_pwfile_set(file, user, pw, create);
  umask(old);
  memset(pw, 0, sizeof(pw));
  if (rc) {
    fprintf(stderr, "tern passwd: %s: %s\n", file, tern_strerror(rc));
    return 1;
  }
  return 0;
}

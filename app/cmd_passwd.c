/* tern passwd [-c] FILE USER   |   tern passwd -b [-c] FILE USER PASSWORD
 * tern passwd -D FILE USER      |   tern passwd -U FILE   (mosquitto_passwd's) */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "app.h"
#include "tern/creds.h"
#include "tern/error.h"

static const char usage[] =
    "usage: tern passwd [-c] FILE USER\n"
    "       tern passwd -b [-c] FILE USER PASSWORD\n"
    "       tern passwd -D FILE USER\n"
    "       tern passwd -U FILE\n"
    "Adds or updates USER in FILE, hashed as Mosquitto's $7$ (PBKDF2-SHA512).\n"
    "  -c  create a new file (overwrites an existing one)\n"
    "  -b  batch mode: take the password from the command line\n"
    "  -D  delete USER from FILE\n"
    "  -U  upgrade a file of user:password lines in clear to hashes (lines\n"
    "      already hashed are kept: mosquitto_passwd would hash them again)\n";

int cmd_passwd(int argc, char **argv) {
  int create = 0, batch = 0, del = 0, upgrade = 0, i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if (!strcmp(argv[i], "-c")) create = 1;
    else if (!strcmp(argv[i], "-b")) batch = 1;
    else if (!strcmp(argv[i], "-D")) del = 1;
    else if (!strcmp(argv[i], "-U")) upgrade = 1;
    else return app_bad_flag("passwd", argv[i]);
  }
  if ((del || upgrade) && (create || batch || (del && upgrade))) {
    fprintf(stderr, "tern passwd: -D and -U go alone\n");
    return 2;
  }
  if (del || upgrade) {
    if (argc - i != (del ? 2 : 1)) {
      fputs(usage, stderr);
      return 2;
    }
    int n = 0,
        rc = del ? tern_pwfile_delete(argv[i], argv[i + 1]) : tern_pwfile_upgrade(argv[i], &n);
    if (rc == TERN_ENOTFOUND && del && access(argv[i], F_OK) == 0)
      fprintf(stderr, "tern passwd: user %s not found in %s\n", argv[i + 1], argv[i]);
    else if (rc == TERN_EINVAL && upgrade)
      fprintf(stderr, "tern passwd: %s: a user with an empty password (refused)\n", argv[i]);
    else if (rc) fprintf(stderr, "tern passwd: %s: %s\n", argv[i], tern_strerror(rc));
    return rc ? 1 : 0;
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

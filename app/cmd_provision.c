/* tern provision: a device's settings, CA certificates, broker credentials
 * and console password hash -> one image for a board's configuration area
 * (include/tern/provision.h), so that firmware is configured without being
 * rebuilt. --show FILE prints an image back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app.h"
#include "tern/conf.h"
#include "tern/device.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/provision.h"

static const char usage[] =
    "usage: tern provision [-c device.conf] [--KEY VALUE ...] -o config.bin [--addr ADDR]\n"
    "       tern provision --show config.bin\n"
    "Writes a configuration image for tern's firmware: the keys of tern device (its\n"
    "config file, then flags, which override it). For a key naming a file (cafile,\n"
    "broker-key-file, console-password-file, password-file) the image holds the file's\n"
    "content. Prints the QEMU option that loads it at ADDR (0x003f0000: mps2-an386's\n"
    "configuration area). Settings on the firmware's command line override the image's.\n";

#define MAX_RECORDS 64

struct record {
  char key[TERN_PROVISION_KEY_MAX + 1];
  char *value;
};

struct plan {
  struct record r[MAX_RECORDS];
  int n, from_flags, ntp_flags;
  struct tern_device_opts check; /* every value goes through tern device's own checks */
};

static int is_file_key(const char *key) {
  for (int i = 0; tern_device_file_keys[i]; i++)
    if (!strcmp(key, tern_device_file_keys[i])) return 1;
  return 0;
}

/* The last value of a key wins (flags over the file); ntp servers add up,
 * and the first --ntp flag replaces the file's list. */
static int put(struct plan *p, const char *key, const char *value, char *why, size_t whylen) {
  char k[TERN_PROVISION_KEY_MAX + 1];
  if (strlen(key) >= sizeof(k)) return snprintf(why, whylen, "unknown key"), TERN_ENOTFOUND;
  for (size_t i = 0; (k[i] = key[i] == '_' ? '-' : key[i]); i++) {}
  int rc = tern_device_opts_set(&p->check, k, value, why, whylen);
  if (rc) return rc;
  int ntp = !strcmp(k, "ntp");
  if (ntp && p->from_flags && !p->ntp_flags++)
    for (int i = 0; i < p->n; i++)
      if (!strcmp(p->r[i].key, "ntp")) p->r[i].key[0] = '\0';
  int at = p->n;
  for (int i = 0; i < p->n && !ntp; i++)
    if (!strcmp(p->r[i].key, k)) at = i;
  if (at == MAX_RECORDS) return snprintf(why, whylen, "too many settings"), TERN_ELIMIT;
  free(p->r[at].value);
  snprintf(p->r[at].key, sizeof(p->r[at].key), "%s", k);
  size_t len = strlen(value) + 1;
  if ((p->r[at].value = malloc(len)) != NULL) memcpy(p->r[at].value, value, len);
  if (at == p->n) p->n++;
  return p->r[at].value ? 0 : TERN_ENOMEM;
}

static int from_file(void *arg, const char *key, const char *value, int line, char *why,
                     size_t whylen) {
  (void)line;
  if (*key == '[') return 0;
  return put(arg, key, value, why, whylen);
}

static int show_record(void *arg, const char *key, const char *value, size_t len) {
  (void)arg;
  if (is_file_key(key)) printf("%s = <%zu bytes>\n", key, len);
  else printf("%s = %s\n", key, value);
  return 0;
}

static int show(const char *path) {
  char *img, why[200];
  size_t len;
  int rc = tern_file_load(NULL, path, TERN_PROVISION_MAX, &img, &len);
  if (rc) {
    fprintf(stderr, "tern provision: cannot read %s: %s\n", path, tern_strerror(rc));
    return 1;
  }
  rc = tern_provision_read((const uint8_t *)img, len, show_record, NULL, why, sizeof(why));
  free(img);
  if (rc) fprintf(stderr, "tern provision: %s: %s\n", path, why);
  return rc ? 1 : 0;
}

static int write_image(struct plan *p, const char *out, const char *addr) {
  uint8_t *img = malloc(TERN_PROVISION_MAX);
  if (!img) return 1;
  struct tern_provision_writer w;
  tern_provision_begin(&w, img, TERN_PROVISION_MAX);
  int count = 0, rc = 0;
  for (int i = 0; i < p->n && !rc; i++) {
    if (!p->r[i].key[0]) continue; /* an ntp server replaced by the flags */
    const char *v = p->r[i].value;
    if (is_file_key(p->r[i].key) && v[0]) {
      char *content;
      size_t len;
      rc = tern_file_load(NULL, v, TERN_PROVISION_MAX, &content, &len);
      if (rc) {
        fprintf(stderr, "tern provision: --%s %s: %s\n", p->r[i].key, v, tern_strerror(rc));
        break;
      }
      tern_provision_add(&w, p->r[i].key, content, len);
      free(content);
    } else {
      tern_provision_add(&w, p->r[i].key, v, strlen(v));
    }
    count++;
  }
  long size = rc ? rc : tern_provision_end(&w);
  if (size < 0 && !rc)
    fprintf(stderr, "tern provision: %s\n",
            size == TERN_EFULL ? "the settings do not fit in the 64 KB area"
                               : "a value holds a NUL byte");
  if (size > 0 && (rc = tern_file_replace(out, img, (size_t)size)) != 0)
    fprintf(stderr, "tern provision: cannot write %s: %s\n", out, tern_strerror(rc));
  free(img);
  if (size < 0 || rc) return 1;
  printf("%s: %d settings, %ld bytes\n", out, count, size);
  printf("load it with: -device loader,file=%s,addr=%s\n", out, addr);
  return 0;
}

int cmd_provision(int argc, char **argv) {
  static struct plan p; /* 64 records and a device's options: not for the stack */
  char err[400], why[160];
  const char *out = NULL, *addr = "0x003f0000";
  int bad = 0, rc = 2;
  memset(&p, 0, sizeof(p));
  tern_device_opts_init(&p.check);
  for (int i = 1; i < argc && !bad; i++) {
    const char *v;
    if (app_is_help(argv[i])) {
      fputs(usage, stdout);
      return 0;
    }
    if ((v = app_opt(argc, argv, &i, "--show", &bad))) return show(v);
    if ((v = app_opt(argc, argv, &i, "-c", &bad)) &&
        tern_conf_load(NULL, v, from_file, &p, err, sizeof(err)) != 0) {
      fprintf(stderr, "tern provision: %s\n", err);
      goto out;
    }
  }
  p.from_flags = 1;
  for (int i = 1; i < argc && !bad; i++) {
    const char *a = argv[i], *v;
    if ((v = app_opt(argc, argv, &i, "-c", &bad))) continue;
    if ((v = app_opt(argc, argv, &i, "-o", &bad))) {
      out = v;
      continue;
    }
    if ((v = app_opt(argc, argv, &i, "--addr", &bad))) {
      addr = v;
      continue;
    }
    if (bad) break;
    if (strncmp(a, "--", 2) || !a[2]) {
      rc = app_bad_flag("provision", a);
      goto out;
    }
    char key[TERN_PROVISION_KEY_MAX + 1];
    const char *eq = strchr(a, '=');
    snprintf(key, sizeof(key), "%.*s", eq ? (int)(eq - a - 2) : (int)strlen(a + 2), a + 2);
    if (eq) v = eq + 1;
    else if (i + 1 < argc) v = argv[++i];
    else {
      fprintf(stderr, "tern: option '%s' needs a value\n", a);
      goto out;
    }
    if (put(&p, key, v, why, sizeof(why)) != 0) {
      fprintf(stderr, "tern provision: --%s %s: %s\n", key, v, why);
      goto out;
    }
  }
  if (bad) goto out;
  if (!out) {
    fprintf(stderr, "tern provision: where to write the image? (-o config.bin)\n");
    goto out;
  }
  rc = write_image(&p, out, addr);
out:
  for (int i = 0; i < p.n; i++) free(p.r[i].value);
  return rc;
}

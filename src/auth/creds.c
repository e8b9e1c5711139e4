/* Password hashing and password files. The hash compare is constant time,
 * and a lookup of an unknown user still runs one PBKDF2, so timing tells
 * an attacker neither which users exist nor how much of a hash matched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../core/loop_internal.h"
#include "tern/base64.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/hash.h"

#define SALT_LEN 12
#define HASH_LEN 64

static int pbkdf2(const char *password, const uint8_t *salt, size_t salt_len, unsigned iter, uint8_t out[HASH_LEN]) {
  tern_pbkdf2_sha512(password, strlen(password), salt, salt_len, iter, out, HASH_LEN);
  return 0;
}

int tern_pw_hash(const char *password, char *out, size_t outlen) {
  uint8_t salt[SALT_LEN], hash[HASH_LEN];
  char salt64[32], hash64[96];
  if (tern_port_random(salt, sizeof(salt)) != 0) return TERN_EIO;
  if (pbkdf2(password, salt, sizeof(salt), TERN_PW_ITERATIONS, hash) != 0) return TERN_EIO;
  tern_base64_encode(salt, sizeof(salt), salt64, sizeof(salt64));
  tern_base64_encode(hash, sizeof(hash), hash64, sizeof(hash64));
  int n = snprintf(out, outlen, "$7$%u$%s$%s", (unsigned)TERN_PW_ITERATIONS, salt64, hash64);
  return n > 0 && (size_t)n < outlen ? 0 : TERN_EFULL;
}

int tern_pw_verify(const char *hash, const char *password) {
  uint8_t salt[64], want[HASH_LEN + 4], got[HASH_LEN];
  const char *p;
  int salt_len, want_len;
  if (strncmp(hash, "$7$", 3) == 0) {
    char *end;
    unsigned long iter = strtoul(hash + 3, &end, 10);
    if (*end != '$' || iter == 0 || iter > 1000000) return TERN_EPARSE;
    p = end + 1;
    const char *d = strchr(p, '$');
    if (!d) return TERN_EPARSE;
    salt_len = tern_base64_decode(p, (size_t)(d - p), salt, sizeof(salt));
    want_len = tern_base64_decode(d + 1, strlen(d + 1), want, sizeof(want));
    if (salt_len <= 0 || want_len != HASH_LEN) return TERN_EPARSE;
    if (pbkdf2(password, salt, (size_t)salt_len, (unsigned)iter, got) != 0) return TERN_EIO;
  } else if (strncmp(hash, "$6$", 3) == 0) {
    p = hash + 3;
    const char *d = strchr(p, '$');
    if (!d) return TERN_EPARSE;
    salt_len = tern_base64_decode(p, (size_t)(d - p), salt, sizeof(salt));
    want_len = tern_base64_decode(d + 1, strlen(d + 1), want, sizeof(want));
    if (salt_len <= 0 || want_len != HASH_LEN) return TERN_EPARSE;
    struct tern_sha512 s;
    tern_sha512_init(&s);
    tern_sha512_update(&s, password, strlen(password));
    tern_sha512_update(&s, salt, (size_t)salt_len);
    tern_sha512_final(&s, got);
  } else {
    return TERN_EPARSE;
  }
  return tern_ct_equal(got, want, HASH_LEN) ? 0 : TERN_EAUTH;
}

struct pw_entry { struct pw_entry *next; char *user; char *hash; };

static char *copy_str(const char *s) {
  size_t n = strlen(s) + 1;
  char *p = malloc(n);
  if (p) memcpy(p, s, n);
  return p;
}
struct tern_pwfile { struct pw_entry *head; size_t n; };

static void strip(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = '\0';
}

int tern_pwfile_load(const char *path, struct tern_pwfile **out) {
  FILE *f = fopen(path, "r");
  if (!f) return TERN_ENOTFOUND;
  struct tern_pwfile *pf = calloc(1, sizeof(*pf));
  if (!pf) { fclose(f); return TERN_ENOMEM; }
  char line[TERN_PW_LINE_MAX];
  int rc = 0;
  struct pw_entry **tail = &pf->head;
  while (fgets(line, sizeof(line), f)) {
    strip(line);
    if (line[0] == '\0' || line[0] == '#') continue;
    char *colon = strchr(line, ':');
    if (!colon || colon == line) { rc = TERN_EPARSE; break; }
    *colon = '\0';
    struct pw_entry *e = calloc(1, sizeof(*e));
    if (!e || !(e->user = copy_str(line)) || !(e->hash = copy_str(colon + 1))) {
      if (e) { free(e->user); free(e); }
      rc = TERN_ENOMEM;
      break;
    }
    *tail = e;
    tail = &e->next;
    pf->n++;
  }
  fclose(f);
  if (rc) { tern_pwfile_free(pf); return rc; }
  *out = pf;
  return 0;
}

void tern_pwfile_free(struct tern_pwfile *pf) {
  if (!pf) return;
  while (pf->head) {
    struct pw_entry *e = pf->head;
    pf->head = e->next;
    free(e->user);
    free(e->hash);
    free(e);
  }
  free(pf);
}

size_t tern_pwfile_count(const struct tern_pwfile *pf) { return pf ? pf->n : 0; }

int tern_pwfile_check(const struct tern_pwfile *pf, const char *user, const char *password) {
  /* A fixed hash for unknown users, so they cost one PBKDF2 like everyone. */
  static const char dummy[] =
      "$7$101$AAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  const struct pw_entry *found = NULL;
  for (const struct pw_entry *e = pf ? pf->head : NULL; e; e = e->next)
    if (strcmp(e->user, user) == 0) found = e;
  int rc = tern_pw_verify(found ? found->hash : dummy, password);
  return found && rc == 0 ? 0 : TERN_EAUTH;
}

int tern_pwfile_set(const char *path, const char *user, const char *password, int create) {
  if (!*user || strchr(user, ':') || strchr(user, '\n')) return TERN_EINVAL;
  char hash[256];
  int rc = tern_pw_hash(password, hash, sizeof(hash));
  if (rc) return rc;
  char tmp[4096];
  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  FILE *out = fopen(tmp, "w");
  if (!out) return TERN_EIO;
  int replaced = 0;
  if (!create) {
    FILE *in = fopen(path, "r");
    if (in) {
      char line[TERN_PW_LINE_MAX];
      size_t ulen = strlen(user);
      while (fgets(line, sizeof(line), in)) {
        if (strncmp(line, user, ulen) == 0 && line[ulen] == ':') {
          fprintf(out, "%s:%s\n", user, hash);
          replaced = 1;
        } else {
          fputs(line, out);
        }
      }
      fclose(in);
    }
  }
  if (!replaced) fprintf(out, "%s:%s\n", user, hash);
  if (fclose(out) != 0 || rename(tmp, path) != 0) { remove(tmp); return TERN_EIO; }
  return 0;
}

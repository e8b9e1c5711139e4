/* Password hashing and password files. The hash compare is constant time,
 * and a lookup of an unknown user still runs one PBKDF2, so timing tells
 * an attacker neither which users exist nor how much of a hash matched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/base64.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/file.h"
#include "tern/hash.h"

#define SALT_LEN 12
#define HASH_LEN 64

static int pbkdf2(const char *password, const uint8_t *salt, size_t salt_len, unsigned iter,
                  uint8_t out[HASH_LEN]) {
  tern_pbkdf2_sha512(password, strlen(password), salt, salt_len, iter, out, HASH_LEN);
  return 0;
}

static int pw_line(struct tern_buf *out, const char *user, const char *hash) {
  int rc = tern_buf_append(out, user, strlen(user));
  if (!rc) rc = tern_buf_append(out, ":", 1);
  if (!rc) rc = tern_buf_append(out, hash, strlen(hash));
  return rc ? rc : tern_buf_append(out, "\n", 1);
}

int tern_pw_hash(const char *password, char *out, size_t outlen) {
  uint8_t salt[SALT_LEN], hash[HASH_LEN];
  char salt64[32], hash64[96];
  if (tern_random(NULL, salt, sizeof(salt)) != 0) return TERN_EIO;
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

/* A loaded password file: its text, cut in place into "user" and "hash"
 * strings, and an array pointing into it. */
struct pw_entry {
  const char *user, *hash;
};
struct tern_pwfile {
  const struct tern_allocator *alloc;
  char *text;
  struct pw_entry *e;
  size_t n;
};

int tern_pwfile_load(const struct tern_allocator *alloc, const char *path,
                     struct tern_pwfile **out) {
  if (!alloc) alloc = &tern_default_allocator;
  char *text;
  size_t len;
  int rc = tern_file_load(alloc, path, TERN_PW_FILE_MAX, &text, &len);
  if (rc) return rc;
  size_t lines = 1;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  struct tern_pwfile *pf = tern_alloc(alloc, sizeof(*pf));
  struct pw_entry *e = tern_alloc(alloc, lines * sizeof(*e));
  if (!pf || !e) {
    tern_free(alloc, pf);
    tern_free(alloc, e);
    tern_free(alloc, text);
    return TERN_ENOMEM;
  }
  *pf = (struct tern_pwfile){alloc, text, e, 0};
  for (char *line = text, *next; line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\r' || line[n - 1] == ' ')) line[--n] = '\0';
    if (n >= TERN_PW_LINE_MAX) {
      rc = TERN_ELIMIT;
      break;
    }
    if (line[0] == '\0' || line[0] == '#') continue;
    char *colon = strchr(line, ':');
    if (!colon || colon == line) {
      rc = TERN_EPARSE;
      break;
    }
    *colon = '\0';
    pf->e[pf->n++] = (struct pw_entry){line, colon + 1};
  }
  if (rc) {
    tern_pwfile_free(pf);
    return rc;
  }
  *out = pf;
  return 0;
}

void tern_pwfile_free(struct tern_pwfile *pf) {
  if (!pf) return;
  tern_free(pf->alloc, pf->text);
  tern_free(pf->alloc, pf->e);
  tern_free(pf->alloc, pf);
}

size_t tern_pwfile_count(const struct tern_pwfile *pf) { return pf ? pf->n : 0; }

int tern_pwfile_check(const struct tern_pwfile *pf, const char *user, const char *password) {
  /* A fixed hash for unknown users, so they cost one PBKDF2 like everyone. */
  static const char dummy[] = "$7$101$AAAAAAAAAAAAAAAA$"
                              "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                              "AAAAAAAAAAAAAAAAAAAAAAAA";
  const struct pw_entry *found = NULL;
  for (size_t i = 0; pf && i < pf->n; i++)
    if (strcmp(pf->e[i].user, user) == 0) found = &pf->e[i];
  int rc = tern_pw_verify(found ? found->hash : dummy, password);
  return found && rc == 0 ? 0 : TERN_EAUTH;
}

/* Writes the file anew (all or nothing): the user's line replaced, or added. */
int tern_pwfile_set(const char *path, const char *user, const char *password, int create) {
  if (!*user || strchr(user, ':') || strchr(user, '\n')) return TERN_EINVAL;
  char hash[256];
  int rc = tern_pw_hash(password, hash, sizeof(hash));
  if (rc) return rc;
  struct tern_pwfile *old = NULL;
  if (!create && (rc = tern_pwfile_load(NULL, path, &old)) != 0 && rc != TERN_ENOTFOUND) return rc;
  struct tern_buf out;
  tern_buf_init(&out, NULL, TERN_PW_FILE_MAX);
  int replaced = 0;
  for (size_t i = 0; old && i < old->n && !rc; i++) {
    int mine = strcmp(old->e[i].user, user) == 0;
    replaced |= mine;
    rc = pw_line(&out, old->e[i].user, mine ? hash : old->e[i].hash);
  }
  if (!replaced && !rc) rc = pw_line(&out, user, hash);
  if (!rc) rc = tern_file_replace(path, out.data, out.len);
  tern_buf_free(&out);
  tern_pwfile_free(old);
  return rc;
}

int tern_pwfile_delete(const char *path, const char *user) {
  struct tern_pwfile *old = NULL;
  int rc = tern_pwfile_load(NULL, path, &old), found = 0;
  if (rc) return rc;
  struct tern_buf out;
  tern_buf_init(&out, NULL, TERN_PW_FILE_MAX);
  for (size_t i = 0; i < old->n && !rc; i++) {
    if (strcmp(old->e[i].user, user) == 0) found = 1;
    else rc = pw_line(&out, old->e[i].user, old->e[i].hash);
  }
  if (!rc) rc = found ? tern_file_replace(path, out.data, out.len) : TERN_ENOTFOUND;
  tern_buf_free(&out);
  tern_pwfile_free(old);
  return rc;
}

int tern_pwfile_upgrade(const char *path, int *count) {
  struct tern_pwfile *old = NULL;
  int rc = tern_pwfile_load(NULL, path, &old);
  *count = 0;
  if (rc) return rc;
  struct tern_buf out;
  tern_buf_init(&out, NULL, TERN_PW_FILE_MAX);
  for (size_t i = 0; i < old->n && !rc; i++) {
    const char *h = old->e[i].hash;
    char hash[256];
    if (!strncmp(h, "$7$", 3) || !strncmp(h, "$6$", 3)) {
      rc = pw_line(&out, old->e[i].user, h);
      continue;
    }
    if (!*h) rc = TERN_EINVAL; /* an empty password is refused, as tern passwd does */
    if (!rc) rc = tern_pw_hash(h, hash, sizeof(hash));
    if (!rc) rc = pw_line(&out, old->e[i].user, hash);
    (*count)++;
  }
  if (!rc) rc = tern_file_replace(path, out.data, out.len);
  memset(out.data, 0, out.len);
  tern_buf_free(&out);
  if (old->text) memset(old->text, 0, strlen(old->text)); /* the passwords in clear */
  tern_pwfile_free(old);
  return rc;
}

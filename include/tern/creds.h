/* Password files shared by the broker and the console: lines "user:HASH"
 * with HASH in Mosquitto's "$7$" form (PBKDF2-SHA512, 12-byte salt, 101
 * iterations by default), so mosquitto_passwd files work unchanged. The
 * older "$6$" form (one salted SHA-512) is accepted for reading. */
#ifndef TERN_CREDS_H
#define TERN_CREDS_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include "buf.h"

/* Writes "$7$ITER$SALT$HASH" into out. */
int tern_pw_hash(const char *password, char *out, size_t outlen);
/* 0 when password matches hash, TERN_EAUTH when not, TERN_EPARSE for a bad hash. */
int tern_pw_verify(const char *hash, const char *password);

struct tern_pwfile; /* a loaded password file */
/* alloc: where it lives (tern_loop_alloc(loop); NULL: malloc). Read through
 * the port's files (file.h). */
int tern_pwfile_load(const struct tern_allocator *alloc, const char *path,
                     struct tern_pwfile **out);
/* Frees pf; NULL is fine. */
void tern_pwfile_free(struct tern_pwfile *pf);
/* 0 when user exists and password matches; TERN_EAUTH otherwise. An unknown
 * user costs the same time as a wrong password. */
int tern_pwfile_check(const struct tern_pwfile *pf, const char *user, const char *password);
/* How many users pf holds (0 for NULL). */
size_t tern_pwfile_count(const struct tern_pwfile *pf);
/* Add or replace USER in the file (create: start a new file). Atomic rename. */
int tern_pwfile_set(const char *path, const char *user, const char *password, int create);
/* Removes user's line (TERN_ENOTFOUND: no such user), all or nothing. */
int tern_pwfile_delete(const char *path, const char *user);
/* A file of "user:password" lines in clear, hashed in place ($7$), as
 * mosquitto_passwd -U; lines already hashed ($6$, $7$) are kept as they are
 * (mosquitto_passwd would hash the hash). *count: the lines hashed. */
int tern_pwfile_upgrade(const char *path, int *count);

#pragma GCC visibility pop
#endif

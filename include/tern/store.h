/* tern_store: an append-only log of records, each with a length and a CRC.
 * Durability policy:
 *   TERN_STORE_OS     each record is handed to the OS (write) before
 *                     tern_store_append returns: survives a process crash
 *                     (kill -9), not a power loss.
 *   TERN_STORE_FSYNC  tern_store_flush() fsyncs what was appended since the
 *                     last flush (group commit): call it before sending the
 *                     acks for those records, and it survives power loss.
 * A torn or corrupt tail found on open is detected by its CRC, reported
 * and cut off, never trusted. */
#ifndef TERN_STORE_H
#define TERN_STORE_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include <stdint.h>

enum { TERN_STORE_OS = 0, TERN_STORE_FSYNC = 1 };
#define TERN_STORE_MAX_RECORD (16u * 1024 * 1024)

struct tern_store;
struct tern_loop;
typedef void (*tern_store_replay_fn)(void *arg, uint8_t type, const uint8_t *data, size_t len);

/* Opens (creating) the log at path and replays every intact record. */
int tern_store_open(struct tern_loop *loop, const char *path, int sync, tern_store_replay_fn fn,
                    void *arg, struct tern_store **out);
/* One record made of two parts (either may be empty), written in one call. */
int tern_store_append(struct tern_store *s, uint8_t type, const void *a, size_t alen, const void *b,
                      size_t blen);
/* With TERN_STORE_FSYNC, what was appended is on disk when this returns
 * (one fdatasync for a batch); 0 or TERN_EIO. With TERN_STORE_OS: 0. */
int tern_store_flush(struct tern_store *s);
/* Bytes in the log now (the current file's, during a rewrite). */
size_t tern_store_size(const struct tern_store *s);
/* Compaction: appends go to a new file until commit renames it over the old. */
int tern_store_rewrite_begin(struct tern_store *s);
/* The new file synced, then renamed over the old: a crash leaves one whole
 * log or the other. 0 or TERN_EIO (the old log stays in use). */
int tern_store_rewrite_commit(struct tern_store *s);
/* Closes the log (synced first with TERN_STORE_FSYNC) and frees s; NULL is fine. */
void tern_store_close(struct tern_store *s);

/* CRC-32 (IEEE, as zlib's) of n bytes, continuing from crc (0 to start). */
uint32_t tern_crc32(uint32_t crc, const void *data, size_t n);

#pragma GCC visibility pop
#endif

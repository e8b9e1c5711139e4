/* One reader for configuration files, shared by tern device and tern
 * broker (Mosquitto's files): "key value" or "key = value" lines, '#'
 * comments, repeated keys and blocks (a key such as Mosquitto's "listener"
 * that the caller treats as opening a block) delivered in order. The
 * caller's handler says what a key means; an error reads
 * "FILE:LINE: KEY: reason". Sans-I/O over a buffer, plus a loader that
 * reads the file through the port. */
#ifndef TERN_CONF_H
#define TERN_CONF_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */
#include <stddef.h>
#include "buf.h"

/* For each setting: 0, or a TERN_E... code with a reason written to why
 * (e.g. "unknown key", "want a number"). value is "" for a bare key. */
typedef int (*tern_conf_fn)(void *arg, const char *key, const char *value, int line, char *why,
                            size_t whylen);
/* Parses text in place (it is cut into strings). Stops at the first error,
 * written to err as "NAME:LINE: KEY: reason"; returns its code, or 0.
 * "[section]" lines are passed with key "[" and the section name as value. */
int tern_conf_parse(char *text, const char *name, tern_conf_fn fn, void *arg, char *err,
                    size_t errlen);
/* Reads path (through the port, at most TERN_CONF_FILE_MAX bytes) and parses it. */
int tern_conf_load(const struct tern_allocator *alloc, const char *path, tern_conf_fn fn, void *arg,
                   char *err, size_t errlen);
#pragma GCC visibility pop
#endif

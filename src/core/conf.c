/* The configuration reader (conf.h). */
#include <stdio.h>
#include <string.h>
#include "tern/conf.h"
#include "tern/config.h"
#include "tern/error.h"
#include "tern/file.h"

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && strchr(" \t\r", s[n - 1])) s[--n] = '\0';
  return s;
}

int tern_conf_parse(char *text, const char *name, tern_conf_fn fn, void *arg, char *err,
                    size_t errlen) {
  int lineno = 0;
  for (char *line = text, *next; line; line = next) {
    lineno++;
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *s = trim(line), *key, *value = "";
    char why[480] = ""; /* room for an included file's own error */
    if (!*s || *s == '#' || *s == ';') continue;
    if (*s == '[') { /* an INI section: the handler decides what it means */
      char *end = strchr(s, ']');
      if (!end || end[1]) {
        snprintf(err, errlen, "%s:%d: %s: want [SECTION]", name, lineno, s);
        return TERN_EPARSE;
      }
      *end = '\0';
      key = "[";
      value = trim(s + 1);
    } else {
      /* the key ends at '=' or white space; "key = value", "key=value", "key value" */
      size_t k = strcspn(s, "= \t");
      key = s;
      char *rest = s + k;
      if (*rest) {
        int had_eq = *rest == '=';
        *rest++ = '\0';
        rest = trim(rest);
        if (!had_eq && *rest == '=') rest = trim(rest + 1);
        value = rest;
      }
    }
    int rc = fn(arg, key, value, lineno, why, sizeof(why));
    if (rc) {
      snprintf(err, errlen, "%s:%d: %s: %s", name, lineno, *key == '[' ? value : key,
               why[0] ? why : tern_strerror(rc));
      return rc;
    }
  }
  return 0;
}

int tern_conf_load(const struct tern_allocator *alloc, const char *path, tern_conf_fn fn, void *arg,
                   char *err, size_t errlen) {
  if (!alloc) alloc = &tern_default_allocator;
  char *text;
  int rc = tern_file_load(alloc, path, TERN_CONF_FILE_MAX, &text, NULL);
  if (rc) {
    snprintf(err, errlen, "%s: cannot read: %s", path, tern_strerror(rc));
    return rc;
  }
  rc = tern_conf_parse(text, path, fn, arg, err, errlen);
  tern_free(alloc, text);
  return rc;
}

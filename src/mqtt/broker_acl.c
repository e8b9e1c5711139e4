/* Mosquitto's acl_file: "topic [read|write|readwrite|deny] FILTER" lines
 * before the first "user" line apply to anonymous clients; "user NAME"
 * starts a user's block; "pattern [access] FILTER" applies to everyone,
 * with %u (user name) and %c (client id) substituted. With an ACL file,
 * what no rule allows is denied; a matching deny rule wins. */
#include <string.h>
#include "broker_internal.h"
#include "tern/error.h"
#include "tern/file.h"

struct acl_rule {
  struct acl_rule *next;
  const char *user; /* NULL: anonymous block (for "topic"), or every user (for "pattern") */
  int is_pattern;
  int access;    /* ACL_READ | ACL_WRITE, or 0 for deny */
  char filter[]; /* then the user name, in the same allocation */
};

void tern_broker_acl_free(const struct tern_allocator *alloc, struct acl_rule *r) {
  while (r) {
    struct acl_rule *n = r->next;
    tern_free(alloc, r);
    r = n;
  }
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
    s[--n] = '\0';
  return s;
}

int tern_broker_acl_load(const struct tern_allocator *alloc, const char *path,
                         struct acl_rule **out) {
  char *text;
  int rc = tern_file_load(alloc, path, TERN_BROKER_ACL_FILE_MAX, &text, NULL);
  if (rc) return rc;
  const char *user = NULL; /* points into text */
  struct acl_rule *head = NULL, **tail = &head;
  for (char *line = text, *next; line && !rc; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *s = trim(line);
    if (!*s || *s == '#') continue;
    int is_pattern = strncmp(s, "pattern ", 8) == 0;
    if (strncmp(s, "user ", 5) == 0) {
      user = trim(s + 5);
      continue;
    }
    if (!is_pattern && strncmp(s, "topic ", 6) != 0) {
      rc = TERN_EPARSE;
      break;
    }
    s = trim(s + (is_pattern ? 8 : 6));
    int access = ACL_READ | ACL_WRITE;
    const char *words[] = {"read ", "write ", "readwrite ", "deny "};
    const int acc[] = {ACL_READ, ACL_WRITE, ACL_READ | ACL_WRITE, 0};
    for (int i = 0; i < 4; i++) {
      size_t wl = strlen(words[i]);
      if (strncmp(s, words[i], wl) == 0) {
        access = acc[i];
        s = trim(s + wl);
        break;
      }
    }
    if (!*s) {
      rc = TERN_EPARSE;
      break;
    }
    const char *owner = !is_pattern ? user : NULL;
    size_t fl = strlen(s) + 1, ul = owner ? strlen(owner) + 1 : 0;
    struct acl_rule *r = tern_alloc(alloc, sizeof(*r) + fl + ul);
    if (!r) {
      rc = TERN_ENOMEM;
      break;
    }
    memcpy(r->filter, s, fl);
    if (owner) r->user = memcpy(r->filter + fl, owner, ul);
    r->is_pattern = is_pattern;
    r->access = access;
    *tail = r;
    tail = &r->next;
  }
  tern_free(alloc, text);
  if (rc) {
    tern_broker_acl_free(alloc, head);
    return rc;
  }
  *out = head;
  return 0;
}

/* Expand %u and %c; a client whose name holds '+', '#' or '/' could
 * otherwise widen its own pattern, so such names match nothing. */
static int expand(const char *filter, const char *user, const char *cid, char *out, size_t outlen) {
  size_t o = 0;
  for (const char *p = filter; *p; p++) {
    const char *sub = NULL;
    if (p[0] == '%' && p[1] == 'u') sub = user;
    else if (p[0] == '%' && p[1] == 'c') sub = cid;
    if (p[0] == '%' && (p[1] == 'u' || p[1] == 'c')) {
      if (!sub || strpbrk(sub, "+#/")) return -1;
      size_t l = strlen(sub);
      if (o + l >= outlen) return -1;
      memcpy(out + o, sub, l);
      o += l;
      p++;
      continue;
    }
    if (o + 1 >= outlen) return -1;
    out[o++] = *p;
  }
  out[o] = '\0';
  return 0;
}

int tern_broker_acl_check(const struct acl_rule *rules, const char *username, const char *client_id,
                          const char *topic, size_t tlen, int access) {
  int allowed = 0;
  char buf[TERN_MQTT_MAX_TOPIC + 1];
  for (const struct acl_rule *r = rules; r; r = r->next) {
    const char *filter = r->filter;
    if (r->is_pattern) {
      if (expand(r->filter, username, client_id, buf, sizeof(buf)) != 0) continue;
      filter = buf;
    } else if (r->user ? !(username && strcmp(r->user, username) == 0) : username != NULL) {
      continue;
    }
    if (!tern_mqtt_topic_matches(filter, strlen(filter), topic, tlen)) continue;
    if (r->access == 0) return 0; /* deny wins */
    if (r->access & access) allowed = 1;
  }
  return allowed;
}

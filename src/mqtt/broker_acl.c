/* Mosquitto's acl_file: "topic [read|write|readwrite|deny] FILTER" lines
 * before the first "user" line apply to anonymous clients; "user NAME"
 * starts a user's block; "pattern [access] FILTER" applies to everyone,
 * with %u (user name) and %c (client id) substituted. With an ACL file,
 * what no rule allows is denied; a matching deny rule wins. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "broker_internal.h"
#include "tern/error.h"

struct acl_rule {
  struct acl_rule *next;
  char *user;      /* NULL: anonymous block (for "topic"), or every user (for "pattern") */
  int is_pattern;
  int access;      /* ACL_READ | ACL_WRITE, or 0 for deny */
  char filter[];
};

void tern_broker_acl_free(struct acl_rule *r) {
  while (r) {
    struct acl_rule *n = r->next;
    free(r->user);
    free(r);
    r = n;
  }
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

int tern_broker_acl_load(const char *path, struct acl_rule **out) {
  FILE *f = fopen(path, "r");
  if (!f) return TERN_ENOTFOUND;
  char line[1024], *user = NULL;
  struct acl_rule *head = NULL, **tail = &head;
  int rc = 0;
  while (fgets(line, sizeof(line), f)) {
    char *s = trim(line);
    if (!*s || *s == '#') continue;
    int is_pattern = strncmp(s, "pattern ", 8) == 0;
    if (strncmp(s, "user ", 5) == 0) {
      free(user);
      user = malloc(strlen(trim(s + 5)) + 1);
      if (!user) { rc = TERN_ENOMEM; break; }
      strcpy(user, trim(s + 5));
      continue;
    }
    if (!is_pattern && strncmp(s, "topic ", 6) != 0) { rc = TERN_EPARSE; break; }
    s = trim(s + (is_pattern ? 8 : 6));
    int access = ACL_READ | ACL_WRITE;
    const char *words[] = {"read ", "write ", "readwrite ", "deny "};
    const int acc[] = {ACL_READ, ACL_WRITE, ACL_READ | ACL_WRITE, 0};
    for (int i = 0; i < 4; i++) {
      size_t wl = strlen(words[i]);
      if (strncmp(s, words[i], wl) == 0) { access = acc[i]; s = trim(s + wl); break; }
    }
    if (!*s) { rc = TERN_EPARSE; break; }
    struct acl_rule *r = calloc(1, sizeof(*r) + strlen(s) + 1);
    if (!r) { rc = TERN_ENOMEM; break; }
    strcpy(r->filter, s);
    r->is_pattern = is_pattern;
    r->access = access;
    if (!is_pattern && user) {
      r->user = malloc(strlen(user) + 1);
      if (!r->user) { free(r); rc = TERN_ENOMEM; break; }
      strcpy(r->user, user);
    }
    *tail = r;
    tail = &r->next;
  }
  free(user);
  fclose(f);
  if (rc) { tern_broker_acl_free(head); return rc; }
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

/* Subscriptions in a tree of topic levels: a publish walks only the
 * branches its topic can reach ("a", "+", "#" at each level), never a scan
 * of every subscription. */
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "broker_internal.h"
#include "tern/error.h"

/* ---- the node index: open addressing, linear probing ---- */

static uint32_t node_hash(const struct tnode *parent, const char *level, size_t len) {
  uint64_t h = 1469598103934665603ull ^ (uint64_t)(uintptr_t)parent;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)level[i]) * 1099511628211ull;
  return (uint32_t)(h ^ (h >> 32));
}

static struct tnode *find_child(struct tern_broker *b, struct tnode *n, const char *level,
                                size_t len) {
  if (!b->index_cap) return NULL;
  size_t mask = b->index_cap - 1;
  uint32_t h = node_hash(n, level, len);
  for (size_t i = h & mask;; i = (i + 1) & mask) {
    struct tnode *c = b->index[i];
    if (!c) return NULL;
    if (c->hash == h && c->parent == n && c->len == len && !memcmp(c->level, level, len)) return c;
  }
}

static void index_put(struct tern_broker *b, struct tnode *n) {
  size_t mask = b->index_cap - 1, i = n->hash & mask;
  while (b->index[i]) i = (i + 1) & mask;
  b->index[i] = n;
}

/* Room for one more, at most half full: doubles and re-places every node. */
static int index_grow(struct tern_broker *b) {
  if ((b->index_n + 1) * 2 <= b->index_cap) return 0;
  size_t cap = b->index_cap ? b->index_cap * 2 : 64;
  struct tnode **old = b->index, **slots = tern_alloc(tern_loop_alloc(b->loop), cap * sizeof(*old));
  if (!slots) return TERN_ENOMEM;
  size_t old_cap = b->index_cap;
  b->index = slots;
  b->index_cap = cap;
  for (size_t i = 0; i < old_cap; i++)
    if (old[i]) index_put(b, old[i]);
  tern_free(tern_loop_alloc(b->loop), old);
  return 0;
}

/* Removal without tombstones: the nodes after the hole that would no
 * longer be found from their home slot move back into it. */
static void index_del(struct tern_broker *b, struct tnode *n) {
  size_t mask = b->index_cap - 1, i = n->hash & mask;
  while (b->index[i] != n) i = (i + 1) & mask;
  b->index[i] = NULL;
  b->index_n--;
  for (size_t j = (i + 1) & mask; b->index[j]; j = (j + 1) & mask) {
    size_t home = b->index[j]->hash & mask;
    /* j's node may fill the hole unless its home lies cyclically in (i, j] */
    if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
      b->index[i] = b->index[j];
      b->index[j] = NULL;
      i = j;
    }
  }
}

static struct tnode *node_new(struct tern_broker *b, struct tnode *parent, const char *level,
                              size_t len) {
  if (parent && index_grow(b) != 0) return NULL;
  struct tnode *n = tern_alloc(tern_loop_alloc(b->loop), sizeof(*n) + len + 1);
  if (!n) return NULL;
  memcpy(n->level, level, len);
  n->level[len] = '\0';
  n->len = (uint16_t)len;
  n->parent = parent;
  if (parent) {
    n->sibling = parent->child;
    parent->child = n;
    n->hash = node_hash(parent, level, len);
    index_put(b, n);
    b->index_n++;
  }
  return n;
}

/* Walk (creating when asked) to the node for a filter. */
static struct tnode *walk(struct tern_broker *b, const char *f, size_t len, int create) {
  if (!b->root) {
    if (!create) return NULL;
    b->root = node_new(b, NULL, "", 0);
    if (!b->root) return NULL;
  }
  struct tnode *n = b->root;
  size_t i = 0;
  for (;;) {
    size_t j = i;
    while (j < len && f[j] != '/') j++;
    struct tnode *c = find_child(b, n, f + i, j - i);
    if (!c) {
      if (!create) return NULL;
      c = node_new(b, n, f + i, j - i);
      if (!c) return NULL;
    }
    n = c;
    if (j == len) return n;
    i = j + 1;
  }
}

static void prune(struct tern_broker *b, struct tnode *n) {
  while (n && n->parent && n->nsubs_below == 0 && !n->child) {
    struct tnode *p = n->parent;
    struct tnode **pp = &p->child;
    while (*pp != n) pp = &(*pp)->sibling;
    *pp = n->sibling;
    index_del(b, n);
    tern_free(tern_loop_alloc(b->loop), n);
    n = p;
  }
}

static void count(struct tnode *n, long d) {
  for (; n; n = n->parent) n->nsubs_below = (size_t)((long)n->nsubs_below + d);
}

static void free_group(struct tern_broker *b, struct tnode *n, struct sgroup *g) {
  struct sgroup **gp = &n->groups;
  while (*gp != g) gp = &(*gp)->next;
  *gp = g->next;
  tern_broker_group_gone(b, g);
  tern_free(tern_loop_alloc(b->loop), g);
}

/* "$share/NAME/filter": NAME and the filter; 0 when it is not shared. */
static int split_shared(const char **f, size_t *len, const char **name, size_t *nlen) {
  if (*len < 8 || memcmp(*f, "$share/", 7) != 0) return 0;
  const char *g = *f + 7, *end = *f + *len, *slash = memchr(g, '/', (size_t)(end - g));
  if (!slash) return 0;
  *name = g;
  *nlen = (size_t)(slash - g);
  *f = slash + 1;
  *len = (size_t)(end - slash - 1);
  return 1;
}

static struct sgroup *find_group(struct tnode *n, const char *name, size_t nlen) {
  for (struct sgroup *g = n->groups; g; g = g->next)
    if (g->name_len == nlen && !memcmp(g->name, name, nlen)) return g;
  return NULL;
}

int tern_broker_tree_subscribe(struct tern_broker *b, struct session *s, const char *filter,
                               size_t len, uint8_t opts, uint32_t sub_id) {
  const char *name = NULL;
  size_t nlen = 0;
  int shared = split_shared(&filter, &len, &name, &nlen);
  struct tnode *n = walk(b, filter, len, 1);
  if (!n) return TERN_ENOMEM;
  struct sgroup *g = shared ? find_group(n, name, nlen) : NULL;
  if (shared && !g) {
    g = tern_alloc(tern_loop_alloc(b->loop), sizeof(*g) + nlen);
    if (!g) {
      prune(b, n);
      return TERN_ENOMEM;
    }
    memcpy(g->name, name, nlen);
    g->name_len = (uint16_t)nlen;
    g->next = n->groups;
    n->groups = g;
  }
  for (struct sub *x = shared ? g->members : n->subs; x; x = x->node_next)
    if (x->session == s) {
      x->opts = opts;
      x->sub_id = sub_id;
      return 0;
    } /* same filter again: replace [MQTT-3.8.4-3] */
  struct sub *x = tern_alloc(tern_loop_alloc(b->loop), sizeof(*x));
  if (!x) {
    if (g && !g->members) free_group(b, n, g);
    prune(b, n);
    return TERN_ENOMEM;
  }
  x->session = s;
  x->node = n;
  x->opts = opts;
  x->sub_id = sub_id;
  x->group = g;
  struct sub **head = shared ? &g->members : &n->subs;
  x->node_next = *head;
  *head = x;
  x->session_next = s->subs;
  s->subs = x;
  count(n, +1);
  b->st.subscriptions++;
  return 1; /* new */
}

static void unlink_sub(struct tern_broker *b, struct sub *x) {
  struct tnode *n = x->node;
  struct sub **pp = x->group ? &x->group->members : &n->subs;
  while (*pp != x) pp = &(*pp)->node_next;
  *pp = x->node_next;
  if (x->group && !x->group->members) free_group(b, n, x->group);
  pp = &x->session->subs;
  while (*pp != x) pp = &(*pp)->session_next;
  *pp = x->session_next;
  count(n, -1);
  b->st.subscriptions--;
  tern_free(tern_loop_alloc(b->loop), x);
  prune(b, n);
}

int tern_broker_tree_unsubscribe(struct tern_broker *b, struct session *s, const char *filter,
                                 size_t len) {
  const char *name = NULL;
  size_t nlen = 0;
  int shared = split_shared(&filter, &len, &name, &nlen);
  struct tnode *n = walk(b, filter, len, 0);
  if (!n) return 0;
  struct sgroup *g = shared ? find_group(n, name, nlen) : NULL;
  if (shared && !g) return 0;
  for (struct sub *x = shared ? g->members : n->subs; x; x = x->node_next)
    if (x->session == s) {
      unlink_sub(b, x);
      return 1;
    }
  return 0;
}

void tern_broker_tree_remove_session(struct tern_broker *b, struct session *s) {
  while (s->subs) unlink_sub(b, s->subs);
}

size_t tern_broker_tree_filter(const struct sub *sub, char *out, size_t outlen) {
  /* rebuild the filter from the node path (levels joined by '/') */
  const struct tnode *path[TERN_MQTT_MAX_TOPIC];
  size_t depth = 0, o = 0;
  if (sub->group) { /* "$share/NAME/" first */
    if ((size_t)sub->group->name_len + 9 > outlen) return 0;
    memcpy(out, "$share/", 7);
    memcpy(out + 7, sub->group->name, sub->group->name_len);
    o = 7u + sub->group->name_len;
    out[o++] = '/';
  }
  for (const struct tnode *n = sub->node; n && n->parent && depth < TERN_MQTT_MAX_TOPIC;
       n = n->parent)
    path[depth++] = n;
  while (depth--) {
    size_t l = strlen(path[depth]->level);
    if (o + l + 2 > outlen) return 0;
    memcpy(out + o, path[depth]->level, l);
    o += l;
    if (depth) out[o++] = '/';
  }
  out[o] = '\0';
  return o;
}

struct match_ctx {
  struct tern_broker *b;
  struct session *hits;
  struct sgroup *groups;
};

static void hit(struct match_ctx *m, struct tnode *n) {
  for (struct sgroup *g = n->groups; g; g = g->next)
    if (g->match_gen != m->b->match_gen) { /* one message per group */
      g->match_gen = m->b->match_gen;
      g->match_next = m->groups;
      m->groups = g;
    }
  for (struct sub *x = n->subs; x; x = x->node_next) {
    struct session *s = x->session;
    if (s->match_gen != m->b->match_gen) {
      s->match_gen = m->b->match_gen;
      s->match_opts = x->opts;
      s->match_nids = 0;
      s->match_next = m->hits;
      m->hits = s;
    } else {
      /* overlapping subscriptions: one delivery, at the highest QoS; kept
       * from the publisher only if every one says No Local, its retain
       * flag kept if any says Retain As Published */
      uint8_t a = s->match_opts, q = x->opts & TERN_MQTT_SUB_QOS_MASK;
      uint8_t qos = (a & TERN_MQTT_SUB_QOS_MASK) > q ? a & TERN_MQTT_SUB_QOS_MASK : q;
      s->match_opts = (uint8_t)(qos | (a & x->opts & TERN_MQTT_SUB_NO_LOCAL) |
                                ((a | x->opts) & TERN_MQTT_SUB_RETAIN_AS_PUBLISHED));
    }
    if (x->sub_id && s->match_nids < TERN_MQTT_MAX_SUB_IDS)
      s->match_ids[s->match_nids++] = x->sub_id;
  }
}

/* At each level three lookups, whatever the number of children: the
 * topic's own level, "+" and "#". Topics hold no wildcards (validated). */
static void match_level(struct match_ctx *m, struct tnode *n, const char *t, size_t len, size_t i,
                        int root) {
  if (!n->nsubs_below) return;
  struct tern_broker *b = m->b;
  size_t j = i;
  while (j < len && t[j] != '/') j++;
  int dollar = root && len > 0 && t[0] == '$'; /* wildcards do not match $SYS/... at the root */
  struct tnode *c;
  if (!dollar && (c = find_child(b, n, "#", 1))) hit(m, c);
  struct tnode *next[2] = {find_child(b, n, t + i, j - i),
                           dollar ? NULL : find_child(b, n, "+", 1)};
  for (int k = 0; k < 2; k++) {
    if (!(c = next[k])) continue;
    if (j == len) {
      hit(m, c);
      /* "a/#" also matches "a" */
      struct tnode *h = find_child(b, c, "#", 1);
      if (h) hit(m, h);
    } else {
      match_level(m, c, t, len, j + 1, 0);
    }
  }
}

void tern_broker_tree_match(struct tern_broker *b, const char *topic, size_t len,
                            void (*fn)(struct tern_broker *b, struct session *s, uint8_t opts,
                                       void *arg),
                            void *arg) {
  if (!b->root) return;
  struct match_ctx m = {b, NULL, NULL};
  b->match_gen++;
  match_level(&m, b->root, topic, len, 0, 1);
  for (struct session *s = m.hits, *next; s; s = next) {
    next = s->match_next;
    fn(b, s, s->match_opts, arg);
  }
  /* each shared subscription: one member gets it */
  for (struct sgroup *g = m.groups, *next; g; g = next) {
    next = g->match_next;
    struct sub *x = tern_broker_group_pick(g, NULL);
    if (!x) continue;
    x->session->match_nids = x->sub_id ? 1 : 0; /* the member's own, alone */
    x->session->match_ids[0] = x->sub_id;
    b->via_group = g;
    fn(b, x->session, x->opts, arg);
    b->via_group = NULL;
  }
}

struct sub *tern_broker_group_pick(struct sgroup *g, const struct session *skip) {
  /* Policy: round robin over the members that are connected and keeping
   * up; when none is, the next in turn (its session queues it). Members
   * are numbered in list order, 'skip' left out. */
  unsigned n = 0;
  for (struct sub *x = g->members; x; x = x->node_next) n += x->session != skip;
  if (!n) return NULL;
  unsigned start = g->next_pick % n, i = 0, best_d = n, best_i = 0, first_i = 0;
  struct sub *best = NULL, *first = NULL;
  for (struct sub *x = g->members; x; x = x->node_next) {
    if (x->session == skip) continue;
    unsigned d = (i + n - start) % n; /* how far after the one to try first */
    if (d == 0) {
      first = x;
      first_i = i;
    }
    if (x->session->conn && !x->session->full && d < best_d) {
      best = x;
      best_d = d;
      best_i = i;
    }
    i++;
  }
  struct sub *x = best ? best : first;
  g->next_pick = (best ? best_i : first_i) + 1;
  return x;
}

static void free_node(struct tern_broker *b, struct tnode *n) {
  while (n->child) {
    struct tnode *c = n->child;
    n->child = c->sibling;
    free_node(b, c);
  }
  while (n->subs) {
    struct sub *x = n->subs;
    n->subs = x->node_next;
    tern_free(tern_loop_alloc(b->loop), x);
  }
  while (n->groups) {
    struct sgroup *g = n->groups;
    n->groups = g->next;
    while (g->members) {
      struct sub *x = g->members;
      g->members = x->node_next;
      tern_free(tern_loop_alloc(b->loop), x);
    }
    tern_free(tern_loop_alloc(b->loop), g);
  }
  tern_free(tern_loop_alloc(b->loop), n);
}

void tern_broker_tree_free(struct tern_broker *b) {
  if (b->root) free_node(b, b->root);
  b->root = NULL;
  tern_free(tern_loop_alloc(b->loop), b->index);
  b->index = NULL;
  b->index_cap = b->index_n = 0;
}

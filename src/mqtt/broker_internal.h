/* The broker's data structures, shared by its files. Not a public header. */
#ifndef TERN_BROKER_INTERNAL_H
#define TERN_BROKER_INTERNAL_H
#include "tern/broker.h"
#include "tern/config.h"
#include "tern/mqtt_codec.h"
#include "tern/store.h"

struct tern_pwfile;
struct acl_rule;

/* One published message, shared by reference by every queue it sits in. */
struct bmsg {
  unsigned refs;
  uint8_t qos, retain;
  uint16_t topic_len;
  size_t payload_len;
  char *topic;      /* NUL-terminated, points into data */
  uint8_t *payload; /* points into data */
  /* MQTT 5: the properties passed on unchanged (payload format, content
   * type, response topic, correlation data, user properties), encoded; and
   * when it expires (tern_loop_micros; 0: never) */
  uint8_t *props;
  size_t props_len;
  uint64_t expires_us;
  char data[]; /* topic, NUL, payload, props */
};

/* A message waiting for (or in) delivery to one session. */
struct qitem {
  struct qitem *next;
  struct bmsg *msg;
  uint64_t store_id;    /* record id in the store, 0 if not persisted */
  uint16_t packet_id;   /* 0 until sent */
  uint8_t qos;          /* granted: min(published, subscribed) */
  uint8_t retain;       /* flag as sent: 1 only for retained-on-subscribe */
  uint8_t state;        /* QS_QUEUED, QS_WAIT_ACK (PUBACK/PUBREC), QS_WAIT_COMP */
  uint32_t sub_id;      /* 5.0 Subscription Identifier it goes out with (0: none) */
  struct sgroup *group; /* came through this shared subscription (or NULL) */
};
enum { QS_QUEUED, QS_WAIT_ACK, QS_WAIT_COMP };

struct sub {
  struct sub *node_next;    /* in the tree node's list (a shared one: in its group's) */
  struct sub *session_next; /* in the session's list */
  struct session *session;
  struct tnode *node;
  struct sgroup *group; /* a shared subscription's ($share/NAME/filter), or NULL */
  uint8_t opts;    /* the SUBSCRIBE option byte: QoS, and in 5.0 No Local, RAP, Retain Handling */
  uint32_t sub_id; /* 5.0 Subscription Identifier (0: none) */
};

/* MQTT 5 shared subscription: the members of $share/NAME/filter, at the
 * filter's node; each message goes to one of them (tern_broker_tree_match). */
struct sgroup {
  struct sgroup *next; /* in the node's list */
  struct sub *members;
  unsigned next_pick; /* round robin: the member to try first next time */
  unsigned match_gen;
  struct sgroup *match_next;
  uint16_t name_len;
  char name[];
};

struct tnode {
  struct tnode *parent, *child, *sibling;
  struct sub *subs;
  struct sgroup *groups; /* shared subscriptions on this filter */
  size_t nsubs_below;    /* subscriptions in this subtree: prune at 0 */
  uint32_t hash;         /* of (parent, level): its slot in the broker's node index */
  uint16_t len;          /* of level */
  char level[];
};

struct session {
  struct session *hash_next;
  char *client_id;
  char *username;
  const struct bauth *auth; /* of the listener it last connected through; NULL: the broker's */
  int clean;                /* ends with its connection (3.1.1 clean session, 5.0 expiry 0) */
  uint32_t expiry_s;        /* 5.0 Session Expiry Interval (0xFFFFFFFF: never; 3.1.1's) */
  uint64_t expires_us;      /* offline: when it goes (tern_loop_micros; 0: never) */
  struct bmsg *will;        /* 5.0: a will waiting out its Will Delay Interval */
  uint64_t will_at_us;      /* when it goes out */
  struct bconn *conn;       /* NULL while offline */
  struct sub *subs;
  struct qitem *inflight_head, *inflight_tail; /* sent, awaiting acks, in send order */
  struct qitem *queue_head, *queue_tail;       /* not yet sent */
  size_t ninflight, nqueued;
  uint16_t next_packet_id;
  uint16_t *qos2_in; /* incoming QoS 2 ids awaiting PUBREL */
  size_t nqos2_in;
  unsigned match_gen; /* routing: seen in this publish? */
  uint8_t match_opts; /* routing: the matching subscriptions' options, combined */
  uint8_t match_nids; /* routing: their Subscription Identifiers */
  uint32_t match_ids[TERN_MQTT_MAX_SUB_IDS];
  struct session *match_next;
  /* flow control: online and behind by the pause threshold, its publishers
   * wait (their PUBLISH packets are held, acks and pings still answered) */
  int full;
  int stalled;             /* behind and taking nothing: QoS 0 for it is dropped, counted */
  size_t queued_bytes;     /* payloads of the messages in queue */
  uint32_t last_progress;  /* an ack from it, or bytes it took off its socket */
  uint64_t drops_unlogged; /* counted, logged at most once per 10 s */
  int drop_logged;
  uint32_t last_drop_log;
};

/* Who may connect and what they may do (tern_broker_auth, loaded). */
struct bauth {
  const struct tern_broker_auth *cfg;
  struct tern_pwfile *pw;
  struct acl_rule *acl;
  int has_acl;
};

struct blistener {
  struct tern_conn *conn;
  const struct tern_broker_listener *cfg; /* in the broker's opts */
  struct tern_tls_ctx *tls;
  struct bauth *auth; /* the broker's, or own (per_listener_settings) */
  struct bauth own;
  size_t nconns;
};

/* MQTT over WebSocket on one connection (broker_ws.c) */
struct bws {
  int upgraded;            /* the HTTP handshake is done: frames from here on */
  uint8_t opcode, mask[4]; /* the data frame being read */
  uint64_t left, off;      /* its payload bytes still to come, and done */
  struct tern_buf in;      /* MQTT bytes taken out of frames */
};

struct bconn {
  struct tern_broker *broker;
  struct tern_conn *conn;
  struct blistener *listener;
  struct bws *ws;          /* NULL: plain MQTT over TCP (or TLS) */
  struct session *session; /* after CONNECT */
  uint32_t last_rx, connected_at;
  uint16_t keepalive;
  int got_connect;
  int got_disconnect;
  struct bmsg *will;          /* published if the link dies without DISCONNECT */
  struct session *blocked_by; /* paused: its PUBLISH packets wait until this one catches up */
  int holding;                /* PUBLISH packets held at the front of rx */
  int is_bridge;              /* connected as a bridge (protocol level | 0x80) */
  /* MQTT 5.0 (version TERN_MQTT_V5): what the client asked for */
  uint8_t version;         /* TERN_MQTT_V311 until a 5.0 CONNECT */
  uint8_t problem_info;    /* Request Problem Information (1: reason strings welcome) */
  uint16_t receive_max;    /* QoS 1/2 messages it takes unacknowledged at once */
  uint32_t max_packet;     /* the largest packet it accepts (0: no limit) */
  uint32_t session_expiry; /* from CONNECT, may change at DISCONNECT */
  uint32_t will_delay_s;
  char **aliases;         /* its Topic Aliases (1..TERN_BROKER_TOPIC_ALIAS_MAX), or NULL */
  char **aliases_out;     /* ours to it (1..alias_out_max), or NULL */
  uint16_t alias_out_max; /* its Topic Alias Maximum, within ours */
};

/* broker_bridge.c: one bridge and its client upstream */
struct tern_mqtt;
struct bbridge;
struct bin { /* an 'in' topic's subscription upstream */
  struct bbridge *br;
  const struct tern_bridge_topic *t;
};
struct bbridge {
  struct tern_broker *broker;
  struct bin in[TERN_BRIDGE_MAX_TOPICS];
  const struct tern_broker_bridge *cfg;
  struct tern_mqtt *client;
  struct session gate; /* "full" while the queue upstream is near its cap: publishers wait */
  char state_topic[256];
  int connected;
  int leaving; /* tern_broker_shutdown: 1 "0" sent upstream; 2 then DISCONNECT, once acked */
};

#define TERN_BROKER_MSG_CLASSES 5 /* 128, 256, 512, 1024, 2048 bytes */

struct tern_broker {
  struct tern_loop *loop;
  struct tern_broker_opts opts;
  /* freed messages by size class, and queue items, kept for reuse */
  struct bmsg *msg_cache[TERN_BROKER_MSG_CLASSES][TERN_BROKER_MSG_CACHE];
  uint16_t nmsg_cache[TERN_BROKER_MSG_CLASSES];
  struct qitem *item_cache; /* linked through next */
  size_t nitem_cache;
  struct blistener listeners[TERN_BROKER_MAX_LISTENERS];
  int nlisteners;
  struct bauth auth;
  struct session *sessions[TERN_BROKER_SESSION_BUCKETS];
  struct tnode *root;
  /* every node but the root by (parent, level): a level with 10,000
   * children ("fleet/dN/...") is one lookup, not a scan of the siblings */
  struct tnode **index;
  size_t index_cap, index_n;
  struct bmsg **retained; /* open-addressed by topic would be faster; a list is enough for now */
  size_t nretained, retained_cap;
  struct tern_store *store;
  struct bbridge *bridges[TERN_BROKER_MAX_BRIDGES];
  int nbridges;
  struct bbridge *from_bridge; /* routing: the bridge this message came in on */
  uint64_t next_store_id;
  struct session *publisher; /* routing: whose PUBLISH this is */
  struct session *hit_full;  /* routing: a subscriber it reached that is behind */
  int matched;               /* routing: it reached a subscriber (5.0's PUBACK says if not) */
  struct sgroup *via_group;  /* routing: the shared subscription being delivered through */
  uint32_t via_sub_id;       /* routing: the Subscription Identifier of this copy */
  unsigned match_gen;
  struct tern_timer sys_timer, expiry_timer;
  struct tern_timer resume_timer; /* a full session caught up: its publishers go on */
  int stopping;
  int shutting_down; /* tern_broker_shutdown: saying goodbye, taking no one new */
  uint32_t started;
  struct tern_broker_stats st;
};

/* broker_tree.c: subscriptions */
int tern_broker_tree_subscribe(struct tern_broker *b, struct session *s, const char *filter,
                               size_t len, uint8_t opts, uint32_t sub_id);
int tern_broker_tree_unsubscribe(struct tern_broker *b, struct session *s, const char *filter,
                                 size_t len);
void tern_broker_tree_remove_session(struct tern_broker *b, struct session *s);
/* Calls fn once per session, with its matching subscriptions' options
 * combined (the highest QoS; No Local if all say so; RAP if any does). */
void tern_broker_tree_match(struct tern_broker *b, const char *topic, size_t len,
                            void (*fn)(struct tern_broker *b, struct session *s, uint8_t opts,
                                       void *arg),
                            void *arg);
void tern_broker_tree_free(struct tern_broker *b);
/* Shared subscriptions: the member a message for g goes to now (connected
 * and keeping up first, in turn; else the next in turn), never 'not'. */
struct sub *tern_broker_group_pick(struct sgroup *g, const struct session *skip);
/* broker.c: a group is freed; messages that came through it forget it */
void tern_broker_group_gone(struct tern_broker *b, struct sgroup *g);
size_t tern_broker_tree_filter(const struct sub *sub, char *out, size_t outlen);

/* broker_ws.c: MQTT over WebSocket. unwrap: the handshake, then frames
 * from conn->rx into ws->in (0, or < 0 with *why: close). frame: wraps the
 * bytes from tx offset 'from' in one binary frame. */
int tern_broker_ws_unwrap(struct bconn *bc, const char **why);
int tern_broker_ws_frame(struct bconn *bc, size_t from);
void tern_broker_ws_free(struct bconn *bc);

int tern_broker_bridges_start(struct tern_broker *b);
void tern_broker_bridges_stop(struct tern_broker *b);
/* A clean stop's part for bridges: the state "0" upstream first, then
 * DISCONNECT; returns how many bridges are still connected. */
size_t tern_broker_bridges_shutdown(struct tern_broker *b);
/* A message routed locally: forward it on every bridge whose out topics match. */
void tern_broker_bridges_out(struct tern_broker *b, struct bmsg *m);
/* broker.c: a message from upstream (or a notification) routed here */
int tern_broker_route_from(struct tern_broker *b, struct bbridge *from, const char *topic,
                           size_t tlen, const void *payload, size_t len, uint8_t qos,
                           uint8_t retain, const struct tern_mqtt_props *props);

/* broker_acl.c: Mosquitto acl_file */
enum { ACL_READ = 1, ACL_WRITE = 2 };
int tern_broker_acl_load(const struct tern_allocator *alloc, const char *path,
                         struct acl_rule **out);
void tern_broker_acl_free(const struct tern_allocator *alloc, struct acl_rule *r);
int tern_broker_acl_check(const struct acl_rule *rules, const char *username, const char *client_id,
                          const char *topic, size_t tlen, int access);

/* broker_store.c: durability */
int tern_broker_bstore_open(struct tern_broker *b);
void tern_broker_bstore_close(struct tern_broker *b);
void tern_broker_bstore_retain(struct tern_broker *b, const struct bmsg *m);
void tern_broker_bstore_session(struct tern_broker *b, const struct session *s, int alive);
void tern_broker_bstore_sub(struct tern_broker *b, const struct session *s, const char *filter,
                            size_t flen, uint8_t qos, uint32_t sub_id, int add);
void tern_broker_bstore_msg(struct tern_broker *b, const struct session *s, struct qitem *q);
void tern_broker_bstore_msg_done(struct tern_broker *b, struct qitem *q);
void tern_broker_bstore_flush(struct tern_broker *b);

/* broker.c helpers used by the store's replay */
struct session *tern_broker_session_get(struct tern_broker *b, const char *client_id, int create);
struct bmsg *tern_broker_bmsg_new(struct tern_broker *b, const char *topic, size_t tlen,
                                  const void *payload, size_t plen, uint8_t qos, uint8_t retain);
/* The same with a 5.0 PUBLISH's (or will's) properties: those passed on
 * are kept encoded, the expiry as a deadline. props NULL: none. */
struct bmsg *tern_broker_bmsg_new5(struct tern_broker *b, const char *topic, size_t tlen,
                                   const void *payload, size_t plen, uint8_t qos, uint8_t retain,
                                   const struct tern_mqtt_props *props);
/* The same from properties already encoded (the store's replay). */
struct bmsg *tern_broker_bmsg_new_raw(struct tern_broker *b, const char *topic, size_t tlen,
                                      const void *payload, size_t plen, uint8_t qos, uint8_t retain,
                                      const void *props, size_t props_len, uint64_t expires_us);
void tern_broker_bmsg_unref(struct tern_broker *b, struct bmsg *m);
/* q's message let go, q itself back to the cache (or freed) */
void tern_broker_item_free(struct tern_broker *b, struct qitem *q);
void tern_broker_retain_set(struct tern_broker *b, struct bmsg *m, int persist);
struct qitem *tern_broker_session_enqueue(struct tern_broker *b, struct session *s, struct bmsg *m,
                                          uint8_t qos, uint8_t retain);

#endif

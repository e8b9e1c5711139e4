/* Compile-time options and limits. Every number here is a default that a
 * build may override with -DNAME=value (as lwIP's opt.h). */
#ifndef TERN_CONFIG_H
#define TERN_CONFIG_H

/* ---- Which modules are built (a firmware build can leave parts out). ---- */
#ifndef TERN_ENABLE_TLS
#define TERN_ENABLE_TLS 1
#endif
#ifndef TERN_HTTP_STATIC_FILES
#define TERN_HTTP_STATIC_FILES 1 /* the HTTP server serves a folder (tern serve) */
#endif
#ifndef TERN_HTTP_WEBSOCKET
#define TERN_HTTP_WEBSOCKET 1 /* the HTTP server upgrades to WebSocket (the broker's ws://) */
#endif

/* ---- Core ---- */
#ifndef TERN_LOG_LINE_MAX
#define TERN_LOG_LINE_MAX 512 /* one formatted log line */
#endif

#ifndef TERN_BUF_DEFAULT_CAP
#define TERN_BUF_DEFAULT_CAP (256 * 1024) /* per-connection rx/tx cap */
#endif

#ifndef TERN_IO_CHUNK
#define TERN_IO_CHUNK 16384 /* bytes read per readiness event */
#endif

#ifndef TERN_MAX_CONNS
#define TERN_MAX_CONNS 20000 /* connections one loop will hold */
#endif

#ifndef TERN_SWEEP_MS
/* How often the loop walks every connection (TERN_EV_POLL housekeeping, the
 * port's interest refresh, reaping closed ones): at most once per this
 * many ms, not once per wake-up, so 10,000 idle connections cost nothing
 * per message. What waits for the walk waits at most this long. */
#define TERN_SWEEP_MS 10
#endif

#ifndef TERN_CONNECT_TIMEOUT_MS
#define TERN_CONNECT_TIMEOUT_MS 10000
#endif

#ifndef TERN_CONF_FILE_MAX
#define TERN_CONF_FILE_MAX (1024 * 1024) /* a configuration file larger than this is refused */
#endif

#ifndef TERN_BUS_MAX_LISTENERS
#define TERN_BUS_MAX_LISTENERS 16 /* event-bus subscribers per loop */
#endif

#ifndef TERN_URL_MAX
#define TERN_URL_MAX 2048 /* longest URL the parser accepts */
#endif

/* ---- DNS resolver ---- */
#ifndef TERN_DNS_SYSTEM_FILES
/* 1: the hosts file and resolv.conf's servers, read through the port's
 * files. 0, on a board without a file system: no hosts file, and the
 * servers the network named (tern_iface_dns_servers: DHCP's), asked again
 * at each query so a new lease's servers are used. */
#define TERN_DNS_SYSTEM_FILES 1
#endif
#ifndef TERN_DNS_RESOLV_CONF
#define TERN_DNS_RESOLV_CONF "/etc/resolv.conf" /* read through the port's files */
#endif
#ifndef TERN_DNS_HOSTS_FILE
#define TERN_DNS_HOSTS_FILE "/etc/hosts"
#endif
#ifndef TERN_DNS_MAX_SERVERS
#define TERN_DNS_MAX_SERVERS 3
#endif

#ifndef TERN_DNS_TIMEOUT_MS
#define TERN_DNS_TIMEOUT_MS 1500 /* per attempt */
#endif

#ifndef TERN_DNS_ATTEMPTS
#define TERN_DNS_ATTEMPTS 3 /* attempts across servers */
#endif

#ifndef TERN_DNS_CACHE_SIZE
#define TERN_DNS_CACHE_SIZE 16 /* cached names */
#endif

#ifndef TERN_DNS_CACHE_MAX_TTL
#define TERN_DNS_CACHE_MAX_TTL 300 /* seconds, upper bound on cached TTL */
#endif

#ifndef TERN_DNS_MAX_ADDRS
#define TERN_DNS_MAX_ADDRS 8 /* addresses kept per answer */
#endif

#ifndef TERN_DNS_MAX_RR
#define TERN_DNS_MAX_RR 64 /* records decoded per message */
#endif

#ifndef TERN_DNS_MSG_MAX
#define TERN_DNS_MSG_MAX 1500 /* largest DNS message handled */
#endif

/* ---- TLS ---- */
#ifndef TERN_TLS_CLOCK_FLOOR
#define TERN_TLS_CLOCK_FLOOR 1704067200 /* 2024-01-01: a clock earlier than this was never set */
#endif
#ifndef TERN_TLS_PEM_MAX
#define TERN_TLS_PEM_MAX (1024 * 1024) /* a CA bundle, certificate or key file */
#endif
#ifndef TERN_TLS_SYSTEM_BUNDLE
#define TERN_TLS_SYSTEM_BUNDLE 1 /* 0: no default CA bundle (a board): cafile is required */
#endif
#ifndef TERN_TLS_CA_BUNDLE
/* the first that loads: Debian/Ubuntu, Fedora/RHEL, openSUSE, Alpine */
#define TERN_TLS_CA_BUNDLE                                                                         \
  "/etc/ssl/certs/ca-certificates.crt:/etc/pki/tls/certs/ca-bundle.crt:"                           \
  "/etc/ssl/ca-bundle.pem:/etc/ssl/cert.pem"
#endif

/* ---- Device ---- */
#ifndef TERN_DEVICE_CLOCK_WAIT_S
#define TERN_DEVICE_CLOCK_WAIT_S 15 /* MQTT over TLS waits this long for a first SNTP sync */
#endif

/* ---- Credentials ---- */
#ifndef TERN_PW_ITERATIONS
#define TERN_PW_ITERATIONS 101 /* mosquitto_passwd's default for $7$ */
#endif

#ifndef TERN_PW_FILE_MAX
#define TERN_PW_FILE_MAX (4 * 1024 * 1024) /* a password file larger than this is refused */
#endif
#ifndef TERN_PW_LINE_MAX
#define TERN_PW_LINE_MAX 1024
#endif

/* ---- MQTT ---- */
#ifndef TERN_MQTT_MAX_PACKET
#define TERN_MQTT_MAX_PACKET (256 * 1024) /* largest packet accepted */
#endif
#ifndef TERN_MQTT_MAX_FALLBACKS
#define TERN_MQTT_MAX_FALLBACKS 7 /* brokers a client tries after the first of its list */
#endif

#ifndef TERN_MQTT_MAX_TOPIC
#define TERN_MQTT_MAX_TOPIC 1024
#endif

#ifndef TERN_MQTT_MAX_FILTERS
#define TERN_MQTT_MAX_FILTERS 16 /* filters in one SUBSCRIBE */
#endif

#ifndef TERN_ENABLE_MQTT5
#define TERN_ENABLE_MQTT5 1 /* MQTT 5.0 (0: a 3.1.1-only codec and client, about 7 KB less) */
#endif
#ifndef TERN_MQTT_PROPS_MAX
#define TERN_MQTT_PROPS_MAX 512 /* MQTT 5 properties a client keeps with one outbound message */
#endif
#ifndef TERN_MQTT_TOPIC_ALIASES
#define TERN_MQTT_TOPIC_ALIASES                                                                    \
  8 /* MQTT 5 topics a client sends as aliases (if the broker allows) */
#endif
#ifndef TERN_MQTT_MAX_SUB_IDS
#define TERN_MQTT_MAX_SUB_IDS 8 /* MQTT 5 subscription identifiers kept from one PUBLISH */
#endif
#ifndef TERN_MQTT_INFLIGHT
#define TERN_MQTT_INFLIGHT 20 /* unacknowledged QoS>0 messages out */
#endif

#ifndef TERN_MQTT_QOS2_HISTORY
#define TERN_MQTT_QOS2_HISTORY                                                                     \
  4096 /* delivered QoS 2 messages remembered against stale resends                                \
          (8 bytes each, allocated on the first QoS 2 message) */
#endif

/* Acknowledged messages the client keeps for reuse, so a device publishing
 * in a steady stream allocates nothing per message (each kept one holds
 * up to TERN_MQTT_MSG_CACHE_ROOM bytes of topic, payload and properties;
 * larger messages are freed). */
#ifndef TERN_MQTT_MSG_CACHE
#define TERN_MQTT_MSG_CACHE 4
#endif
#ifndef TERN_MQTT_MSG_CACHE_ROOM
#define TERN_MQTT_MSG_CACHE_ROOM 512
#endif

#ifndef TERN_MQTT_QUEUE_MAX
#define TERN_MQTT_QUEUE_MAX 100000 /* messages queued per session */
#endif

/* ---- MQTT broker ---- */
#ifndef TERN_BROKER_MAX_CLIENTS
#define TERN_BROKER_MAX_CLIENTS 19000 /* below the hard fd limit of 20,000 */
#endif

#ifndef TERN_BROKER_SESSION_BUCKETS
#define TERN_BROKER_SESSION_BUCKETS 4096
#endif

#ifndef TERN_BROKER_CONNECT_TIMEOUT_MS
#define TERN_BROKER_CONNECT_TIMEOUT_MS 10000 /* CONNECT must arrive within this */
#endif

#ifndef TERN_BROKER_PAUSE_QUEUED
#define TERN_BROKER_PAUSE_QUEUED                                                                   \
  1000 /* an online subscriber this far behind pauses its publishers */
#endif

/* Freed messages and queue items the broker keeps for reuse, so its steady
 * state allocates nothing per message: messages by size class (up to 128,
 * 256, 512, 1024, 2048 bytes with topic and payload; larger ones are
 * allocated each time), at most TERN_BROKER_MSG_CACHE per class (256 KB at
 * most, held); queue items (48 bytes each) at most TERN_BROKER_ITEM_CACHE. */
#ifndef TERN_BROKER_MSG_CACHE
#define TERN_BROKER_MSG_CACHE 64
#endif
#ifndef TERN_BROKER_ITEM_CACHE
#define TERN_BROKER_ITEM_CACHE 4096
#endif

#ifndef TERN_BROKER_PAUSE_BYTES
#define TERN_BROKER_PAUSE_BYTES (1024 * 1024) /* ... or this many payload bytes behind */
#endif

#ifndef TERN_BROKER_STALL_MS
#define TERN_BROKER_STALL_MS 1000 /* behind and taking nothing this long: QoS 0 for it dropped */
#endif

#ifndef TERN_BROKER_SLOW_SUBSCRIBER_S
#define TERN_BROKER_SLOW_SUBSCRIBER_S 60 /* behind and taking nothing this long: disconnected */
#endif

#ifndef TERN_BROKER_ACL_FILE_MAX
#define TERN_BROKER_ACL_FILE_MAX (4 * 1024 * 1024) /* an ACL file larger than this is refused */
#endif

#ifndef TERN_BROKER_TOPIC_ALIAS_MAX
#define TERN_BROKER_TOPIC_ALIAS_MAX 16 /* MQTT 5 Topic Aliases a client may set per connection */
#endif
#ifndef TERN_BROKER_MAX_QOS2_IN
#define TERN_BROKER_MAX_QOS2_IN 1024 /* QoS 2 ids awaiting PUBREL per client */
#endif

#ifndef TERN_STORE_COMPACT_BYTES
#define TERN_STORE_COMPACT_BYTES (8 * 1024 * 1024) /* rewrite the log past this */
#endif

/* ---- Console ---- */
#ifndef TERN_CONSOLE_ADDR_SLOTS
#define TERN_CONSOLE_ADDR_SLOTS 64 /* client addresses whose login failures are remembered */
#endif

/* ---- HTTP ---- */
#ifndef TERN_HTTP_MAX_HEADERS
#define TERN_HTTP_MAX_HEADERS 48 /* header fields per message (431 beyond) */
#endif

#ifndef TERN_HTTP_MAX_HEAD
#define TERN_HTTP_MAX_HEAD 16384 /* request/status line + headers (431 beyond) */
#endif

#ifndef TERN_HTTP_MAX_BODY
#define TERN_HTTP_MAX_BODY (1024 * 1024) /* request body a server accepts (413 beyond) */
#endif

#ifndef TERN_HTTP_MAX_BODY_FILE
#define TERN_HTTP_MAX_BODY_FILE                                                                    \
  (64 * 1024 * 1024) /* a request body read from a file (-d @FILE)                                 \
                      */
#endif

#ifndef TERN_HTTP_MAX_CONNS
#define TERN_HTTP_MAX_CONNS 256 /* server connections; the oldest idle one goes first */
#endif

#ifndef TERN_HTTP_IDLE_MS
#define TERN_HTTP_IDLE_MS 30000 /* keep-alive connection with nothing to do */
#endif

#ifndef TERN_HTTP_REQUEST_MS
#define TERN_HTTP_REQUEST_MS 10000 /* a whole request must arrive within this (408) */
#endif

#ifndef TERN_HTTP_CLIENT_IDLE
#define TERN_HTTP_CLIENT_IDLE 4 /* kept-alive client connections held for reuse */
#endif

#ifndef TERN_HTTP_ACCESS_LOG
#define TERN_HTTP_ACCESS_LOG 1 /* the server keeps each request line for its access log */
#endif
#ifndef TERN_HTTP_MAX_REDIRECTS
#define TERN_HTTP_MAX_REDIRECTS 5
#endif

#ifndef TERN_JSON_MAX_DEPTH
#define TERN_JSON_MAX_DEPTH 64
#endif

/* ---- Combinations that cannot work: refused at compile time (as lwIP's init.c) ---- */
#if TERN_BUF_DEFAULT_CAP < TERN_IO_CHUNK
#error "TERN_BUF_DEFAULT_CAP must hold at least one TERN_IO_CHUNK read"
#endif
#if TERN_MQTT_MAX_PACKET > TERN_BUF_DEFAULT_CAP
#error "TERN_MQTT_MAX_PACKET exceeds TERN_BUF_DEFAULT_CAP: such packets could never be read"
#endif
#if TERN_MQTT_MAX_TOPIC > TERN_MQTT_MAX_PACKET
#error "TERN_MQTT_MAX_TOPIC cannot exceed TERN_MQTT_MAX_PACKET"
#endif
#if TERN_MQTT_TOPIC_ALIASES < 0 || TERN_MQTT_TOPIC_ALIASES > 65535
#error "TERN_MQTT_TOPIC_ALIASES must be 0..65535 (MQTT 5 Topic Alias values)"
#endif
#if TERN_BROKER_TOPIC_ALIAS_MAX < 0 || TERN_BROKER_TOPIC_ALIAS_MAX > 65535
#error "TERN_BROKER_TOPIC_ALIAS_MAX must be 0..65535"
#endif
#if TERN_BROKER_MAX_QOS2_IN < 1 || TERN_BROKER_MAX_QOS2_IN > 65535
#error "TERN_BROKER_MAX_QOS2_IN must be 1..65535 (it is the broker's MQTT 5 Receive Maximum)"
#endif
#if TERN_MQTT_MAX_SUB_IDS < 1 || TERN_MQTT_MAX_SUB_IDS > 255
#error "TERN_MQTT_MAX_SUB_IDS must be 1..255"
#endif
#if TERN_MQTT_INFLIGHT < 1 || TERN_MQTT_INFLIGHT > 65535
#error "TERN_MQTT_INFLIGHT must be 1..65535 (MQTT packet identifiers)"
#endif
#if TERN_DNS_MAX_SERVERS < 1 || TERN_DNS_ATTEMPTS < 1
#error "the resolver needs at least one server slot and one attempt"
#endif
#if TERN_DNS_MSG_MAX < 512
#error "TERN_DNS_MSG_MAX below 512: RFC 1035 UDP answers would not fit"
#endif
#if TERN_HTTP_MAX_HEAD > TERN_BUF_DEFAULT_CAP
#error "TERN_HTTP_MAX_HEAD larger than a connection's buffer: 431 could never be sent"
#endif
#if TERN_CONSOLE_ADDR_SLOTS < 1
#error "TERN_CONSOLE_ADDR_SLOTS must be at least 1 (the login rate limit keeps one address)"
#endif
#if TERN_HTTP_MAX_CONNS < 1 || TERN_MAX_CONNS < TERN_HTTP_MAX_CONNS
#error "TERN_HTTP_MAX_CONNS must be 1..TERN_MAX_CONNS"
#endif
#if TERN_BUS_MAX_LISTENERS < 1
#error "TERN_BUS_MAX_LISTENERS must be at least 1"
#endif

#endif

/* The telnet console: login, per-address rate limiting, then the shell.
 * After a failed login the next prompt waits 1 s, doubling with each
 * consecutive failure from that address (at most 30 s); three failures end
 * the connection; ten failures from one address within ten minutes lock
 * that address out for ten minutes, while others still log in. */
#include <stdio.h>
#include <string.h>
#include "tern/config.h"
#include "tern/log.h"
#include "tern/loop.h"
#include "tern/rtc.h"
#include "tern/console.h"
#include "tern/creds.h"
#include "tern/error.h"
#include "tern/shell.h"
#include "tern/telnet.h"
#include "tern/tls.h"

#define FIELD_MAX 64
#define LOCK_FAILURES 10
#define LOCK_WINDOW_MS (10u * 60 * 1000)

struct addr_record {
  uint8_t ip[16];
  uint8_t used;
  unsigned consecutive;
  uint32_t fails[LOCK_FAILURES]; /* times of the last failures, a ring */
  unsigned nfails;
  uint32_t locked_until;
  int locked;
};

enum { ST_USER, ST_PASS, ST_DELAY, ST_SHELL };

struct csess {
  struct tern_console *con;
  struct tern_conn *conn;
  struct tern_telnet tn;
  struct tern_shell_session *shell;
  int state, failures;
  char user[FIELD_MAX + 1], pass[FIELD_MAX + 1];
  size_t len;
  uint32_t last_active;
  struct tern_timer delay;
};

struct tern_console {
  struct tern_loop *loop;
  struct tern_console_opts o;
  struct tern_conn *plain, *secure;
  struct tern_pwfile *pw;
  size_t sessions;
  struct addr_record addrs[TERN_CONSOLE_ADDR_SLOTS];
};

static struct addr_record *record_for(struct tern_console *con, const struct tern_addr *a,
                                      int create) {
  struct addr_record *free_slot = NULL, *oldest = &con->addrs[0];
  for (int i = 0; i < TERN_CONSOLE_ADDR_SLOTS; i++) {
    struct addr_record *r = &con->addrs[i];
    if (r->used && !memcmp(r->ip, a->ip, 16)) return r;
    if (!r->used && !free_slot) free_slot = r;
    if (r->used && r->nfails && oldest->nfails &&
        tern_time_before(r->fails[(r->nfails - 1) % LOCK_FAILURES],
                         oldest->fails[(oldest->nfails - 1) % LOCK_FAILURES]))
      oldest = r;
  }
  if (!create) return NULL;
  struct addr_record *r = free_slot ? free_slot : oldest; /* full: forget the quietest address */
  memset(r, 0, sizeof(*r));
  memcpy(r->ip, a->ip, 16);
  r->used = 1;
  return r;
}

static int locked_out(struct tern_console *con, const struct tern_addr *a) {
  struct addr_record *r = record_for(con, a, 0);
  if (!r || !r->locked) return 0;
  if (tern_time_before(tern_loop_now(con->loop), r->locked_until)) return 1;
  r->locked = 0;
  r->nfails = 0;
  r->consecutive = 0;
  return 0;
}

static void send_text(struct csess *cs, const char *data, size_t len) {
  if (tern_telnet_encode(data, len, &cs->conn->tx) == 0) tern_send(cs->conn, NULL, 0);
}
static void say(struct csess *cs, const char *z) { send_text(cs, z, strlen(z)); }
static void shell_write(void *ctx, const char *data, size_t len) { send_text(ctx, data, len); }
static size_t shell_room(void *ctx) {
  struct csess *cs = ctx;
  struct tern_buf *tx = &cs->conn->tx;
  return tx->cap > tx->len ? tx->cap - tx->len : 0;
}

static void prompt_login(struct csess *cs) {
  cs->state = ST_USER;
  cs->len = 0;
  say(cs, "login: ");
}

static void delay_done(struct tern_timer *t, void *arg) {
  (void)t;
  prompt_login(arg);
}

static void login_failed(struct csess *cs) {
  struct tern_console *con = cs->con;
  struct addr_record *r = record_for(con, &cs->conn->peer, 1);
  uint32_t now = tern_loop_now(con->loop);
  r->consecutive++;
  r->fails[r->nfails++ % LOCK_FAILURES] = now;
  /* ten failures within ten minutes: the oldest of the last ten is recent */
  if (r->nfails >= LOCK_FAILURES && now - r->fails[r->nfails % LOCK_FAILURES] <= LOCK_WINDOW_MS) {
    r->locked = 1;
    r->locked_until = now + LOCK_WINDOW_MS;
    TERN_WARN(con->loop, "console: %u failed logins from one address: locked out for 10 minutes",
              LOCK_FAILURES);
  }
  cs->failures++;
  say(cs, "\r\nLogin incorrect\r\n");
  if (cs->failures >= 3 || r->locked) {
    tern_close(cs->conn);
    return;
  }
  uint32_t delay = 1000u << (r->consecutive - 1 < 5 ? r->consecutive - 1 : 5);
  if (delay > 30000) delay = 30000;
  cs->state = ST_DELAY;
  tern_timer_start(con->loop, &cs->delay, delay, 0, delay_done, cs);
}

static void check_login(struct csess *cs) {
  struct tern_console *con = cs->con;
  int ok = con->o.passwd_hash ? tern_pw_verify(con->o.passwd_hash, cs->pass) == 0
                              : tern_pwfile_check(con->pw, cs->user, cs->pass) == 0;
  if (con->o.user && strcmp(con->o.user, cs->user) != 0) ok = 0;
  memset(cs->pass, 0, sizeof(cs->pass));
  if (!ok) {
    login_failed(cs);
    return;
  }
  struct addr_record *r = record_for(con, &cs->conn->peer, 0);
  if (r) r->consecutive = 0;
  cs->state = ST_SHELL;
  cs->shell = tern_shell_session_new(con->o.shell, shell_write, cs, 1);
  if (!cs->shell) {
    tern_close(cs->conn);
    return;
  }
  tern_shell_set_room(cs->shell, shell_room);
  say(cs, "\r\n");
  tern_shell_start(cs->shell);
}

static void on_bytes(struct csess *cs, const uint8_t *d, size_t n) {
  for (size_t i = 0; i < n && !cs->conn->is_closing && !cs->conn->is_draining; i++) {
    uint8_t c = d[i];
    if (cs->state == ST_SHELL) {
      tern_shell_input(cs->shell, d + i, n - i);
      if (tern_shell_ended(cs->shell)) tern_close(cs->conn);
      return;
    }
    if (cs->state == ST_DELAY) continue; /* typed during the delay: dropped */
    char *field = cs->state == ST_USER ? cs->user : cs->pass;
    if (c == '\r' || c == '\n') {
      field[cs->len] = '\0';
      if (cs->state == ST_USER) {
        if (cs->len == 0) {
          say(cs, "\r\nlogin: ");
          continue;
        }
        cs->state = ST_PASS;
        cs->len = 0;
        say(cs,
            "\r\nPassword: "); /* we do not echo: the telnet client does not either (WILL ECHO) */
      } else {
        check_login(cs);
      }
    } else if (c == 0x7f || c == 8) {
      if (cs->len) {
        cs->len--;
        if (cs->state == ST_USER) say(cs, "\b \b");
      }
    } else if (c == 3) {
      say(cs, "^C\r\n");
      prompt_login(cs);
    } else if (c >= 0x20 && cs->len < FIELD_MAX) {
      field[cs->len++] = (char)c;
      if (cs->state == ST_USER) send_text(cs, (char *)&c, 1);
    }
  }
}

static void console_fn(struct tern_conn *c, int ev, void *ev_data) {
  (void)ev_data;
  struct tern_console *con = c->fn_data;
  struct csess *cs = c->proto;
  switch (ev) {
  case TERN_EV_ACCEPT: {
    if (locked_out(con, &c->peer)) {
      tern_send(c, "too many failed logins from your address; try again later\r\n", 59);
      tern_close(c);
      return;
    }
    if (con->sessions >= con->o.max_sessions) {
      tern_send(c, "too many sessions; try again later\r\n", 36);
      tern_close(c);
      return;
    }
    cs = tern_alloc(tern_loop_alloc(con->loop), sizeof(*cs));
    if (!cs) {
      tern_close_now(c);
      return;
    }
    cs->con = con;
    cs->conn = c;
    cs->last_active = tern_loop_now(con->loop);
    tern_telnet_init(&cs->tn);
    c->proto = cs;
    con->sessions++;
    tern_telnet_start(&cs->tn, &c->tx);
    char banner[96];
    snprintf(banner, sizeof(banner), "\r\n%s console\r\n", tern_shell_name(con->o.shell));
    say(cs, banner);
    prompt_login(cs);
    break;
  }
  case TERN_EV_READ: {
    if (!cs) {
      tern_buf_consume(&c->rx, c->rx.len);
      break;
    }
    cs->last_active = tern_loop_now(con->loop);
    struct tern_buf data;
    tern_buf_init(&data, tern_loop_alloc(con->loop), 64 * 1024);
    int rc = tern_telnet_decode(&cs->tn, c->rx.data, c->rx.len, &data, &c->tx);
    tern_buf_consume(&c->rx, c->rx.len);
    if (c->tx.len) tern_send(c, NULL, 0);
    if (rc == 0) on_bytes(cs, data.data, data.len);
    else tern_close(c); /* more than 64 KB of input in one read: not a human */
    tern_buf_free(&data);
    break;
  }
  case TERN_EV_SENT:
    if (cs && cs->shell) tern_shell_drained(cs->shell); /* room again: a waiting command goes on */
    break;
  case TERN_EV_POLL:
    if (cs && tern_loop_now(con->loop) - cs->last_active > con->o.idle_ms) {
      say(cs, "\r\nidle timeout\r\n");
      tern_close(c);
      cs->last_active = tern_loop_now(con->loop);
    }
    break;
  case TERN_EV_CLOSE:
    if (!cs) break;
    tern_timer_stop(con->loop, &cs->delay);
    tern_shell_session_free(cs->shell);
    con->sessions--;
    tern_free(tern_loop_alloc(con->loop), cs);
    c->proto = NULL;
    break;
  }
}

int tern_console_reload(struct tern_console *con) {
  if (con->o.passwd_hash) return 0; /* nothing to read again */
  struct tern_pwfile *pw;
  int rc = tern_pwfile_load(tern_loop_alloc(con->loop), con->o.passwd_file, &pw);
  if (rc) return rc;
  tern_pwfile_free(con->pw);
  con->pw = pw;
  return 0;
}

struct tern_console *tern_console_start(struct tern_loop *loop, const struct tern_console_opts *o,
                                        int *err) {
  if (!(o->passwd_file || (o->passwd_hash && o->user)) || !o->shell) {
    *err = TERN_EINVAL;
    return NULL;
  }
  struct tern_console *con = tern_alloc(tern_loop_alloc(loop), sizeof(*con));
  if (!con) {
    *err = TERN_ENOMEM;
    return NULL;
  }
  con->loop = loop;
  con->o = *o;
  if (!con->o.max_sessions) con->o.max_sessions = 4;
  if (!con->o.idle_ms) con->o.idle_ms = 10u * 60 * 1000;
  if ((*err = tern_console_reload(con)) != 0) {
    tern_free(tern_loop_alloc(loop), con);
    return NULL;
  }
  if (o->listen && !(con->plain = tern_listen(loop, o->listen, console_fn, con))) {
    *err = tern_listen_error(loop);
    tern_console_stop(con);
    return NULL;
  }
  if (o->tls_listen && o->tls) {
    if (!(con->secure = tern_listen(loop, o->tls_listen, console_fn, con))) {
      *err = tern_listen_error(loop);
      tern_console_stop(con);
      return NULL;
    }
    tern_tls_listen(con->secure, o->tls);
  }
  if (con->plain)
    TERN_WARN(loop, "console: telnet is plaintext; passwords cross the network readable (use the "
                    "TLS listener on untrusted networks)");
  *err = 0;
  return con;
}

void tern_console_stop(struct tern_console *con) {
  if (!con) return;
  struct tern_conn *ls[2] = {con->plain, con->secure};
  for (int i = 0; i < 2; i++)
    if (ls[i]) {
      ls[i]->fn = NULL;
      tern_close_now(ls[i]);
    }
  for (struct tern_conn *c = tern_loop_conns(con->loop); c; c = c->next) {
    if (c->fn != console_fn || c->fn_data != con) continue;
    struct csess *cs = c->proto;
    if (cs) {
      tern_timer_stop(con->loop, &cs->delay);
      tern_shell_session_free(cs->shell);
      tern_free(tern_loop_alloc(con->loop), cs);
    }
    c->proto = NULL;
    c->fn = NULL;
    tern_close_now(c);
  }
  tern_pwfile_free(con->pw);
  tern_free(tern_loop_alloc(con->loop), con);
}

uint16_t tern_console_port(const struct tern_console *con, int tls) {
  const struct tern_conn *l = tls ? con->secure : con->plain;
  return l ? l->local.port : 0;
}

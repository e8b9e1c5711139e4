/* Shell commands shared by tern console and the device runtime: get URL and
 * post URL FORM (asynchronous, streamed with backpressure) and ifconfig. */
#include <stdint.h>
#include <string.h>
#include "tern/device.h"
#include "tern/error.h"
#include "tern/http.h"
#include "tern/shell.h"

struct get_job {
  const struct tern_allocator *alloc;
  struct tern_shell_session *s;
  struct tern_http_call *call;
  size_t len;       /* body bytes shown so far */
  const char *name; /* "get" or "post" */
  char form[];      /* post's body */
};

static void get_cancel(void *arg) {
  struct get_job *j = arg;
  tern_http_cancel(j->call); /* NULL once the answer is in: nothing to cancel */
  tern_free(j->alloc, j);
}

static void get_resume(void *arg) {
  struct get_job *j = arg;
  tern_http_resume(j->call);
}

/* The body as it arrives, as much as the console's output takes: when it
 * is full the call pauses, its connection stops reading, and the server
 * waits (no copy of the body is kept, whatever its size). */
static size_t get_body(const void *data, size_t len, void *arg) {
  struct get_job *j = arg;
  size_t took = 0;
  while (took < len) {
    size_t n = len - took < 1024 ? len - took : 1024;
    if (tern_shell_write(j->s, (const char *)data + took, n) != 0) {
      tern_shell_on_writable(j->s, get_resume, j);
      break;
    }
    took += n;
  }
  j->len += took;
  return took;
}

static void get_done(int err, struct tern_http_response *r, void *arg) {
  struct get_job *j = arg;
  j->call = NULL;
  if (err)
    tern_shell_printf(j->s, "%s: %s\r\n", j->name, r->error[0] ? r->error : tern_strerror(err));
  else tern_shell_printf(j->s, "\r\n[HTTP %d, %lu bytes]\r\n", r->status, (unsigned long)j->len);
  struct tern_shell_session *s = j->s;
  tern_shell_on_cancel(s, NULL, NULL);
  tern_free(j->alloc, j);
  tern_shell_done(s);
}

/* get URL, or post URL FORM: the form goes as
 * application/x-www-form-urlencoded; a URL with user:password@ gets Basic
 * auth (the HTTP client takes it, as curl does), e.g. Twilio's Messages API. */
static int sh_fetch(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  int post = !strcmp(argv[0], "post");
  if (argc != (post ? 3 : 2)) {
    tern_shell_printf(s, post ? "usage: post URL FORM\r\n" : "usage: get URL\r\n");
    return 0;
  }
  const struct tern_allocator *alloc = tern_loop_alloc(tern_shell_session_loop(s));
  size_t form_len = post ? strlen(argv[2]) : 0;
  struct get_job *j = tern_alloc(alloc, sizeof(*j) + form_len + 1);
  if (!j) return 0;
  j->alloc = alloc;
  j->s = s;
  j->name = post ? "post" : "get";
  struct tern_http_client_opts o = {.url = argv[1], .on_body = get_body, .body_arg = j, .tls = arg};
  if (post) {
    memcpy(j->form, argv[2], form_len);
    o.body = j->form;
    o.body_len = form_len;
    o.content_type = "application/x-www-form-urlencoded";
  }
  j->call = tern_http_start(tern_shell_session_loop(s), &o, get_done, j);
  if (!j->call) {
    tern_free(alloc, j);
    tern_shell_printf(s, "%s: out of memory\r\n", argv[0]);
    return 0;
  }
  tern_shell_on_cancel(s, get_cancel, j);
  return TERN_EAGAIN; /* the loop goes on; get_done finishes the command */
}

static int sh_ifconfig(struct tern_shell_session *s, int argc, char **argv, void *arg) {
  (void)argc;
  (void)argv;
  (void)arg;
  struct tern_iface_info all[64];
  int n = tern_ifaces(tern_shell_session_loop(s), all, 64);
  if (n < 0) {
    tern_shell_printf(s, "ifconfig: %s\r\n", tern_strerror(n));
    return 0;
  }
  for (int i = 0; i < n; i++) {
    char addr[64];
    tern_addr_str(&all[i].addr, addr, sizeof(addr), 0);
    tern_shell_printf(s, "%-10s %s %s\r\n", all[i].name, addr, all[i].up ? "up" : "down");
  }
  return 0;
}

void tern_device_shell_common_tls(struct tern_shell *sh, int with_ifconfig,
                                  const struct tern_tls_opts *tls) {
  void *t = (void *)(uintptr_t)tls; /* the shell's argument is not const */
  tern_shell_register(
      sh, "get", "get URL: fetch and print (runs in the background; Ctrl-C stops it)", sh_fetch, t);
  tern_shell_register(sh, "post",
                      "post URL FORM: send a form (a=1&b=2), print the answer; "
                      "https://user:key@host/... for Basic auth",
                      sh_fetch, t);
  if (with_ifconfig)
    tern_shell_register(sh, "ifconfig", "the interfaces and their addresses", sh_ifconfig, NULL);
}

void tern_device_shell_common(struct tern_shell *sh, int with_ifconfig) {
  tern_device_shell_common_tls(sh, with_ifconfig, NULL);
}

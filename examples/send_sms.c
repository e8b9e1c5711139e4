/* Send an SMS through a Twilio-shaped API: a form POST with Basic auth.
 *   send_sms BASE_URL ACCOUNT_SID AUTH_TOKEN FROM TO BODY
 * BASE_URL is https://api.twilio.com for the real service; tests use a stand-in.
 * TERN_CAFILE names the CA bundle to trust (the system's by default). */
#include <stdio.h>
#include <stdlib.h>
#include "tern/error.h"
#include "tern/http.h"
#include "tern/tls.h"

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: send_sms BASE_URL ACCOUNT_SID AUTH_TOKEN FROM TO BODY\n");
    return 2;
  }
  char url[512];
  snprintf(url, sizeof(url), "%s/2010-04-01/Accounts/%s/Messages.json", argv[1], argv[2]);
  struct tern_buf form;
  tern_buf_init(&form, NULL, 4096);
  tern_form_append(&form, "From", argv[4]);
  tern_form_append(&form, "To", argv[5]);
  tern_form_append(&form, "Body", argv[6]);

  struct tern_loop *loop = tern_loop_new(NULL);
  struct tern_tls_opts tls = {.ca_file = getenv("TERN_CAFILE")};
  struct tern_http_client_opts opts = {.method = "POST",
                                       .url = url,
                                       .body = form.data,
                                       .body_len = form.len,
                                       .user = argv[2],
                                       .pass = argv[3],
                                       .tls = &tls};
  struct tern_http_response r;
  int rc = tern_http_fetch(loop, &opts, &r);
  if (rc || r.status != 201) {
    fprintf(stderr, "send_sms: %s (HTTP %d) %.*s\n", rc ? r.error : "refused", r.status,
            (int)r.body.len, (const char *)r.body.data);
    return 1;
  }
  struct tern_str sid, status;
  tern_json_get((const char *)r.body.data, r.body.len, "sid", &sid);
  tern_json_get((const char *)r.body.data, r.body.len, "status", &status);
  printf("message %.*s %.*s\n", (int)sid.len, sid.p, (int)status.len, status.p);
  tern_http_response_free(&r);
  tern_buf_free(&form);
  tern_loop_free(loop);
  return 0;
}

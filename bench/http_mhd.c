/* http_mhd PORT: the smallest libmicrohttpd server answering "ok\n" on
 * every path, single-threaded (internal select/epoll), for bench/run_http.sh. */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state) {
  (void)cls;
  (void)url;
  (void)method;
  (void)version;
  (void)upload;
  (void)upload_size;
  (void)state;
  struct MHD_Response *r =
      MHD_create_response_from_buffer(3, (void *)"ok\n", MHD_RESPMEM_PERSISTENT);
  enum MHD_Result rc = MHD_queue_response(c, MHD_HTTP_OK, r);
  MHD_destroy_response(r);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  struct MHD_Daemon *d =
      MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)atoi(argv[1]),
                       NULL, NULL, answer, NULL, MHD_OPTION_CONNECTION_LIMIT, 1000, MHD_OPTION_END);
  if (!d) return 1;
  pause();
  return 0;
}

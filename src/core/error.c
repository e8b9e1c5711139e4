#include "tern/error.h"

const char *tern_strerror(int err) {
  switch (err) {
  case TERN_OK: return "success";
  case TERN_EINVAL: return "invalid argument";
  case TERN_ENOMEM: return "out of memory";
  case TERN_EFULL: return "buffer full";
  case TERN_EPARSE: return "malformed input";
  case TERN_EAGAIN: return "try again";
  case TERN_EIO: return "I/O error";
  case TERN_ECONNREFUSED: return "connection refused";
  case TERN_ECONNRESET: return "connection reset by peer";
  case TERN_ETIMEDOUT: return "timed out";
  case TERN_ERESOLVE: return "could not resolve host name";
  case TERN_ENOTFOUND: return "not found";
  case TERN_ECLOSED: return "connection closed";
  case TERN_ETLS: return "TLS handshake failed";
  case TERN_ETLS_CA: return "certificate not trusted (unknown CA)";
  case TERN_ETLS_HOST: return "certificate does not match host name";
  case TERN_ETLS_EXPIRED: return "certificate expired or not yet valid";
  case TERN_EAUTH: return "bad user name or password";
  case TERN_EUNSUPPORTED: return "not supported";
  case TERN_EPROTO: return "protocol error";
  case TERN_ELIMIT: return "limit reached";
  case TERN_EUNREACH: return "network unreachable";
  case TERN_EDENIED: return "not authorised";
  case TERN_EADDRINUSE: return "address already in use";
  case TERN_EADDRNOTAVAIL: return "address not available on this host";
  default: return "unknown error";
  }
}

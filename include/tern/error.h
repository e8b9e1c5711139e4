/* Error codes. Every function returns 0 (or a count) on success and a
 * negative TERN_E... code on failure; tern_strerror() explains it. */
#ifndef TERN_ERROR_H
#define TERN_ERROR_H
#pragma GCC visibility push(default) /* the public API: what libtern.so exports */

/* What went wrong, as every function reports it: 0 or one of these. */
enum tern_err {
  TERN_OK = 0,
  TERN_EINVAL = -1, /* bad argument */
  TERN_ENOMEM = -2, /* allocation failed */
  TERN_EFULL = -3,  /* a buffer or table hit its cap */
  TERN_EPARSE = -4, /* malformed input */
  TERN_EAGAIN = -5, /* need more input / try later */
  TERN_EIO = -6,    /* operating-system I/O error */
  TERN_ECONNREFUSED = -7,
  TERN_ECONNRESET = -8,
  TERN_ETIMEDOUT = -9,
  TERN_ERESOLVE = -10, /* host name did not resolve (NXDOMAIN or no data) */
  TERN_ENOTFOUND = -11,
  TERN_ECLOSED = -12,      /* connection already closed */
  TERN_ETLS = -13,         /* TLS handshake or record failure */
  TERN_ETLS_CA = -14,      /* certificate not signed by a trusted CA */
  TERN_ETLS_HOST = -15,    /* certificate does not match the host name */
  TERN_ETLS_EXPIRED = -16, /* certificate expired or not yet valid */
  TERN_EAUTH = -17,        /* bad user name or password */
  TERN_EUNSUPPORTED = -18,
  TERN_EPROTO = -19,       /* peer broke the protocol */
  TERN_ELIMIT = -20,       /* a configured limit was reached */
  TERN_EUNREACH = -21,     /* network or host unreachable */
  TERN_EDENIED = -22,      /* not authorised */
  TERN_EADDRINUSE = -23,   /* a listener's address is taken by another program */
  TERN_EADDRNOTAVAIL = -24 /* a local address this host does not have */
};

/* A short English explanation of err (a static string, never NULL;
 * "unknown error" for a code not listed here). */
const char *tern_strerror(int err);

#pragma GCC visibility pop
#endif

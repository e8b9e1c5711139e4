/* lwIP's compiler and platform glue for arm-none-eabi with newlib. Its
 * diagnostics (only with LWIP_DEBUG, or without LWIP_NOASSERT) go to the
 * UART as log lines, not through stdio. */
#ifndef TERN_LWIP_ARCH_CC_H
#define TERN_LWIP_ARCH_CC_H
#include <stdlib.h>
void tern_port_log(const char *line);
void tern_lwip_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define LWIP_PLATFORM_DIAG(x) tern_lwip_diag x
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
  do {                                                                                             \
    tern_port_log("lwIP assertion failed: " x);                                                    \
    abort();                                                                                       \
  } while (0)
#define LWIP_NO_UNISTD_H 1
#endif

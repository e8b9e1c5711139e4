/* lwIP's compiler and platform glue for arm-none-eabi with newlib. */
#ifndef TERN_LWIP_ARCH_CC_H
#define TERN_LWIP_ARCH_CC_H
#include <stdio.h>
#include <stdlib.h>
#define LWIP_PLATFORM_DIAG(x)                                                                      \
  do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x)                                                                    \
  do {                                                                                             \
    printf("lwIP assertion \"%s\" at %s:%d\n", x, __FILE__, __LINE__);                             \
    abort();                                                                                       \
  } while (0)
#define LWIP_NO_UNISTD_H 1
#endif

/* A minimal test harness: CHECK records a failure and goes on; the
 * summary line is the plain "N passed, N failed" that CI reads. */
#ifndef TERN_TEST_H
#define TERN_TEST_H
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (cond) test_passed++;                                                                       \
    else {                                                                                         \
      test_failed++;                                                                               \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);                     \
    }                                                                                              \
  } while (0)
#define CHECK_EQ(a, b) CHECK((long long)(a) == (long long)(b))
#define CHECK_STR(a, b) CHECK(strcmp((a), (b)) == 0)

#define TEST_MAIN_END()                                                                            \
  do {                                                                                             \
    printf("unit: %d passed, %d failed\n", test_passed, test_failed);                              \
    return test_failed ? 1 : 0;                                                                    \
  } while (0)

#endif

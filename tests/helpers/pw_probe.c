/* pw_probe FILE USER PASSWORD: prints "ok" or "refused" (tern_pwfile_check). */
#include <stdio.h>
#include "tern/creds.h"
#include "tern/error.h"

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  struct tern_pwfile *pf;
  int rc = tern_pwfile_load(NULL, argv[1], &pf);
  if (rc) {
    printf("error: %s\n", tern_strerror(rc));
    return 1;
  }
  rc = tern_pwfile_check(pf, argv[2], argv[3]);
  printf("%s\n", rc == 0 ? "ok" : "refused");
  tern_pwfile_free(pf);
  return 0;
}

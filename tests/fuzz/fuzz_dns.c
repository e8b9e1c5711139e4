/* libFuzzer target: the DNS decoder must survive any bytes. */
#include <stddef.h>
#include <stdint.h>
#include "tern/dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tern_dns_reader r;
  struct tern_dns_record rec;
  char name[TERN_DNS_NAME_MAX + 1];
  if (tern_dns_reader_init(&r, data, size) != 0) return 0;
  while (tern_dns_reader_next(&r, &rec) == 1) {
    tern_dns_name_decode(data, size, rec.name_off, name, sizeof(name), NULL);
    if (rec.rdlen >= 2) tern_dns_name_decode(data, size, rec.rdata_off, name, sizeof(name), NULL);
  }
  return 0;
}

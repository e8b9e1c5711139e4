/* tern's mbedTLS 2.28 configuration for the firmware (Cortex-M4, no OS):
 * a TLS 1.2 client, what common MQTT brokers and web APIs offer, nothing
 * else. Selected with -DMBEDTLS_CONFIG_FILE; mbedTLS's source is Debian's,
 * fetched at build time into .deps/mbedtls (never committed).
 *
 * Cipher suites: ECDHE-ECDSA and ECDHE-RSA with AES-128/256-GCM (what
 * Mosquitto with OpenSSL, AWS, Adafruit IO and most HTTPS APIs pick first),
 * and RSA key exchange with AES-GCM for older servers. Curves P-256, P-384.
 * Certificates: RSA and ECDSA, SHA-256/384/512 signatures.
 *
 * Record buffers: 16 KB in (a server that does not take the max fragment
 * length extension may send 16 KB records), 4 KB out (we choose our record
 * size). The client asks for 4 KB fragments (RFC 6066); when the server
 * agrees, the receive buffer is shrunk to that after the handshake
 * (MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH): 12 KB less per session from then
 * on. docs/BENCHMARKS.md has the figures. */
#ifndef TERN_MBEDTLS_CONFIG_H
#define TERN_MBEDTLS_CONFIG_H

/* the platform: no OS, no files, no clock (tern checks certificate dates
 * itself against its SNTP clock: tls_mbedtls.c) */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY /* the loop's allocator (tern_tls_ctx_new) */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED

/* entropy: the board has no TRNG. The host's fresh per-boot seed is the
 * "hardware" source (src/port/lwip/entropy_lwip.c), mixed with a seed kept
 * in the storage area and rewritten on every boot (NV seed). A real board
 * plugs its TRNG into mbedtls_hardware_poll (docs/PORTING.md). */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_NV_SEED
#define MBEDTLS_PLATFORM_NV_SEED_READ_MACRO tern_mbedtls_nv_seed_read
#define MBEDTLS_PLATFORM_NV_SEED_WRITE_MACRO tern_mbedtls_nv_seed_write
#define MBEDTLS_CTR_DRBG_C

/* TLS 1.2 client */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* tern_tls_peer_name */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_RSA_ENABLED

/* the algorithms behind them */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* the tables in flash, not 8 KB of RAM */
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C /* SHA-384 suites and signatures */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2 /* smaller tables: slower, less RAM */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signatures */
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_ERROR_STRERROR_DUMMY /* no message table: tern maps the errors it acts on */

#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096 bits */
#define MBEDTLS_ENTROPY_MAX_SOURCES 4

#include <stddef.h>
int tern_mbedtls_nv_seed_read(unsigned char *buf, size_t len);
int tern_mbedtls_nv_seed_write(unsigned char *buf, size_t len);

#include "mbedtls/check_config.h"
#endif

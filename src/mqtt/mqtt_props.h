/* MQTT 5.0 properties inside the codec (mqtt_codec.c calls these; the
 * public part is in tern/mqtt_codec.h). "where" is the packet type, or
 * PROPS_WILL for CONNECT's will properties. */
#ifndef TERN_MQTT_PROPS_H
#define TERN_MQTT_PROPS_H
#include <stddef.h>
#include <stdint.h>
#include "tern/mqtt_codec.h"

#define PROPS_WILL 0 /* packet type 0 is reserved: it names the will's block */

/* A Variable Byte Integer at p (at most 4 bytes, the shortest form): its
 * length in bytes, 0 when more bytes are needed, -1 when malformed. */
int tern_mqtt_vbi_read(const uint8_t *p, size_t avail, uint32_t *value);
size_t tern_mqtt_vbi_size(uint32_t v);
uint8_t *tern_mqtt_vbi_write(uint8_t *w, uint32_t v);

/* Checks and reads the n-byte property block at p into out. 0, or
 * TERN_EPARSE / TERN_EPROTO with *reason (0x81, 0x82, 0x99 ...). */
int tern_mqtt_props_read(const uint8_t *p, size_t n, int where, int from,
                         struct tern_mqtt_props *out, uint8_t *reason);
/* Writes the length and the block (tern_mqtt_props_size bytes after the
 * length); returns the end. */
uint8_t *tern_mqtt_props_write(uint8_t *w, const struct tern_mqtt_props *props, int where);
/* The block alone (kept encoded, to go out later as a packet's raw part). */
uint8_t *tern_mqtt_props_write_body(uint8_t *w, const struct tern_mqtt_props *props, int where);

/* Where the value of property id starts in an encoded block (ours: it is
 * walked, not checked), or NULL when it has none. */
uint8_t *tern_mqtt_props_find(uint8_t *block, size_t n, uint8_t id);

/* A Message Expiry Interval from its deadline: the whole seconds left,
 * rounded up (0: passed), in 32-bit divisions (tern_div_u64). */
uint32_t tern_mqtt_expiry_left(uint64_t expires_us, uint64_t now_us);

/* A sender's Topic Aliases: table[1..max] holds each alias's topic (copies
 * from al). The alias for topic: *known 1 when the receiver already has it
 * (the topic may go empty), else a free one now set (0: none free). */
uint16_t tern_mqtt_alias_for(char **table, uint16_t max, struct tern_str topic,
                             const struct tern_allocator *al, int *known);
/* Frees table[0..max]'s topics and empties it. */
void tern_mqtt_aliases_free(char **table, uint16_t max, const struct tern_allocator *al);
#endif

/* Random identifiers, tokens and timestamps. */
#ifndef SELLAHEAD_IDS_H
#define SELLAHEAD_IDS_H

#include <stddef.h>
#include <stdint.h>

#define IDS_TOKEN_LEN 32 /* hex characters of a random token (128 bits) */

/* Must be called once before any other function here (initialises libsodium). */
int ids_init(void);
/* prefix + "_" + 20 random base32 characters, e.g. "imp_k3j..."; out needs 32 bytes. */
void ids_new(const char *prefix, char *out, size_t cap);
/* 128 random bits as lowercase hex (IDS_TOKEN_LEN chars + NUL). */
void ids_token(char out[IDS_TOKEN_LEN + 1]);
int64_t ids_random64(void);
/* The current UTC time as "2026-11-27T10:00:00Z" (24 bytes). */
void ids_now(char out[24]);

#endif

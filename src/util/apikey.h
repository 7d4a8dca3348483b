/* API keys: "sk_<id>.<secret>". Only a BLAKE2b hash of the secret is stored; the key is
 * shown once when created. */
#ifndef SELLAHEAD_APIKEY_H
#define SELLAHEAD_APIKEY_H

#include <stdbool.h>

#include "store/store.h"

#define APIKEY_MAX 96

int apikey_create(struct store *st, const char *name, char out[APIKEY_MAX], err_t *e);
bool apikey_verify(struct store *st, const char *key);

#endif

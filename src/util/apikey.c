#include "util/apikey.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "util/ids.h"

static void hash_secret(const char *secret, unsigned char out[APIKEY_HASH_LEN])
{
    crypto_generichash(out, APIKEY_HASH_LEN, (const unsigned char *)secret, strlen(secret),
                       NULL, 0);
}

int apikey_create(struct store *st, const char *name, char out[APIKEY_MAX], err_t *e)
{
    char id[32], secret[IDS_TOKEN_LEN + 1];
    unsigned char hash[APIKEY_HASH_LEN];
    ids_new("sk", id, sizeof id);
    ids_token(secret);
    hash_secret(secret, hash);
    int rc = store_apikey_add(st, id, name, hash, e);
    if (rc == 0)
        snprintf(out, APIKEY_MAX, "%s.%s", id, secret);
    sodium_memzero(secret, sizeof secret);
    return rc;
}

bool apikey_verify(struct store *st, const char *key)
{
    const char *dot = key ? strchr(key, '.') : NULL;
    if (!dot || dot == key || (size_t)(dot - key) >= 32)
        return false;
    char id[32];
    memcpy(id, key, (size_t)(dot - key));
    id[dot - key] = '\0';
    unsigned char want[APIKEY_HASH_LEN], got[APIKEY_HASH_LEN];
    err_t e;
    if (store_apikey_hash(st, id, want, &e))
        return false;
    hash_secret(dot + 1, got);
    return crypto_verify_32(want, got) == 0;
}

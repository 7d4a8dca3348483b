/* Console users and API keys (managed from the CLI) and console sessions (log in and out
 * from the console). Secrets never come back: a password is kept as its hash, a key and a
 * session token as a BLAKE2b hash. */
#ifndef SELLAHEAD_APP_USERS_H
#define SELLAHEAD_APP_USERS_H

#include "store/store.h"
#include "util/apikey.h"

/* The user's password hash into hash (cap bytes); ERR_NOTFOUND for an unknown user. */
int users_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e);
/* Users by name; keys by name. Caller frees *out. */
int users_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int keys_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
/* Each in one transaction with the user's sessions: passwd and remove end them all.
 * add: ERR_CONFLICT when the name is taken; passwd, remove: ERR_NOTFOUND when unknown. */
int users_add(struct store *st, const char *name, const char *hash, err_t *e);
int users_passwd(struct store *st, const char *name, const char *hash, err_t *e);
int users_remove(struct store *st, const char *name, err_t *e);

/* A new key named name, into out (shown once). */
int keys_create(struct store *st, const char *name, char out[APIKEY_MAX], err_t *e);
/* Deletes every key named name; *n counts them. ERR_NOTFOUND when there is none. */
int keys_revoke(struct store *st, const char *name, size_t *n, err_t *e);

/* Console sessions by the hash of their token: a login, the session's user, CSRF token and
 * expiry (ERR_NOTFOUND when unknown), a logout (which also drops every expired session). */
int sessions_open(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                  const char *user, const char *csrf, int64_t expires_at, err_t *e);
int sessions_find(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                  char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1], int64_t *expires_at,
                  err_t *e);
int sessions_close(struct store *st, const unsigned char hash[SESSION_HASH_LEN], int64_t now,
                   err_t *e);

#endif

#include "app/users.h"

#include "app/tx.h"

int users_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    return store_user_hash(st, name, hash, cap, e);
}

int users_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return store_user_list(st, out, n, e);
}

int keys_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return store_apikey_list(st, out, n, e);
}

enum user_change { USER_ADD, USER_PASSWD, USER_REMOVE };

struct change {
    enum user_change what;
    const char *name, *hash;
};

static int change_tx(struct store *st, void *ctx, err_t *e)
{
    const struct change *c = ctx;
    switch (c->what) {
    case USER_ADD:
        return store_user_add(st, c->name, c->hash, e);
    case USER_PASSWD:
        return store_user_set_hash(st, c->name, c->hash, e);
    case USER_REMOVE:
        break;
    }
    return store_user_remove(st, c->name, e);
}

int users_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct change c = {USER_ADD, name, hash};
    return tx_run(st, change_tx, &c, e);
}

int users_passwd(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct change c = {USER_PASSWD, name, hash};
    return tx_run(st, change_tx, &c, e);
}

int users_remove(struct store *st, const char *name, err_t *e)
{
    struct change c = {USER_REMOVE, name, NULL};
    return tx_run(st, change_tx, &c, e);
}

int keys_create(struct store *st, const char *name, char out[APIKEY_MAX], err_t *e)
{
    return apikey_create(st, name, out, e);
}

int keys_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    return store_apikey_revoke(st, name, n, e);
}

int sessions_open(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                  const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    return store_session_add(st, hash, user, csrf, expires_at, e);
}

int sessions_find(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                  char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1], int64_t *expires_at,
                  err_t *e)
{
    return store_session_get(st, hash, user, csrf, expires_at, e);
}

int sessions_close(struct store *st, const unsigned char hash[SESSION_HASH_LEN], int64_t now,
                   err_t *e)
{
    return store_session_delete(st, hash, now, e);
}

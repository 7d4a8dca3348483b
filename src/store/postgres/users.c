/* PostgreSQL backend: settings, console users, sessions, API keys and idempotency keys. */
#include "store/postgres/pg_int.h"

void pg_settings_rows(const PGresult *r, struct settings *out)
{
    settings_defaults(out);
    for (int i = 0; i < PQntuples(r); i++)
        store_settings_apply(out, pg_col_str(r, i, 0), pg_col_str(r, i, 1));
}

int pg_settings_get(struct store *st, struct settings *out, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SETTINGS_GET, NULL, &r, e, "read the settings");
    if (rc)
        return rc;
    pg_settings_rows(r, out);
    PQclear(r);
    return 0;
}

int pg_settings_put(struct store *st, const struct settings *set, err_t *e)
{
    struct store_settings_rows rows;
    store_settings_rows(set, &rows);
    int rc = 0;
    for (size_t i = 0; !rc && i < rows.n; i++) {
        struct params p = {0};
        pg_p_text(&p, rows.kv[i][0]);
        pg_p_text(&p, rows.kv[i][1]);
        rc = pg_run(S(st), Q_SETTINGS_PUT, &p, e, "save the settings");
    }
    return rc;
}

/* --- API keys, idempotency --- */

int pg_apikey_add(struct store *st, const char *id, const char *name,
                  const unsigned char hash[APIKEY_HASH_LEN], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    pg_p_text(&p, name);
    pg_p_bytes(&p, hash, APIKEY_HASH_LEN);
    return pg_run(s, Q_APIKEY_ADD, &p, e, "save the API key");
}

int pg_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                   err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_APIKEY_HASH, &p, &r, e, "read an API key");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "unknown API key");
    else if (!pg_col_bytes(r, 0, 0, hash, APIKEY_HASH_LEN))
        rc = err_set(e, ERR_STORE, "the database failed while trying to read an API key");
    PQclear(r);
    return rc;
}

int pg_idem_get(struct store *st, const char *scope, const char *key, char **result,
                err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_IDEM_GET, &p, &r, e, "read an idempotency key");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = ERR_NOTFOUND;
    else if (!(*result = pg_col_dup(r, 0, 0)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    PQclear(r);
    return rc;
}

int pg_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, scope);
    pg_p_text(&p, key);
    pg_p_text(&p, result);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_IDEM_PUT, &p, &n, e, "save an idempotency key");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT,
                     "another request with the same idempotency key was processed at the "
                     "same time");
    return rc;
}

/* --- console users and sessions --- */

int pg_user_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, name);
    pg_p_text(&p, hash);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_USER_ADD, &p, &n, e, "add a user");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "user %s already exists", name);
    return rc;
}

int pg_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, name);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_USER_HASH, &p, &r, e, "read a user");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    } else {
        const char *v = pg_col_str(r, 0, 0);
        size_t len = strlen(v);
        /* A cut hash would never verify, which looks like a wrong password: say what it is. */
        if (len >= cap)
            rc = err_set(e, ERR_STORE, "the stored password hash of user %s is too long", name);
        else
            memcpy(hash, v, len + 1);
    }
    PQclear(r);
    return rc;
}

int pg_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_bytes(&p, hash, SESSION_HASH_LEN);
    pg_p_text(&p, user);
    pg_p_text(&p, csrf);
    pg_p_int(&p, expires_at);
    return pg_run(s, Q_SESSION_ADD, &p, e, "save a session");
}

int pg_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                   int64_t *expires_at, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_bytes(&p, hash, SESSION_HASH_LEN);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SESSION_GET, &p, &r, e, "read a session");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = err_set(e, ERR_NOTFOUND, "no such session");
    } else {
        pg_col_copy(r, 0, 0, user, ID_MAX + 1);
        pg_col_copy(r, 0, 1, csrf, SESSION_CSRF_LEN + 1);
        *expires_at = pg_col_i64(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

int pg_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      int64_t now, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_bytes(&p, hash, SESSION_HASH_LEN);
    pg_p_int(&p, now);
    return pg_run(s, Q_SESSION_DELETE, &p, e, "end a session");
}

static void row_named(const PGresult *r, int i, void *dst)
{
    struct store_named *v = dst;
    pg_col_copy(r, i, 0, v->name, sizeof v->name);
    pg_col_copy(r, i, 1, v->created_at, sizeof v->created_at);
}

static int named_list(struct store *st, enum stmt_id id, struct store_named **out, size_t *n,
                      err_t *e, const char *what)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    void *v = NULL;
    int rc = pg_list_rows(S(st), id, NULL, sizeof **out, row_named, &v, n, e, what);
    if (!rc)
        *out = v;
    return rc;
}

int pg_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(st, Q_USER_LIST, out, n, e, "list the users");
}

int pg_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(st, Q_APIKEY_LIST, out, n, e, "list the API keys");
}

int pg_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, name);
    pg_p_text(&p, hash);
    return pg_update_one(S(st), Q_USER_SET_HASH, &p, e, "change a password", "user", name);
}

int pg_user_remove(struct store *st, const char *name, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, name);
    return pg_update_one(S(st), Q_USER_REMOVE, &p, e, "remove a user", "user", name);
}

int pg_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, name);
    int64_t count = 0;
    *n = 0;
    int rc = pg_exec_count(S(st), Q_APIKEY_REVOKE, &p, &count, e, "revoke an API key");
    if (!rc && count == 0)
        rc = err_set(e, ERR_NOTFOUND, "no API key named %s", name);
    if (!rc)
        *n = (size_t)count;
    return rc;
}

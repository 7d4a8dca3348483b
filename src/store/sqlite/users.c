/* SQLite backend: settings, console users, sessions, API keys and idempotency keys. */
#include "store/sqlite/sqlite_int.h"

int sq_settings_get(struct store *st, struct settings *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SETTINGS_GET, e);
    if (!q)
        return e->code;
    settings_defaults(out);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        store_settings_apply(out, (const char *)sqlite3_column_text(q, 0),
                             (const char *)sqlite3_column_text(q, 1));
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read the settings"));
    return sq_done(q, 0);
}

static int put_setting(struct sqlite_store *s, const char *k, const char *v, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_SETTINGS_PUT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, k);
    sq_bind_text(q, 2, v);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save the settings"));
    return sq_done(q, 0);
}

int sq_settings_put(struct store *st, const struct settings *set, err_t *e)
{
    struct store_settings_rows rows;
    store_settings_rows(set, &rows);
    for (size_t i = 0; i < rows.n; i++) {
        int rc = put_setting(S(st), rows.kv[i][0], rows.kv[i][1], e);
        if (rc)
            return rc;
    }
    return 0;
}

int sq_apikey_add(struct store *st, const char *id, const char *name,
                  const unsigned char hash[APIKEY_HASH_LEN], err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_APIKEY_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    sq_bind_text(q, 2, name);
    sqlite3_bind_blob(q, 3, hash, APIKEY_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save the API key"));
    return sq_done(q, 0);
}

int sq_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                   err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_APIKEY_HASH, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "unknown API key"));
    if (rc != SQLITE_ROW || sqlite3_column_bytes(q, 0) != APIKEY_HASH_LEN)
        return sq_done(q, sq_fail(s, e, "read an API key"));
    memcpy(hash, sqlite3_column_blob(q, 0), APIKEY_HASH_LEN);
    return sq_done(q, 0);
}

int sq_idem_get(struct store *st, const char *scope, const char *key, char **result,
                err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IDEM_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, scope);
    sq_bind_text(q, 2, key);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, ERR_NOTFOUND);
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read an idempotency key"));
    *result = sq_col_dup(q, 0);
    return sq_done(q, *result ? 0 : err_set(e, ERR_NOMEM, "out of memory"));
}

int sq_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IDEM_PUT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, scope);
    sq_bind_text(q, 2, key);
    sq_bind_text(q, 3, result);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save an idempotency key"));
    return sq_done(q, 0);
}

/* --- console users --- */

int sq_user_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_USER_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, name);
    sq_bind_text(q, 2, hash);
    int rc = sqlite3_step(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return sq_done(q, err_set(e, ERR_CONFLICT, "user %s already exists", name));
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "add a user"));
    return sq_done(q, 0);
}

int sq_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_USER_HASH, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, name);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no user %s", name));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read a user"));
    const char *v = sq_col_str(q, 0);
    size_t len = strlen(v);
    /* A cut hash would never verify, which looks like a wrong password: say what it is. */
    if (len >= cap)
        return sq_done(q, err_set(e, ERR_STORE, "the stored password hash of user %s is too long",
                                  name));
    memcpy(hash, v, len + 1);
    return sq_done(q, 0);
}

int sq_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SESSION_ADD, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    sq_bind_text(q, 2, user);
    sq_bind_text(q, 3, csrf);
    sqlite3_bind_int64(q, 4, expires_at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save a session"));
    return sq_done(q, 0);
}

int sq_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                   int64_t *expires_at, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SESSION_GET, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no such session"));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read a session"));
    sq_col_copy(q, 0, user, ID_MAX + 1);
    sq_col_copy(q, 1, csrf, SESSION_CSRF_LEN + 1);
    *expires_at = sqlite3_column_int64(q, 2);
    return sq_done(q, 0);
}

int sq_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      int64_t now, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SESSION_DELETE, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "end a session"));
    return sq_done(q, 0);
}

static int named_list(struct sqlite_store *s, enum stmt_id id, struct store_named **out,
                      size_t *n, err_t *e, const char *what)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    sqlite3_stmt *q = sq_stmt(s, id, e);
    if (!q)
        return e->code;
    struct store_named *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_named *nv = sq_grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        sq_col_copy(q, 0, v[len].name, sizeof v[len].name);
        sq_col_copy(q, 1, v[len].created_at, sizeof v[len].created_at);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return sq_done(q, sq_fail(s, e, what));
    }
    *out = v;
    *n = len;
    return sq_done(q, 0);
}

int sq_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(S(st), Q_USER_LIST, out, n, e, "list the users");
}

int sq_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(S(st), Q_APIKEY_LIST, out, n, e, "list the API keys");
}

/* Runs a statement whose ?1 is a name (and ?2, when given, a second text); *changed counts
 * the rows it changed. */
static int by_name(struct sqlite_store *s, enum stmt_id id, const char *name, const char *v2,
                   size_t *changed, err_t *e, const char *what)
{
    sqlite3_stmt *q = sq_stmt(s, id, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, name);
    if (v2)
        sq_bind_text(q, 2, v2);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, what));
    *changed = (size_t)sqlite3_changes(s->db);
    return sq_done(q, 0);
}

int sq_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e)
{
    size_t n = 0, ended;
    int rc = by_name(S(st), Q_USER_SET_HASH, name, hash, &n, e, "change a password");
    if (!rc && !n)
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    if (!rc)
        rc = by_name(S(st), Q_USER_SESSIONS_END, name, NULL, &ended, e, "end the sessions");
    return rc;
}

int sq_user_remove(struct store *st, const char *name, err_t *e)
{
    size_t n = 0, ended;
    int rc = by_name(S(st), Q_USER_REMOVE, name, NULL, &n, e, "remove a user");
    if (!rc && !n)
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    if (!rc)
        rc = by_name(S(st), Q_USER_SESSIONS_END, name, NULL, &ended, e, "end the sessions");
    return rc;
}

int sq_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    *n = 0;
    int rc = by_name(S(st), Q_APIKEY_REVOKE, name, NULL, n, e, "revoke an API key");
    if (!rc && !*n)
        rc = err_set(e, ERR_NOTFOUND, "no API key named %s", name);
    return rc;
}

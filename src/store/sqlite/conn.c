/* SQLite backend: statement and column helpers, errors. */
#include "store/sqlite/sqlite_int.h"

/* Maps an SQLite failure to a user-fit error; SQL text never reaches the user. */
int sq_fail(struct sqlite_store *s, err_t *e, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(s->db));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return err_set(e, ERR_UNAVAILABLE, "the database is busy, try again");
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return err_set(e, ERR_CONFLICT, "%s conflicts with existing data", what);
    return err_set(e, ERR_STORE, "the database failed while trying to %s", what);
}

/* A reset statement with cleared bindings, prepared on first use. */
sqlite3_stmt *sq_stmt(struct sqlite_store *s, enum stmt_id id, err_t *e)
{
    sqlite3_stmt *q = s->stmt[id];
    if (!q) {
        if (sqlite3_prepare_v3(s->db, sq_stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q,
                               NULL) != SQLITE_OK) {
            sq_fail(s, e, "prepare a statement");
            return NULL;
        }
        s->stmt[id] = q;
    }
    return q;
}

int sq_done(sqlite3_stmt *q, int rc)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

void sq_bind_text(sqlite3_stmt *q, int i, const char *v)
{
    sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

void sq_bind_date(sqlite3_stmt *q, int i, date_t d)
{
    if (d == DATE_NONE)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int(q, i, d);
}

date_t sq_col_date(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(q, i);
}

void sq_col_copy(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* Runs a statement that returns no rows. */
int sq_exec(struct sqlite_store *s, enum stmt_id id, err_t *e, const char *what)
{
    sqlite3_stmt *q = sq_stmt(s, id, e);
    if (!q)
        return e ? e->code : ERR_STORE;
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int r = sq_fail(s, e, what);
        return sq_done(q, r);
    }
    return sq_done(q, 0);
}

/* v itself while it has room for element len, else a bigger copy (*cap grows); NULL when
 * out of memory, and then v is still the caller's. */
int sq_list_rows(struct sqlite_store *s, sqlite3_stmt *q, size_t limit, size_t size,
                 sq_row_fn read, void **out, size_t *n, const char *what, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    char *v = calloc(limit ? limit : 1, size);
    if (!v)
        return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read(q, v + size * len++);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return sq_done(q, sq_fail(s, e, what));
    }
    *out = v;
    *n = len;
    return sq_done(q, 0);
}

void *sq_grow(void *v, size_t len, size_t *cap, size_t size)
{
    if (len < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return NULL;
    void *nv = realloc(v, ncap * size);
    if (nv)
        *cap = ncap;
    return nv;
}

/* Steps a bound statement that returns no rows, then resets it. */
int sq_run(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what)
{
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, what));
    return sq_done(q, 0);
}

/* Like run for an UPDATE of one row by its id: ERR_NOTFOUND when there is no such row. */
int sq_update_one(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what,
                  const char *kind, const char *id)
{
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, what));
    if (sqlite3_changes(s->db) == 0)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no %s %s", kind, id));
    return sq_done(q, 0);
}

const char *sq_col_str(sqlite3_stmt *q, int i)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    return v ? (const char *)v : "";
}

/* A malloc'd copy of a text column ("" for NULL); NULL when out of memory. */
char *sq_col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    size_t len = v ? (size_t)sqlite3_column_bytes(q, i) : 0;
    char *d = malloc(len + 1);
    if (d) {
        if (len)
            memcpy(d, v, len);
        d[len] = '\0';
    }
    return d;
}

/* Binds a position's identity to ?1..?5, the order POSITION_KEY names them in. */
void sq_bind_key(sqlite3_stmt *q, const struct position *k)
{
    sq_bind_text(q, 1, k->sku);
    sq_bind_text(q, 2, k->location_id);
    sqlite3_bind_int(q, 3, k->stock_type);
    sq_bind_text(q, 4, k->transit_ref);
    sqlite3_bind_int64(q, 5, k->channel_id);
}


/* SQLite backend: table rows for `sellahead migrate`. */
#include "store/sqlite/sqlite_int.h"

/* --- copying (sellahead migrate) ---
 * Table and column names come from store_tables, never from data, and values are bound. */

static void column_list(const struct store_table *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->ncols && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

int sq_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                  void *ctx, err_t *e)
{
    struct sqlite_store *s = S(st);
    char cols[1024], sql[1536];
    column_list(t, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name,
             t->order_sqlite);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_fail(s, e, "read a table to copy");
    struct store_value vals[STORE_COLS_MAX];
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
        for (size_t i = 0; i < t->ncols; i++) {
            struct store_value *v = &vals[i];
            int type = sqlite3_column_type(q, (int)i);
            *v = (struct store_value){STORE_NULL, 0, NULL, 0};
            if (type == SQLITE_INTEGER) {
                v->type = STORE_INT;
                v->i = sqlite3_column_int64(q, (int)i);
            } else if (type == SQLITE_BLOB) {
                v->type = STORE_BLOB;
                v->p = sqlite3_column_blob(q, (int)i);
                v->len = (size_t)sqlite3_column_bytes(q, (int)i);
            } else if (type != SQLITE_NULL) {
                v->type = STORE_TEXT;
                v->p = (const char *)sqlite3_column_text(q, (int)i);
                v->len = (size_t)sqlite3_column_bytes(q, (int)i);
            }
        }
        rc = fn(ctx, vals, e);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_fail(s, e, "read a table to copy");
    sqlite3_finalize(q);
    return rc;
}

int sq_table_insert(struct store *st, const struct store_table *t,
                    const struct store_value *vals, err_t *e)
{
    struct sqlite_store *s = S(st);
    size_t slot = (size_t)(t - store_tables);
    if (slot >= sizeof s->copy_insert / sizeof s->copy_insert[0])
        return err_set(e, ERR_STORE, "too many tables to copy");
    sqlite3_stmt *q = s->copy_insert[slot];
    if (!q) {
        char cols[1024], marks[3 * STORE_COLS_MAX] = "", sql[1536];
        column_list(t, cols, sizeof cols);
        for (size_t i = 0; i < t->ncols; i++)
            strcat(marks, i ? ", ?" : "?");
        snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(%s) VALUES(%s)", t->name, cols, marks);
        if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
            return sq_fail(s, e, "copy a row");
        s->copy_insert[slot] = q;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        const struct store_value *v = &vals[i];
        int k = (int)i + 1;
        if (v->type == STORE_INT)
            sqlite3_bind_int64(q, k, v->i);
        else if (v->type == STORE_TEXT)
            sqlite3_bind_text(q, k, v->p, (int)v->len, SQLITE_STATIC);
        else if (v->type == STORE_BLOB)
            sqlite3_bind_blob(q, k, v->p, (int)v->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, k);
    }
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "copy a row"));
    return sq_done(q, 0);
}

int sq_is_empty(struct store *st, bool *empty, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IS_EMPTY, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "look into the database"));
    *empty = sqlite3_column_int(q, 0) == 0;
    return sq_done(q, 0);
}

int sq_after_copy(struct store *st, err_t *e)
{
    (void)st;
    (void)e;
    return 0; /* numbers come from max() + 1 here */
}

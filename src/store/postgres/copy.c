/* PostgreSQL backend: table rows for `sellahead migrate`. */
#include "store/postgres/pg_int.h"

/* --- copying (sellahead migrate) ---
 * Table and column names come from store_tables, never from data, and values are bound. */

static void column_list(const struct store_table *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->ncols && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

#define PG_BYTEA 17
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23

int pg_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                  void *ctx, err_t *e)
{
    struct pg_store *s = S(st);
    char cols[1024], sql[1536];
    column_list(t, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name, t->order_pg);
    PGresult *r;
    int rc = pg_ctl_res(s, sql, &r, e, "read a table to copy");
    if (rc)
        return rc;
    struct store_value vals[STORE_COLS_MAX];
    unsigned char *blobs[STORE_COLS_MAX] = {NULL};
    for (int row = 0; !rc && row < PQntuples(r); row++) {
        for (size_t i = 0; i < t->ncols; i++) {
            int c = (int)i;
            struct store_value *v = &vals[i];
            Oid type = PQftype(r, c);
            *v = (struct store_value){STORE_NULL, 0, NULL, 0};
            if (PQgetisnull(r, row, c))
                continue;
            const char *text = PQgetvalue(r, row, c);
            if (type == PG_INT8 || type == PG_INT4 || type == PG_INT2) {
                v->type = STORE_INT;
                v->i = strtoll(text, NULL, 10);
            } else if (type == PG_BYTEA) {
                PQfreemem(blobs[i]);
                blobs[i] = PQunescapeBytea((const unsigned char *)text, &v->len);
                if (!blobs[i])
                    rc = err_set(e, ERR_NOMEM, "out of memory");
                v->type = STORE_BLOB;
                v->p = (const char *)blobs[i];
            } else {
                v->type = STORE_TEXT;
                v->p = text;
                v->len = (size_t)PQgetlength(r, row, c);
            }
        }
        if (!rc)
            rc = fn(ctx, vals, e);
    }
    for (size_t i = 0; i < STORE_COLS_MAX; i++)
        PQfreemem(blobs[i]);
    PQclear(r);
    return rc;
}

int pg_table_insert(struct store *st, const struct store_table *t,
                    const struct store_value *vals, err_t *e)
{
    struct pg_store *s = S(st);
    char cols[1024], marks[5 * STORE_COLS_MAX] = "", sql[1536];
    char num[STORE_COLS_MAX][24];
    const char *pv[STORE_COLS_MAX];
    int plen[STORE_COLS_MAX], pfmt[STORE_COLS_MAX];
    column_list(t, cols, sizeof cols);
    for (size_t i = 0; i < t->ncols; i++) {
        size_t n = strlen(marks);
        snprintf(marks + n, sizeof marks - n, "%s$%zu", i ? ", " : "", i + 1);
        const struct store_value *v = &vals[i];
        pfmt[i] = v->type == STORE_BLOB; /* bytea goes in binary, the rest as text */
        plen[i] = (int)v->len;
        if (v->type == STORE_INT) {
            snprintf(num[i], sizeof num[i], "%lld", (long long)v->i);
            pv[i] = num[i];
        } else {
            pv[i] = v->type == STORE_NULL ? NULL : v->p;
        }
    }
    snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(%s) VALUES(%s)", t->name, cols, marks);
    int rc = pg_pipe_end(s, e);
    if (rc || (rc = pg_ensure_conn(s, e)))
        return rc;
    /* Text values from SQLite are not NUL-terminated copies, so pass lengths for them too:
     * libpq reads text parameters up to their NUL, so make sure there is one. */
    char *owned[STORE_COLS_MAX] = {NULL};
    for (size_t i = 0; i < t->ncols; i++)
        if (vals[i].type == STORE_TEXT && (!vals[i].p || vals[i].p[vals[i].len] != '\0')) {
            owned[i] = strndup(vals[i].p ? vals[i].p : "", vals[i].len);
            pv[i] = owned[i];
        }
    PGresult *r = PQexecParams(s->conn, sql, (int)t->ncols, NULL, pv, plen, pfmt, 0);
    rc = pg_result_ok(r) ? 0 : pg_fail(s, r, e, "copy a row");
    PQclear(r);
    for (size_t i = 0; i < t->ncols; i++)
        free(owned[i]);
    return rc;
}

int pg_is_empty(struct store *st, bool *empty, err_t *e)
{
    PGresult *r;
    int rc = pg_ctl_res(S(st),
                        "SELECT EXISTS(SELECT 1 FROM locations) OR EXISTS(SELECT 1 FROM products) "
                        "OR EXISTS(SELECT 1 FROM positions) OR EXISTS(SELECT 1 FROM orders) "
                        "OR EXISTS(SELECT 1 FROM settings) OR EXISTS(SELECT 1 FROM api_keys) "
                        "OR EXISTS(SELECT 1 FROM users) OR EXISTS(SELECT 1 FROM imports)",
                        &r, e, "look into the database");
    if (rc)
        return rc;
    *empty = PQgetvalue(r, 0, 0)[0] != 't';
    PQclear(r);
    return 0;
}

/* The copied rows carry their numbers: the sequences continue after them. */
int pg_after_copy(struct store *st, err_t *e)
{
    return pg_ctl(S(st),
                  "SELECT setval('order_number', coalesce((SELECT max(number) FROM orders), 1000) "
                  "+ 1, false), setval('shipment_seq', coalesce((SELECT max(seq) FROM shipments), "
                  "0) + 1, false)",
                  e, "continue the order numbers");
}

/* SQLite backend: the change log. */
#include "store/sqlite/sqlite_int.h"

/* --- change log --- */

int sq_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                     void *ctx, int64_t *xmin, int64_t *xmax, err_t *e)
{
    struct sqlite_store *s = S(st);
    *xmin = *xmax = 0; /* one writer at a time: commits come in seq order */
    sqlite3_stmt *q = sq_stmt(s, Q_CHANGES_SINCE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(q, 0), sq_col_str(q, 1)))
            return sq_done(q, 0);
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read the change log"));
    return sq_done(q, 0);
}

int sq_changes_head(struct store *st, int64_t *head, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_CHANGES_HEAD, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read the change log"));
    *head = sqlite3_column_int64(q, 0);
    return sq_done(q, 0);
}

int sq_changes_prune(struct store *st, int64_t upto, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_CHANGES_PRUNE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, upto);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "prune the change log"));
    return sq_done(q, 0);
}

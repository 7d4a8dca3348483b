/* PostgreSQL backend: the change log. */
#include "store/postgres/pg_int.h"

/* --- change log --- */

int pg_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                     void *ctx, int64_t *xmin, int64_t *xmax, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_int(&p, after);
    pg_p_limit(&p, limit);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_CHANGES_SINCE, &p, &r, e, "read the change log");
    if (rc)
        return rc;
    int n = PQntuples(r);
    *xmin = n ? pg_col_i64(r, 0, 2) : 0;
    *xmax = n ? pg_col_i64(r, 0, 3) : 0;
    for (int i = 0; i < n && !PQgetisnull(r, i, 0); i++)
        if (fn(ctx, pg_col_i64(r, i, 0), pg_col_str(r, i, 1)))
            break;
    PQclear(r);
    return 0;
}

int pg_changes_head(struct store *st, int64_t *head, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_CHANGES_HEAD, NULL, &r, e, "read the change log");
    if (rc)
        return rc;
    *head = PQntuples(r) ? pg_col_i64(r, 0, 0) : 0;
    PQclear(r);
    return 0;
}

int pg_changes_prune(struct store *st, int64_t upto, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_int(&p, upto);
    return pg_run(s, Q_CHANGES_PRUNE, &p, e, "prune the change log");
}

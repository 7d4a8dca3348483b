/* PostgreSQL backend: the consistency checks of `sellahead check`. */
#include "store/postgres/pg_int.h"

/* --- check --- */

/* Row i of a check statement for store_check_format. */
static const char *row_text(const struct store_row *r, int col)
{
    return pg_col_str(r->res, r->row, col);
}

static int64_t row_num(const struct store_row *r, int col)
{
    return pg_col_i64(r->res, r->row, col);
}

static const struct {
    enum stmt_id id;
    enum store_check kind;
} checks[] = {
    {Q_CHECK_ALLOCATED, STORE_CHECK_ALLOCATED},
    {Q_CHECK_ALLOC_ORPHAN, STORE_CHECK_ALLOC_ORPHAN},
    {Q_CHECK_NEGATIVE, STORE_CHECK_NEGATIVE},
    {Q_CHECK_CLOSED_ALLOC, STORE_CHECK_CLOSED_ALLOC},
    {Q_CHECK_NO_PAYMENT, STORE_CHECK_NO_PAYMENT},
    {Q_CHECK_OVERCAPTURE, STORE_CHECK_OVERCAPTURE},
    {Q_CHECK_CAPTURED, STORE_CHECK_CAPTURED},
    {Q_CHECK_CONFIRMATION, STORE_CHECK_CONFIRMATION},
    {Q_CHECK_LEDGER_OVER, STORE_CHECK_LEDGER_OVER},
    {Q_CHECK_LEDGER_SUM, STORE_CHECK_LEDGER_SUM},
    {Q_CHECK_SWEEP, STORE_CHECK_SWEEP},
};

/* A callback asking to stop ends the check early; that is not an error. */
int pg_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
             err_t *e)
{
    struct pg_store *s = S(st);
    *problems = 0;
    /* One snapshot for every query, so a commit in between cannot look like a broken
     * invariant. */
    bool own = !s->in_tx;
    int rc = own ? pg_open_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e) : 0;
    bool stop = false;
    for (size_t i = 0; !rc && !stop && i < sizeof checks / sizeof checks[0]; i++) {
        struct params p = {0};
        if (checks[i].id == Q_CHECK_CLOSED_ALLOC) {
            pg_p_int(&p, SHIP_SHIPPED);
            pg_p_int(&p, SHIP_CANCELLED);
        }
        PGresult *r;
        if ((rc = pg_exec_stmt(s, checks[i].id, &p, &r, e, "check the database")))
            break;
        for (int row = 0; !stop && row < PQntuples(r); row++) {
            char msg[1024];
            struct store_row cols = {r, row, row_text, row_num};
            store_check_format(checks[i].kind, &cols, msg, sizeof msg);
            (*problems)++;
            stop = report(ctx, msg) != 0;
        }
        PQclear(r);
    }
    if (own)
        pg_rollback(st); /* read only: nothing to commit */
    return rc;
}

int pg_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e)
{
    *orders = *positions = false;
    PGresult *r;
    int rc = pg_exec_stmt(S(st), Q_HOLDS_STOCK, NULL, &r, e, "look into the database");
    if (rc)
        return rc;
    *orders = PQgetvalue(r, 0, 0)[0] == 't';
    *positions = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    return 0;
}

/* SQLite backend: the consistency checks of `sellahead check`. */
#include "store/sqlite/sqlite_int.h"

/* --- check --- */

/* Row i of a check statement for store_check_format. */
static const char *row_text(const struct store_row *r, int col)
{
    return sq_col_str(r->res, col);
}

static int64_t row_num(const struct store_row *r, int col)
{
    return sqlite3_column_int64(r->res, col);
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
int sq_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
             err_t *e)
{
    struct sqlite_store *s = S(st);
    *problems = 0;
    /* One snapshot for every query, so a commit in between cannot look like a broken
     * invariant. */
    bool own = sqlite3_get_autocommit(s->db) != 0;
    int rc = own ? sq_exec(s, Q_BEGIN_READ, e, "start a transaction") : 0;
    bool stop = false;
    for (size_t i = 0; !rc && !stop && i < sizeof checks / sizeof checks[0]; i++) {
        sqlite3_stmt *q = sq_stmt(s, checks[i].id, e);
        if (!q) {
            rc = e->code;
            break;
        }
        if (checks[i].id == Q_CHECK_CLOSED_ALLOC) {
            sqlite3_bind_int(q, 1, SHIP_SHIPPED);
            sqlite3_bind_int(q, 2, SHIP_CANCELLED);
        }
        int step = SQLITE_DONE;
        while (!stop && (step = sqlite3_step(q)) == SQLITE_ROW) {
            char msg[1024];
            struct store_row row = {q, 0, row_text, row_num};
            store_check_format(checks[i].kind, &row, msg, sizeof msg);
            (*problems)++;
            stop = report(ctx, msg) != 0;
        }
        bool ok = step == SQLITE_DONE || step == SQLITE_ROW;
        rc = sq_done(q, ok ? 0 : sq_fail(s, e, "check the database"));
    }
    if (own && !sqlite3_get_autocommit(s->db))
        sq_exec(s, Q_COMMIT, NULL, "end the check");
    return rc;
}

int sq_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e)
{
    *orders = *positions = false;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_HOLDS_STOCK, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "look into the database"));
    *orders = sqlite3_column_int(q, 0) != 0;
    *positions = sqlite3_column_int(q, 1) != 0;
    return sq_done(q, 0);
}

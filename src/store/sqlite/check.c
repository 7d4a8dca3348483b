/* SQLite backend: the consistency checks of `sellahead check`. */
#include "store/sqlite/sqlite_int.h"

/* --- check --- */

/* One sentence for the current row of a check statement. */
typedef void (*check_fmt)(sqlite3_stmt *q, char *msg, size_t cap);

/* The position named by columns i..i+3 (sku, location_id, stock_type, transit_ref). */
static const char *row_pos(sqlite3_stmt *q, int i, char *buf, size_t cap)
{
    return sq_key_name(sq_col_str(q, i), sq_col_str(q, i + 1), sqlite3_column_int(q, i + 2),
                       sq_col_str(q, i + 3), buf, cap);
}

static void fmt_allocated(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "%s has allocatedQuantity %lld but its allocations add up to %lld",
             row_pos(q, 0, pos, sizeof pos), (long long)sqlite3_column_int64(q, 4),
             (long long)sqlite3_column_int64(q, 5));
}

static void fmt_orphan(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s holds %lld units of %s, a position that does not exist",
             sq_col_str(q, 4), (long long)sqlite3_column_int64(q, 5),
             row_pos(q, 0, pos, sizeof pos));
}

static void fmt_negative(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap,
             "%s has a negative figure or is oversold: quantity %lld, "
             "reservedQuantity %lld, allocatedQuantity %lld",
             row_pos(q, 0, pos, sizeof pos), (long long)sqlite3_column_int64(q, 4),
             (long long)sqlite3_column_int64(q, 5), (long long)sqlite3_column_int64(q, 6));
}

static void fmt_closed(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s is %s but still holds %lld units of %s", sq_col_str(q, 4),
             order_shipment_status_name(sqlite3_column_int(q, 6)),
             (long long)sqlite3_column_int64(q, 5), row_pos(q, 0, pos, sizeof pos));
}

static void fmt_no_payment(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no payment", (long long)sqlite3_column_int64(q, 0),
             sq_col_str(q, 1));
}

static void fmt_overcapture(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has captures of %lld in all, more than the %lld "
             "authorized", (long long)sqlite3_column_int64(q, 0), sq_col_str(q, 1),
             (long long)sqlite3_column_int64(q, 3), (long long)sqlite3_column_int64(q, 2));
}

static void fmt_captured(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records %lld captured but its captures add up to %lld",
             (long long)sqlite3_column_int64(q, 0), sq_col_str(q, 1),
             (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 3));
}

static void fmt_confirmation(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no order_confirmation email",
             (long long)sqlite3_column_int64(q, 0), sq_col_str(q, 1));
}

static void fmt_ledger_over(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s): its payment events capture %lld and refund %lld, "
             "more than the %lld authorized", (long long)sqlite3_column_int64(q, 0),
             sq_col_str(q, 1), (long long)sqlite3_column_int64(q, 3),
             (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 2));
}

static void fmt_ledger_sum(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records authorized %lld, captured %lld, voided %lld, "
             "refunded %lld but its payment events add up to %lld, %lld, %lld, %lld",
             (long long)sqlite3_column_int64(q, 0), sq_col_str(q, 1),
             (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 3),
             (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 5),
             (long long)sqlite3_column_int64(q, 6), (long long)sqlite3_column_int64(q, 7),
             (long long)sqlite3_column_int64(q, 8), (long long)sqlite3_column_int64(q, 9));
}

static const struct {
    enum stmt_id id;
    check_fmt fmt;
} checks[] = {
    {Q_CHECK_ALLOCATED, fmt_allocated},       {Q_CHECK_ALLOC_ORPHAN, fmt_orphan},
    {Q_CHECK_NEGATIVE, fmt_negative},         {Q_CHECK_CLOSED_ALLOC, fmt_closed},
    {Q_CHECK_NO_PAYMENT, fmt_no_payment},     {Q_CHECK_OVERCAPTURE, fmt_overcapture},
    {Q_CHECK_CAPTURED, fmt_captured},         {Q_CHECK_CONFIRMATION, fmt_confirmation},
    {Q_CHECK_LEDGER_OVER, fmt_ledger_over},   {Q_CHECK_LEDGER_SUM, fmt_ledger_sum},
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
            checks[i].fmt(q, msg, sizeof msg);
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

/* --- console users and API keys, managed from the CLI --- */

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

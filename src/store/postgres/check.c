/* PostgreSQL backend: the consistency checks of `sellahead check`. */
#include "store/postgres/pg_int.h"

/* --- check --- */

/* One sentence for row i of a check statement. */
typedef void (*check_fmt)(const PGresult *r, int i, char *msg, size_t cap);

/* The position named by columns c..c+3 (sku, location_id, stock_type, transit_ref). */
static const char *row_pos(const PGresult *r, int i, int c, char *buf, size_t cap)
{
    return pg_key_name(pg_col_str(r, i, c), pg_col_str(r, i, c + 1), pg_col_int(r, i, c + 2),
                       pg_col_str(r, i, c + 3), buf, cap);
}

static void fmt_allocated(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "%s has allocatedQuantity %lld but its allocations add up to %lld",
             row_pos(r, i, 0, pos, sizeof pos), (long long)pg_col_i64(r, i, 4),
             (long long)pg_col_i64(r, i, 5));
}

static void fmt_orphan(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s holds %lld units of %s, a position that does not exist",
             pg_col_str(r, i, 4), (long long)pg_col_i64(r, i, 5), row_pos(r, i, 0, pos, sizeof pos));
}

static void fmt_negative(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap,
             "%s has a negative figure or is oversold: quantity %lld, "
             "reservedQuantity %lld, allocatedQuantity %lld",
             row_pos(r, i, 0, pos, sizeof pos), (long long)pg_col_i64(r, i, 4),
             (long long)pg_col_i64(r, i, 5), (long long)pg_col_i64(r, i, 6));
}

static void fmt_closed(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s is %s but still holds %lld units of %s", pg_col_str(r, i, 4),
             order_shipment_status_name(pg_col_int(r, i, 6)), (long long)pg_col_i64(r, i, 5),
             row_pos(r, i, 0, pos, sizeof pos));
}

static void fmt_no_payment(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no payment", (long long)pg_col_i64(r, i, 0),
             pg_col_str(r, i, 1));
}

static void fmt_overcapture(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has captures of %lld in all, more than the %lld "
             "authorized", (long long)pg_col_i64(r, i, 0), pg_col_str(r, i, 1),
             (long long)pg_col_i64(r, i, 3), (long long)pg_col_i64(r, i, 2));
}

static void fmt_captured(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records %lld captured but its captures add up to %lld",
             (long long)pg_col_i64(r, i, 0), pg_col_str(r, i, 1), (long long)pg_col_i64(r, i, 2),
             (long long)pg_col_i64(r, i, 3));
}

static void fmt_confirmation(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no order_confirmation email",
             (long long)pg_col_i64(r, i, 0), pg_col_str(r, i, 1));
}

static void fmt_ledger_over(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s): its payment events capture %lld and refund %lld, "
             "more than the %lld authorized", (long long)pg_col_i64(r, i, 0), pg_col_str(r, i, 1),
             (long long)pg_col_i64(r, i, 3), (long long)pg_col_i64(r, i, 4),
             (long long)pg_col_i64(r, i, 2));
}

static void fmt_ledger_sum(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records authorized %lld, captured %lld, voided %lld, "
             "refunded %lld but its payment events add up to %lld, %lld, %lld, %lld",
             (long long)pg_col_i64(r, i, 0), pg_col_str(r, i, 1), (long long)pg_col_i64(r, i, 2),
             (long long)pg_col_i64(r, i, 3), (long long)pg_col_i64(r, i, 4),
             (long long)pg_col_i64(r, i, 5), (long long)pg_col_i64(r, i, 6),
             (long long)pg_col_i64(r, i, 7), (long long)pg_col_i64(r, i, 8),
             (long long)pg_col_i64(r, i, 9));
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
            checks[i].fmt(r, row, msg, sizeof msg);
            (*problems)++;
            stop = report(ctx, msg) != 0;
        }
        PQclear(r);
    }
    if (own)
        pg_rollback(st); /* read only: nothing to commit */
    return rc;
}

/* --- console users and API keys, managed from the CLI --- */

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

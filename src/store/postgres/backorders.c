/* PostgreSQL backend: fabric backorder/preorder records (SPEC 9). */
#include "store/postgres/pg_int.h"

int pg_bo_add(struct store *st, const struct bo_record *r, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, r->id);
    pg_p_text(&p, r->order_id);
    pg_p_int(&p, r->order_number);
    pg_p_int(&p, r->line);
    pg_p_text(&p, r->sku);
    pg_p_int(&p, r->quantity);
    pg_p_int(&p, r->type);
    pg_p_text(&p, r->location_id);
    return pg_run(S(st), Q_BO_ADD, &p, e, "save a backorder record");
}

static void read_head(const PGresult *res, int i, struct bo_record *r)
{
    pg_col_copy(res, i, 0, r->id, sizeof r->id);
    pg_col_copy(res, i, 1, r->order_id, sizeof r->order_id);
    r->order_number = pg_col_i64(res, i, 2);
    r->line = pg_col_i64(res, i, 3);
    pg_col_copy(res, i, 4, r->sku, sizeof r->sku);
    r->item_id = PQgetisnull(res, i, 5) ? 0 : pg_col_i64(res, i, 5);
    r->quantity = pg_col_i64(res, i, 6);
    r->line_quantity = pg_col_i64(res, i, 7);
    r->type = pg_col_int(res, i, 8);
    pg_col_copy(res, i, 9, r->location_id, sizeof r->location_id);
    pg_col_copy(res, i, 10, r->consent_at, sizeof r->consent_at);
    pg_col_copy(res, i, 11, r->ordered_at, sizeof r->ordered_at);
}

static void read_piece(const PGresult *res, int i, struct bo_piece *p)
{
    memset(p, 0, sizeof *p);
    pg_col_copy(res, i, 12, p->shipment_id, sizeof p->shipment_id);
    p->status = pg_col_int(res, i, 13);
    p->stock_type = pg_col_int(res, i, 14);
    pg_col_copy(res, i, 15, p->location_id, sizeof p->location_id);
    p->stock_date = pg_col_date(res, i, 16);
    p->overdue = pg_col_int(res, i, 17) != 0;
    p->consent = pg_col_int(res, i, 18);
    p->notified = pg_col_date(res, i, 19);
    p->quantity = pg_col_i64(res, i, 20);
}

int pg_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
               store_bo_fn fn, void *ctx, err_t *e)
{
    enum stmt_id sid = id ? Q_BO_BY_ID : order_number > 0 ? Q_BO_BY_ORDER
                                       : sku               ? Q_BO_BY_SKU
                                                           : Q_BO_ALL;
    struct params p = {0};
    if (sid == Q_BO_BY_ID)
        pg_p_text(&p, id);
    else if (sid == Q_BO_BY_ORDER)
        pg_p_int(&p, order_number);
    else if (sid == Q_BO_BY_SKU)
        pg_p_text(&p, sku);
    PGresult *res;
    int rc = pg_exec_stmt(S(st), sid, &p, &res, e, "read backorder records");
    if (rc)
        return rc;
    struct bo_record r = {0};
    int n = PQntuples(res);
    /* One row per (record, shipment): a record's rows are consecutive. */
    for (int i = 0, j; !rc && i < n; i = j) {
        for (j = i + 1; j < n && !strcmp(pg_col_str(res, j, 0), pg_col_str(res, i, 0));)
            j++;
        struct bo_piece *v = realloc(r.pieces, (size_t)(j - i) * sizeof *v);
        if (!v) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
        r.pieces = v;
        read_head(res, i, &r);
        r.npieces = (size_t)(j - i);
        for (int k = i; k < j; k++)
            read_piece(res, k, &r.pieces[k - i]);
        rc = fn(ctx, &r, e);
    }
    PQclear(res);
    bo_record_free(&r);
    return rc;
}

int pg_bo_consented(struct store *st, const char *order_id, const char *sku, const char *at,
                    err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, at);
    pg_p_text(&p, order_id);
    pg_p_text(&p, sku);
    return pg_run(S(st), Q_BO_CONSENTED, &p, e, "save a delay answer on backorder records");
}

/* SQLite backend: fabric backorder/preorder records (SPEC 9). */
#include "store/sqlite/sqlite_int.h"

int sq_bo_add(struct store *st, const struct bo_record *r, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_BO_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, r->id);
    sq_bind_text(q, 2, r->order_id);
    sqlite3_bind_int64(q, 3, r->order_number);
    sqlite3_bind_int64(q, 4, r->line);
    sq_bind_text(q, 5, r->sku);
    sqlite3_bind_int64(q, 6, r->quantity);
    sqlite3_bind_int(q, 7, r->type);
    sq_bind_text(q, 8, r->location_id);
    return sq_run(s, q, e, "save a backorder record");
}

static void read_head(sqlite3_stmt *q, struct bo_record *r)
{
    sq_col_copy(q, 0, r->id, sizeof r->id);
    sq_col_copy(q, 1, r->order_id, sizeof r->order_id);
    r->order_number = sqlite3_column_int64(q, 2);
    r->line = sqlite3_column_int64(q, 3);
    sq_col_copy(q, 4, r->sku, sizeof r->sku);
    r->item_id = sqlite3_column_int64(q, 5); /* NULL reads 0 */
    r->quantity = sqlite3_column_int64(q, 6);
    r->line_quantity = sqlite3_column_int64(q, 7);
    r->type = sqlite3_column_int(q, 8);
    sq_col_copy(q, 9, r->location_id, sizeof r->location_id);
    sq_col_copy(q, 10, r->consent_at, sizeof r->consent_at);
    sq_col_copy(q, 11, r->ordered_at, sizeof r->ordered_at);
}

static void read_piece(sqlite3_stmt *q, struct bo_piece *p)
{
    memset(p, 0, sizeof *p);
    sq_col_copy(q, 12, p->shipment_id, sizeof p->shipment_id);
    p->status = sqlite3_column_int(q, 13);
    p->stock_type = sqlite3_column_int(q, 14);
    sq_col_copy(q, 15, p->location_id, sizeof p->location_id);
    p->stock_date = sq_col_date(q, 16);
    p->overdue = sqlite3_column_int(q, 17) != 0;
    p->consent = sqlite3_column_int(q, 18);
    p->notified = sq_col_date(q, 19);
    p->quantity = sqlite3_column_int64(q, 20);
}

int sq_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
               store_bo_fn fn, void *ctx, err_t *e)
{
    struct sqlite_store *s = S(st);
    enum stmt_id sid = id ? Q_BO_BY_ID : order_number > 0 ? Q_BO_BY_ORDER
                                       : sku               ? Q_BO_BY_SKU
                                                           : Q_BO_ALL;
    sqlite3_stmt *q = sq_stmt(s, sid, e);
    if (!q)
        return e->code;
    if (sid == Q_BO_BY_ID)
        sq_bind_text(q, 1, id);
    else if (sid == Q_BO_BY_ORDER)
        sqlite3_bind_int64(q, 1, order_number);
    else if (sid == Q_BO_BY_SKU)
        sq_bind_text(q, 1, sku);
    struct bo_record r = {0};
    size_t cap = 0;
    int rc = 0, step = SQLITE_DONE;
    /* One row per (record, shipment): a record ends where the next one's rows begin. */
    while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
        if (r.npieces && strcmp(sq_col_str(q, 0), r.id)) {
            rc = fn(ctx, &r, e);
            r.npieces = 0;
            if (!r.pieces) /* fn took them */
                cap = 0;
        }
        if (rc)
            break;
        if (!r.npieces)
            read_head(q, &r);
        struct bo_piece *v = sq_grow(r.pieces, r.npieces + 1, &cap, sizeof *v);
        if (!v) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
        r.pieces = v;
        read_piece(q, &r.pieces[r.npieces++]);
    }
    if (!rc && step != SQLITE_DONE)
        rc = sq_fail(s, e, "read backorder records");
    if (!rc && r.npieces)
        rc = fn(ctx, &r, e);
    bo_record_free(&r);
    return sq_done(q, rc);
}

int sq_bo_consented(struct store *st, const char *order_id, const char *sku, const char *at,
                    err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_BO_CONSENTED, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, at);
    sq_bind_text(q, 2, order_id);
    sq_bind_text(q, 3, sku);
    return sq_run(s, q, e, "save a delay answer on backorder records");
}

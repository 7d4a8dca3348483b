#include "app/purchase_orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The shipments holding units on key, oldest order first (as alloc_list gives them). */
static int load_waiting(struct store *st, struct po_entry *en, err_t *e)
{
    struct alloc_row *rows;
    size_t n;
    int rc = store_alloc_list(st, NULL, &en->pos, &rows, &n, e);
    if (rc)
        return rc;
    en->waiting_total = n;
    size_t keep = n < PO_WAITING_MAX ? n : PO_WAITING_MAX;
    if (keep && !(en->waiting = calloc(keep, sizeof *en->waiting)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < keep; i++) {
        struct po_wait *w = &en->waiting[en->nwaiting];
        if ((rc = store_shipment_get(st, rows[i].shipment_id, &w->sh, e)))
            break;
        free(w->sh.items);
        w->sh.items = NULL;
        w->sh.nitems = 0;
        w->order_number = rows[i].order_number;
        w->units = rows[i].quantity;
        en->nwaiting++;
    }
    free(rows);
    return rc;
}

static int add_unsourced(struct store *st, const char *sku, struct po_page *out, err_t *e)
{
    for (size_t i = 0; i < out->nunsourced; i++)
        if (!strcmp(out->unsourced[i].pos.sku, sku))
            return 0;
    struct po_entry en = {0};
    snprintf(en.pos.sku, sizeof en.pos.sku, "%s", sku);
    en.pos.stock_type = STOCK_UNSOURCED;
    en.pos.order_date = en.pos.stock_date = DATE_NONE;
    int rc = load_waiting(st, &en, e);
    if (rc || !en.waiting_total) {
        free(en.waiting);
        return rc;
    }
    struct po_entry *v = realloc(out->unsourced, (out->nunsourced + 1) * sizeof *v);
    if (!v) {
        free(en.waiting);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    out->unsourced = v;
    out->unsourced[out->nunsourced++] = en;
    return 0;
}

/* Each item's limits and the room they leave it (SPEC 9), which depend on the other
 * positions of its SKU: read once per SKU (the page is by SKU). */
static int add_limits(struct store *st, struct po_page *out, err_t *e)
{
    struct position_list pl = {0};
    int rc = 0;
    for (size_t i = 0; !rc && i < out->nitems; i++) {
        struct position *p = &out->items[i].pos;
        if (i == 0 || strcmp(out->items[i - 1].pos.sku, p->sku)) {
            pl.n = 0;
            if ((rc = store_positions_by_sku(st, p->sku, &pl, e)))
                break;
            position_sort(pl.v, pl.n);
        }
        for (size_t k = 0; k < pl.n; k++)
            if (pl.v[k].stock_type == p->stock_type && pl.v[k].channel_id == p->channel_id &&
                !strcmp(pl.v[k].location_id, p->location_id) &&
                !strcmp(pl.v[k].transit_ref, p->transit_ref)) {
                p->lim = pl.v[k].lim;
                p->capped = pl.v[k].capped;
                p->room = pl.v[k].room;
            }
    }
    position_list_free(&pl);
    return rc;
}

int po_list(struct store *st, const struct po_query *q, struct po_page *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    date_t today = date_today();
    struct position_list pl = {0};
    int rc = store_begin(st, false, e); /* one snapshot for the page */
    if (rc)
        return rc;
    rc = store_transit_page(st, q->after, q->sku, q->overdue ? today : DATE_NONE,
                            q->limit + 1, &pl, e);
    out->more = pl.n > q->limit;
    size_t n = out->more ? q->limit : pl.n;
    if (!rc && n && !(out->items = calloc(n, sizeof *out->items)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++) {
        struct po_entry *en = &out->items[out->nitems++];
        en->pos = pl.v[i];
        en->overdue = position_overdue(en->pos.stock_type, en->pos.stock_date, today);
        rc = load_waiting(st, en, e);
    }
    if (!rc)
        rc = add_limits(st, out, e);
    if (!rc && q->sku)
        rc = add_unsourced(st, q->sku, out, e);
    for (size_t i = 0; !rc && !q->sku && i < out->nitems; i++)
        rc = add_unsourced(st, out->items[i].pos.sku, out, e);
    store_rollback(st);
    position_list_free(&pl);
    if (rc)
        po_page_free(out);
    return rc;
}

void po_page_free(struct po_page *p)
{
    for (size_t i = 0; i < p->nitems; i++)
        free(p->items[i].waiting);
    for (size_t i = 0; i < p->nunsourced; i++)
        free(p->unsourced[i].waiting);
    free(p->items);
    free(p->unsourced);
    memset(p, 0, sizeof *p);
}

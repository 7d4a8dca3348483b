#include "app/backorders.h"

#include <stdlib.h>
#include <string.h>

#include "app/delays.h"
#include "util/ids.h"

int backorders_record(struct store *st, const struct order_rec *o,
                      const struct order_plan *plan, err_t *e)
{
    int rc = 0;
    for (size_t l = 0; !rc && l < o->nlines; l++) {
        struct bo_record r = {0};
        const struct order_alloc *most = NULL;
        for (size_t i = 0; i < plan->nallocs; i++) {
            const struct order_alloc *a = &plan->allocs[i];
            if (a->line != l || a->pos.stock_type == STOCK_ONHAND)
                continue;
            r.quantity += a->quantity;
            if (!most || a->quantity > most->quantity)
                most = a;
        }
        if (!most)
            continue; /* served from onhand: no record */
        ids_new("bo", r.id, sizeof r.id);
        memcpy(r.order_id, o->id, sizeof r.order_id);
        r.order_number = o->number;
        r.line = (int64_t)l;
        memcpy(r.sku, o->lines[l].sku, sizeof r.sku);
        bool dated = most->pos.stock_date != DATE_NONE &&
                     !position_overdue(most->pos.stock_type, most->pos.stock_date, date_today());
        r.type = dated ? BO_PREORDER : BO_BACKORDER;
        memcpy(r.location_id, most->pos.location_id, sizeof r.location_id);
        rc = store_bo_add(st, &r, e);
    }
    return rc;
}

int backorders_answered(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    char now[24];
    ids_now(now);
    int rc = 0;
    for (size_t i = 0; !rc && i < sh->nitems; i++)
        rc = store_bo_consented(st, sh->order_id, sh->items[i].sku, now, e);
    return rc;
}

void bo_item_free(struct bo_item *it)
{
    bo_record_free(&it->rec);
}

void bo_page_free(struct bo_page *p)
{
    for (size_t i = 0; i < p->n; i++)
        bo_item_free(&p->v[i]);
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

/* Takes the scanned record (its pieces move to it). */
static void take(struct bo_item *it, struct bo_record *r)
{
    it->rec = *r;
    r->pieces = NULL;
    r->npieces = 0;
}

struct search_ctx {
    const struct bo_query *q;
    struct bo_page *out;
    size_t cap;
};

static int search_row(void *arg, struct bo_record *r, err_t *e)
{
    struct search_ctx *c = arg;
    const struct bo_query *q = c->q;
    struct bo_live live;
    bo_live(r, &live);
    if ((q->sku && strcmp(r->sku, q->sku)) ||
        (q->order_number > 0 && r->order_number != q->order_number) ||
        (q->type >= 0 && live.type != q->type) || (q->status >= 0 && live.status != q->status) ||
        (q->consented >= 0 && live.consented != (q->consented != 0)))
        return 0;
    size_t k = c->out->count++;
    if (k < q->offset || k >= q->offset + q->limit)
        return 0;
    if (c->out->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        struct bo_item *v = realloc(c->out->v, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        c->out->v = v;
        c->cap = cap;
    }
    struct bo_item *it = &c->out->v[c->out->n++];
    take(it, r);
    it->live = live;
    return 0;
}

int backorders_search(struct store *st, const struct bo_query *q, struct bo_page *out,
                      err_t *e)
{
    memset(out, 0, sizeof *out);
    struct search_ctx c = {q, out, 0};
    /* sku and orderNumber narrow the scan by index; the live fields are filtered here. */
    int rc = store_bo_scan(st, NULL, q->order_number, q->sku, search_row, &c, e);
    if (rc)
        bo_page_free(out);
    return rc;
}

static int get_row(void *arg, struct bo_record *r, err_t *e)
{
    (void)e;
    struct bo_item *it = arg;
    take(it, r);
    bo_live(&it->rec, &it->live);
    return 0;
}

int backorders_get(struct store *st, const char *id, struct bo_item *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    int rc = store_bo_scan(st, id, 0, NULL, get_row, out, e);
    if (!rc && !out->rec.id[0])
        rc = err_named(e, ERR_NOTFOUND, "BACKORDER_NOT_FOUND", "no backorder record %s", id);
    return rc;
}

/* The ids of the open shipments holding the record's units whose delay the answer is for:
 * ACCEPT those whose delay is PENDING, DECLINE those that are delayed. Caller frees. */
static int targets(struct bo_item *it, bool accept, char (**ids)[ORDER_ID_MAX], size_t *n,
                   err_t *e)
{
    *n = 0;
    if (!(*ids = calloc(it->rec.npieces + 1, sizeof **ids)))
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < it->rec.npieces; i++) {
        const struct bo_piece *p = &it->rec.pieces[i];
        bool open = p->status == SHIP_READY || p->status == SHIP_AWAITING_STOCK;
        if (p->mine && open &&
            (accept ? p->consent == CONSENT_PENDING : p->consent != CONSENT_NONE))
            memcpy((*ids)[(*n)++], p->shipment_id, ORDER_ID_MAX);
    }
    return 0;
}

int backorders_consent(struct store *st, const char *id, bool accept, struct bo_item *out,
                       err_t *e)
{
    int rc = backorders_get(st, id, out, e);
    /* Each shipment is answered as SPEC 5.8's delay-consent answers it, in its own
     * transaction (a DECLINE's void or refund goes to the provider after its commit); one
     * answered meanwhile (409) is skipped. A cancel frees units, which re-planning gives to
     * those who wait, the record's other delayed units among them (a new shipment that
     * carries the delay): DECLINE goes round again until none of the record's units is
     * left in a delayed open shipment. */
    for (int round = 0; !rc && round < 8; round++) {
        char(*ids)[ORDER_ID_MAX];
        size_t n;
        if ((rc = targets(out, accept, &ids, &n, e)))
            break;
        if (!n && round == 0)
            rc = accept ? err_set(e, ERR_CONFLICT,
                                  "backorder record %s has no delay waiting for an answer", id)
                        : err_set(e, ERR_CONFLICT,
                                  "backorder record %s has no open delayed shipment to cancel",
                                  id);
        for (size_t i = 0; !rc && i < n; i++) {
            struct order_rec o;
            err_t ce = {0};
            int r = delays_consent(st, ids[i], NULL, accept, &o, &ce);
            if (!r)
                order_rec_free(&o);
            else if (r != ERR_CONFLICT || (round == 0 && i == 0)) {
                *e = ce;
                rc = r;
            }
        }
        free(ids);
        bo_item_free(out);
        if (!rc)
            rc = backorders_get(st, id, out, e);
        if (!n || accept)
            break;
    }
    if (rc)
        bo_item_free(out);
    return rc;
}

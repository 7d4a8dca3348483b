#include "app/orders.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/tx.h"
#include "mail/compose.h"
#include "pay/pay.h"
#include "util/ids.h"

/* --- input rules --- */

static bool email_valid(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strlen(s) > EMAIL_MAX)
        return false;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || !dot[1])
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' || *p == ',')
            return false;
    return true;
}

int orders_validate(const struct place_req *req, err_t *e)
{
    if (!req->email[0])
        return err_set(e, ERR_INVALID, "email is required");
    if (!email_valid(req->email))
        return err_set(e, ERR_INVALID, "email \"%.80s\" is not a valid email address",
                       req->email);
    const struct {
        const char *name, *value;
    } required[] = {
        {"shippingAddress.name", req->address.name},
        {"shippingAddress.line1", req->address.line1},
        {"shippingAddress.city", req->address.city},
        {"shippingAddress.postalCode", req->address.postal_code},
        {"shippingAddress.country", req->address.country},
    };
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!required[i].value[0])
            return err_set(e, ERR_INVALID, "%s is required", required[i].name);
    if (!req->payment_token[0])
        return err_set(e, ERR_INVALID, "payment.token is required");
    if (!req->cart_id && req->nlines == 0)
        return err_set(e, ERR_INVALID, "an order needs a cartId or at least one item");
    for (size_t i = 0; i < req->nlines; i++)
        if (req->lines[i].quantity < 1 || req->lines[i].quantity > ORDER_QTY_MAX)
            return err_set(e, ERR_INVALID, "items[%zu].quantity must be from 1 to %d", i,
                           ORDER_QTY_MAX);
    return 0;
}

/* --- shared steps --- */

/* Line indexes in SKU order: every placement locks SKUs the same way round, so two never
 * wait on each other in a circle. */
static void sku_order(const struct order_line *lines, size_t n, size_t *idx)
{
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        for (; j > 0 && strcmp(lines[idx[j - 1]].sku, lines[i].sku) > 0; j--)
            idx[j] = idx[j - 1];
        idx[j] = i;
    }
}

static int64_t unix_now(void)
{
    return (int64_t)time(NULL);
}

/* Queues a composed email in the current transaction; frees its bodies. */
static int queue_email(struct store *st, struct email *m, err_t *e)
{
    ids_new("msg", m->id, sizeof m->id);
    ids_now(m->created_at);
    m->status = EMAIL_PENDING;
    m->next_attempt_at = unix_now();
    int rc = st->ops->outbox_add(st, m, e);
    email_free(m);
    return rc;
}

/* After a shipment changed: saves the order's status and loads the settings the email of
 * the change is composed with. */
static int order_changed(struct store *st, struct order_rec *o, struct settings *s, err_t *e)
{
    o->status = order_status(o->shipments, o->nshipments);
    int rc = st->ops->order_set_status(st, o->id, o->status, e);
    return rc ? rc : st->ops->settings_get(st, s, e);
}

/* Loads each line's product (name, price, currency) and positions in allocation order;
 * with lock, the positions stay locked until the transaction ends, so the plan made from
 * them still holds when it is written. */
static int load_lines(struct store *st, struct order_line *lines, size_t n,
                      struct position_list *lists, char currency[4], bool lock, err_t *e)
{
    size_t idx[ORDER_MAX_LINES];
    sku_order(lines, n, idx);
    for (size_t k = 0; k < n; k++) {
        size_t i = idx[k];
        struct product p;
        int rc = st->ops->product_get(st, lines[i].sku, &p, e);
        if (rc == ERR_NOTFOUND)
            return err_named(e, ERR_NOTFOUND, "SKU_NOT_FOUND", "SKU %s is not in the catalog",
                             lines[i].sku);
        if (rc)
            return rc;
        if (k == 0)
            memcpy(currency, p.currency, 4);
        else if (strcmp(currency, p.currency))
            return err_set(e, ERR_INVALID,
                           "all items must share one currency (%s is in %s, not %s)", p.sku,
                           p.currency, currency);
        memcpy(lines[i].name, p.name, sizeof lines[i].name);
        lines[i].unit_price = p.price;
        rc = lock ? st->ops->positions_lock(st, lines[i].sku, &lists[i], e)
                  : st->ops->positions_by_sku(st, lines[i].sku, &lists[i], e);
        if (rc)
            return rc;
        position_sort(lists[i].v, lists[i].n);
    }
    return 0;
}

int orders_preview(struct store *st, struct order_line *lines, size_t n,
                   struct position_list *lists, struct order_plan *plan, err_t *e)
{
    char currency[4] = "USD";
    struct settings s;
    int rc = load_lines(st, lines, n, lists, currency, false, e);
    if (!rc)
        rc = st->ops->settings_get(st, &s, e);
    if (rc)
        return rc;
    struct order_stock stock[ORDER_MAX_LINES];
    for (size_t i = 0; i < n; i++)
        stock[i] = (struct order_stock){lists[i].v, lists[i].n};
    return order_plan(lines, n, stock, &s, date_today(), plan) ? err_set(e, ERR_NOMEM,
                                                                          "out of memory")
                                                                : 0;
}

/* Turns a plan into the order record: shipments with ids, items and amounts. */
static int build_order(const struct place_req *req, const struct order_plan *plan,
                       const char currency[4], struct order_rec *o, err_t *e)
{
    memset(o, 0, sizeof *o);
    ids_new("ord", o->id, sizeof o->id);
    ids_token(o->access_token);
    ids_now(o->created_at);
    o->status = ORDER_PLACED;
    memcpy(o->email, req->email, sizeof o->email);
    memcpy(o->currency, currency, 4);
    o->address = req->address;
    o->total = plan->total;
    o->lines = calloc(req->nlines, sizeof *o->lines);
    o->shipments = calloc(plan->nshipments, sizeof *o->shipments);
    if (!o->lines || !o->shipments)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(o->lines, req->lines, req->nlines * sizeof *o->lines);
    o->nlines = req->nlines;
    o->nshipments = plan->nshipments;
    for (size_t k = 0; k < plan->nshipments; k++) {
        const struct order_shipment *ps = &plan->shipments[k];
        struct shipment_rec *sh = &o->shipments[k];
        ids_new("shp", sh->id, sizeof sh->id);
        memcpy(sh->order_id, o->id, sizeof sh->order_id);
        sh->status = ps->status;
        sh->stock_type = ps->stock_type;
        memcpy(sh->location_id, ps->location_id, sizeof sh->location_id);
        memcpy(sh->transit_ref, ps->transit_ref, sizeof sh->transit_ref);
        sh->stock_date = ps->stock_date;
        sh->expected = ps->expected;
        sh->amount = ps->amount;
        if (!(sh->items = calloc(plan->nallocs, sizeof *sh->items)))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < plan->nallocs; i++) {
        const struct order_alloc *a = &plan->allocs[i];
        struct shipment_rec *sh = &o->shipments[a->shipment];
        struct shipment_item *it = &sh->items[sh->nitems++];
        memcpy(it->sku, a->pos.sku, sizeof it->sku);
        it->quantity = a->quantity;
    }
    return 0;
}

/* The steps of a placement inside the transaction. ERR_CONFLICT leaves shortages in out. */
static int place_tx(struct store *st, struct place_req *req, struct place_result *out,
                    err_t *e)
{
    int rc;
    if (req->idem_key) {
        char first[ORDER_ID_MAX];
        rc = store_idem_find(st, req->idem_scope, req->idem_key, req->idem_fp, first,
                             sizeof first, e);
        if (rc == 0) {
            out->replay = true;
            return st->ops->order_get(st, first, &out->order, e);
        }
        if (rc != ERR_NOTFOUND)
            return rc;
    }
    if (req->cart_id) {
        struct shipment_item *items;
        size_t n;
        if ((rc = st->ops->cart_lines(st, req->cart_id, &items, &n, e)))
            return rc == ERR_NOTFOUND
                       ? err_named(e, ERR_NOTFOUND, "CART_NOT_FOUND", "no cart %s", req->cart_id)
                       : rc;
        for (size_t i = 0; i < n && req->nlines < ORDER_MAX_LINES; i++) {
            struct order_line *l = &req->lines[req->nlines++];
            memset(l, 0, sizeof *l);
            memcpy(l->sku, items[i].sku, sizeof l->sku);
            l->quantity = items[i].quantity;
        }
        free(items);
        if (req->nlines == 0)
            return err_set(e, ERR_INVALID, "the cart is empty");
    }
    req->nlines = order_merge_lines(req->lines, req->nlines);

    struct settings s;
    struct position_list lists[ORDER_MAX_LINES] = {{0}};
    struct order_stock stock[ORDER_MAX_LINES];
    struct order_plan plan = {0};
    char currency[4] = "USD";
    date_t today = date_today();
    const struct pay_provider *pay = pay_provider("test");
    rc = load_lines(st, req->lines, req->nlines, lists, currency, true, e);
    if (!rc)
        rc = st->ops->settings_get(st, &s, e);
    if (rc)
        goto out;
    for (size_t i = 0; i < req->nlines; i++)
        stock[i] = (struct order_stock){lists[i].v, lists[i].n};
    if ((rc = order_plan(req->lines, req->nlines, stock, &s, today, &plan))) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    if (plan.nshortages) {
        out->shortages = plan.shortages;
        out->nshortages = plan.nshortages;
        plan.shortages = NULL;
        rc = err_set(e, ERR_CONFLICT, "not enough inventory for %s",
                     out->shortages[0].sku);
        goto out;
    }
    /* The conditional update re-checks availability row by row: with several servers on one
     * database the plan may be stale, and then nothing is placed. */
    for (size_t i = 0; i < plan.nallocs && !rc; i++)
        rc = st->ops->position_allocate(st, &plan.allocs[i].pos, plan.allocs[i].quantity, e);
    if (rc)
        goto out;
    struct order_rec *o = &out->order;
    if ((rc = build_order(req, &plan, currency, o, e)))
        goto out;
    struct payment *p = &o->payment;
    snprintf(p->provider, sizeof p->provider, "%s", pay->name);
    if ((rc = pay->authorize(req->payment_token, o->total, o->currency, p->ref, e)))
        goto out;
    p->authorized = o->total;
    if (s.capture_on == CAPTURE_ORDER) {
        if ((rc = pay->capture(p->ref, o->total, e)))
            goto out;
        p->captured = o->total;
    }
    p->status = order_payment_status(p);
    if ((rc = st->ops->order_next_number(st, &o->number, e)) ||
        (rc = st->ops->order_insert(st, o, e)))
        goto out;
    for (size_t i = 0; i < plan.nallocs && !rc; i++)
        rc = st->ops->alloc_add(st, o->shipments[plan.allocs[i].shipment].id,
                                &plan.allocs[i].pos, plan.allocs[i].quantity, e);
    if (!rc && p->captured)
        rc = st->ops->capture_add(st, o->id, NULL, p->captured, e);
    if (!rc) {
        struct email m = {0};
        rc = compose_order_confirmation(o, &s, today, &m);
        rc = rc ? err_set(e, ERR_NOMEM, "out of memory") : queue_email(st, &m, e);
    }
    /* Another server placed the same key first: run again and replay its order. */
    if (!rc && req->idem_key &&
        (rc = store_idem_save(st, req->idem_scope, req->idem_key, req->idem_fp, o->id, e)) ==
            ERR_CONFLICT)
        rc = ERR_RETRY;
    if (!rc && req->cart_id)
        for (size_t i = 0; i < req->nlines && !rc; i++)
            rc = st->ops->cart_set(st, req->cart_id, req->lines[i].sku, 0, e);
out:
    for (size_t i = 0; i < req->nlines; i++)
        position_list_free(&lists[i]);
    order_plan_free(&plan);
    return rc;
}

struct place_ctx {
    struct place_req *req;
    struct place_result *out;
    struct order_line *lines; /* as the caller gave them: a cart or a merge changes req's */
    size_t nlines;
};

static int place_attempt(struct store *st, void *arg, err_t *e)
{
    struct place_ctx *c = arg;
    orders_result_free(c->out);
    memset(c->out, 0, sizeof *c->out);
    memcpy(c->req->lines, c->lines, c->nlines * sizeof *c->lines);
    c->req->nlines = c->nlines;
    return place_tx(st, c->req, c->out, e);
}

int orders_place(struct store *st, struct place_req *req, struct place_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    int rc = orders_validate(req, e);
    if (rc)
        return rc;
    struct place_ctx c = {req, out, malloc((req->nlines ? req->nlines : 1) * sizeof *req->lines),
                          req->nlines};
    if (!c.lines)
        return err_set(e, ERR_NOMEM, "out of memory");
    memcpy(c.lines, req->lines, req->nlines * sizeof *req->lines);
    rc = tx_run(st, place_attempt, &c, e);
    free(c.lines);
    if (rc)
        order_rec_free(&out->order);
    return rc;
}

void orders_result_free(struct place_result *r)
{
    order_rec_free(&r->order);
    free(r->shortages);
    r->shortages = NULL;
    r->nshortages = 0;
}

/* --- after placement --- */

static struct shipment_rec *find_shipment(struct order_rec *o, const char *id)
{
    for (size_t i = 0; i < o->nshipments; i++)
        if (!strcmp(o->shipments[i].id, id))
            return &o->shipments[i];
    return NULL;
}

/* Gives back a shipment's units: released (cancel) or removed with the stock (ship). */
static int drop_allocations(struct store *st, const char *shipment_id, bool shipped, err_t *e)
{
    struct alloc_row *rows;
    size_t n;
    int rc = st->ops->alloc_list(st, shipment_id, NULL, &rows, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        if (shipped && rows[i].pos.stock_type != STOCK_ONHAND)
            rc = err_set(e, ERR_CONFLICT, "shipment %s still waits for stock", shipment_id);
        else
            rc = st->ops->position_adjust(st, &rows[i].pos, shipped ? -rows[i].quantity : 0,
                                          -rows[i].quantity, e);
    }
    free(rows);
    return rc ? rc : st->ops->alloc_delete(st, shipment_id, e);
}

static int ship_tx(struct store *st, const char *shipment_id, const char *tracking,
                   struct order_rec *o, err_t *e)
{
    char order_id[ORDER_ID_MAX];
    int rc = st->ops->order_by_shipment(st, shipment_id, order_id, e);
    if (rc == ERR_NOTFOUND)
        return err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    /* Locked before it is read: two ships of one shipment cannot both see it READY. */
    if (rc || (rc = st->ops->order_lock(st, order_id, e)) ||
        (rc = st->ops->order_get(st, order_id, o, e)))
        return rc;
    struct shipment_rec *sh = find_shipment(o, shipment_id);
    if (!sh)
        return err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    if (sh->status != SHIP_READY)
        return err_set(e, ERR_CONFLICT, "shipment %s is %s: only a READY shipment can ship",
                       shipment_id, order_shipment_status_name(sh->status));
    if ((rc = drop_allocations(st, shipment_id, true, e)))
        return rc;
    sh->status = SHIP_SHIPPED;
    snprintf(sh->tracking_number, sizeof sh->tracking_number, "%s", tracking);
    ids_now(sh->shipped_at);
    if ((rc = st->ops->shipment_update(st, sh, e)))
        return rc;
    /* Never more than what is still authorized: under captureOn=order it is all taken. */
    struct payment *p = &o->payment;
    int64_t left = p->authorized - p->captured - p->voided;
    int64_t charge = sh->amount < left ? sh->amount : left;
    const struct pay_provider *pay = pay_provider(p->provider);
    if (charge > 0) {
        if (!pay)
            return err_set(e, ERR_STORE, "unknown payment provider %s", p->provider);
        if ((rc = pay->capture(p->ref, charge, e)) ||
            (rc = st->ops->capture_add(st, o->id, sh->id, charge, e)))
            return rc;
        p->captured += charge;
        p->status = order_payment_status(p);
        if ((rc = st->ops->payment_update(st, o->id, p, e)))
            return rc;
    }
    struct settings s;
    struct email m = {0};
    if ((rc = order_changed(st, o, &s, e)))
        return rc;
    if (compose_shipment_shipped(o, sh, charge, &s, &m))
        return err_set(e, ERR_NOMEM, "out of memory");
    return queue_email(st, &m, e);
}

struct ship_ctx {
    const char *shipment_id, *tracking;
    struct order_rec *order;
};

static int ship_attempt(struct store *st, void *arg, err_t *e)
{
    struct ship_ctx *c = arg;
    order_rec_free(c->order);
    memset(c->order, 0, sizeof *c->order);
    return ship_tx(st, c->shipment_id, c->tracking, c->order, e);
}

int orders_ship(struct store *st, const char *shipment_id, const char *tracking,
                struct order_rec *order, err_t *e)
{
    memset(order, 0, sizeof *order);
    struct ship_ctx c = {shipment_id, tracking, order};
    int rc = tx_run(st, ship_attempt, &c, e);
    if (rc)
        order_rec_free(order);
    return rc;
}

static int cancel_tx(struct store *st, const char *order_id, struct order_rec *o, err_t *e)
{
    int rc = st->ops->order_lock(st, order_id, e);
    if (!rc)
        rc = st->ops->order_get(st, order_id, o, e);
    if (rc == ERR_NOTFOUND)
        return err_set(e, ERR_NOTFOUND, "no order %s", order_id);
    if (rc)
        return rc;
    if (o->status == ORDER_CANCELLED)
        return err_set(e, ERR_CONFLICT, "order %s is already cancelled", order_id);
    int64_t cancelled = 0;
    for (size_t i = 0; i < o->nshipments; i++) {
        struct shipment_rec *sh = &o->shipments[i];
        if (sh->status != SHIP_READY && sh->status != SHIP_AWAITING_STOCK)
            continue;
        if ((rc = drop_allocations(st, sh->id, false, e)))
            return rc;
        sh->status = SHIP_CANCELLED;
        cancelled += sh->amount;
        if ((rc = st->ops->shipment_update(st, sh, e)))
            return rc;
    }
    if (cancelled == 0)
        return err_set(e, ERR_CONFLICT,
                       "order %s has nothing left to cancel: its shipments have shipped or "
                       "were cancelled",
                       order_id);
    /* Release what was never charged; give back what was charged ahead (captureOn=order). */
    struct payment *p = &o->payment;
    const struct pay_provider *pay = pay_provider(p->provider);
    int64_t uncaptured = p->authorized - p->captured - p->voided;
    int64_t refund = cancelled - uncaptured > 0 ? cancelled - uncaptured : 0;
    if (!pay)
        return err_set(e, ERR_STORE, "unknown payment provider %s", p->provider);
    if (uncaptured > 0 && (rc = pay->void_auth(p->ref, uncaptured, e)))
        return rc;
    if (refund > 0 && (rc = pay->refund(p->ref, refund, e)))
        return rc;
    p->voided += uncaptured > 0 ? uncaptured : 0;
    p->refunded += refund;
    p->status = order_payment_status(p);
    if ((rc = st->ops->payment_update(st, o->id, p, e)))
        return rc;
    struct settings s;
    struct email m = {0};
    if ((rc = order_changed(st, o, &s, e)))
        return rc;
    if (compose_order_cancelled(o, cancelled, &s, &m))
        return err_set(e, ERR_NOMEM, "out of memory");
    return queue_email(st, &m, e);
}

struct cancel_ctx {
    const char *order_id;
    struct order_rec *order;
};

static int cancel_attempt(struct store *st, void *arg, err_t *e)
{
    struct cancel_ctx *c = arg;
    order_rec_free(c->order);
    memset(c->order, 0, sizeof *c->order);
    return cancel_tx(st, c->order_id, c->order, e);
}

int orders_cancel(struct store *st, const char *order_id, struct order_rec *order, err_t *e)
{
    memset(order, 0, sizeof *order);
    struct cancel_ctx c = {order_id, order};
    int rc = tx_run(st, cancel_attempt, &c, e);
    if (rc)
        order_rec_free(order);
    return rc;
}

/* --- receipts --- */

static int receive_tx(struct store *st, const struct position *key, int64_t qty,
                      char (**released)[ORDER_ID_MAX], size_t *nreleased, err_t *e)
{
    /* Locked: concurrent receipts and placements see the allocations as they are. */
    struct position_list pl = {0};
    int rc = st->ops->positions_lock(st, key->sku, &pl, e);
    if (rc)
        return rc;
    const struct position *transit = NULL;
    for (size_t i = 0; i < pl.n; i++)
        if (pl.v[i].stock_type == STOCK_INTRANSIT &&
            !strcmp(pl.v[i].location_id, key->location_id) &&
            !strcmp(pl.v[i].transit_ref, key->transit_ref))
            transit = &pl.v[i];
    if (!transit) {
        position_list_free(&pl);
        return err_set(e, ERR_NOTFOUND, "no transit position %s of %s at %s", key->transit_ref,
                       key->sku, key->location_id);
    }
    int64_t in_transit = transit->quantity;
    struct position tkey = *transit;
    position_list_free(&pl);
    if (qty > in_transit)
        return err_set(e, ERR_INVALID, "cannot receive %lld units: only %lld are in transit",
                       (long long)qty, (long long)in_transit);

    struct alloc_row *claims;
    size_t n;
    if ((rc = st->ops->alloc_list(st, NULL, &tkey, &claims, &n, e)))
        return rc;
    struct receipt_claim *rc_claims = calloc(n ? n : 1, sizeof *rc_claims);
    int64_t *moved = calloc(n ? n : 1, sizeof *moved);
    *released = calloc(n ? n : 1, sizeof **released);
    *nreleased = 0;
    if (!rc_claims || !moved || !*released) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        rc_claims[i] = (struct receipt_claim){claims[i].shipment_seq, claims[i].quantity};
    int64_t total = order_receipt(rc_claims, n, qty, moved);

    struct position okey = {0};
    memcpy(okey.sku, tkey.sku, sizeof okey.sku);
    memcpy(okey.location_id, tkey.location_id, sizeof okey.location_id);
    okey.stock_type = STOCK_ONHAND;
    okey.order_date = okey.stock_date = DATE_NONE;
    if ((rc = st->ops->position_adjust(st, &tkey, -qty, -total, e)) ||
        (rc = st->ops->position_adjust(st, &okey, qty, total, e)))
        goto out;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!moved[i])
            continue;
        const char *sid = claims[i].shipment_id;
        if ((rc = st->ops->alloc_add(st, sid, &tkey, -moved[i], e)) ||
            (rc = st->ops->alloc_add(st, sid, &okey, moved[i], e)))
            break;
        if (moved[i] < claims[i].quantity)
            continue; /* part of it still waits on the transit position */
        struct shipment_rec sh;
        if ((rc = st->ops->shipment_get(st, sid, &sh, e)))
            break;
        free(sh.items);
        sh.items = NULL;
        sh.nitems = 0;
        if (sh.status == SHIP_AWAITING_STOCK) {
            sh.status = SHIP_READY;
            if (!(rc = st->ops->shipment_update(st, &sh, e)))
                memcpy((*released)[(*nreleased)++], sid, ORDER_ID_MAX);
        }
    }
out:
    free(claims);
    free(rc_claims);
    free(moved);
    if (rc) {
        free(*released);
        *released = NULL;
        *nreleased = 0;
    }
    return rc;
}

struct receive_ctx {
    const struct position *key;
    int64_t qty;
    char (**released)[ORDER_ID_MAX];
    size_t *nreleased;
};

static int receive_attempt(struct store *st, void *arg, err_t *e)
{
    struct receive_ctx *c = arg;
    return receive_tx(st, c->key, c->qty, c->released, c->nreleased, e);
}

int orders_receive(struct store *st, const struct position *key, int64_t qty,
                   char (**released)[ORDER_ID_MAX], size_t *nreleased, err_t *e)
{
    *released = NULL;
    *nreleased = 0;
    if (qty < 1 || qty > 2147483647)
        return err_set(e, ERR_INVALID, "quantity must be a whole number from 1 to 2147483647");
    struct receive_ctx c = {key, qty, released, nreleased};
    return tx_run(st, receive_attempt, &c, e);
}

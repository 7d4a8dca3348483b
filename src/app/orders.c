#include "app/orders.h"

#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/backorders.h"
#include "app/orders_int.h"
#include "app/payments.h"
#include "app/replan.h"
#include "app/tx.h"
#include "core/country.h"
#include "mail/compose.h"
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
    if (!country_valid(req->address.country))
        return err_set(e, ERR_INVALID,
                       "shippingAddress.country must be an ISO 3166-1 alpha-2 code in capitals "
                       "(e.g. US, GB, DE), not \"%.40s\"",
                       req->address.country);
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
int orders_queue_email(struct store *st, struct email *m, err_t *e)
{
    ids_new("msg", m->id, sizeof m->id);
    ids_now(m->created_at);
    m->status = EMAIL_PENDING;
    m->next_attempt_at = unix_now();
    int rc = store_outbox_add(st, m, e);
    email_free(m);
    return rc;
}

/* After a shipment changed: saves the order's status and loads the settings the email of
 * the change is composed with. */
int orders_changed(struct store *st, struct order_rec *o, struct settings *s, err_t *e)
{
    o->status = order_status(o->shipments, o->nshipments);
    int rc = store_order_set_status(st, o->id, o->status, e);
    return rc ? rc : store_settings_get(st, s, e);
}

/* Loads the settings and each line's product (name, price, currency) and positions in
 * allocation order (those that serve channel), in one go (one round trip on PostgreSQL),
 * and draws an order number when number is not NULL; with lock, the positions stay locked
 * until the transaction ends, so the plan made from them still holds when it is written. */
static int load_lines(struct store *st, struct order_line *lines, size_t n,
                      struct position_list *lists, char currency[4], struct settings *s,
                      bool lock, int64_t channel, int64_t *number, err_t *e)
{
    size_t idx[ORDER_MAX_LINES];
    sku_order(lines, n, idx);
    const char *skus[ORDER_MAX_LINES];
    bool found[ORDER_MAX_LINES];
    struct position_list got[ORDER_MAX_LINES];
    memset(got, 0, n * sizeof *got);
    for (size_t k = 0; k < n; k++)
        skus[k] = lines[idx[k]].sku;
    struct product *products = calloc(n ? n : 1, sizeof *products);
    int rc = products ? store_lines_read(st, skus, n, lock, number, s, products, found, got, e)
                      : err_set(e, ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < n; k++)
        lists[idx[k]] = got[k]; /* the caller's to free, whatever happens */
    for (size_t k = 0; k < n && !rc; k++) {
        size_t i = idx[k];
        const struct product *p = &products[k];
        if (!found[k])
            rc = err_named(e, ERR_NOTFOUND, "SKU_NOT_FOUND", "SKU %s is not in the catalog",
                           lines[i].sku);
        else if (k > 0 && strcmp(currency, p->currency))
            rc = err_set(e, ERR_INVALID,
                         "all items must share one currency (%s is in %s, not %s)", p->sku,
                         p->currency, currency);
        /* A price from before prices were checked: refused here, where prices enter. */
        else if (p->price < 0 || p->price > PRODUCT_PRICE_MAX)
            rc = err_set(e, ERR_INVALID,
                         "the price of %s (%lld minor units) is above the highest price, "
                         "%lld: correct it in the catalog",
                         p->sku, (long long)p->price, (long long)PRODUCT_PRICE_MAX);
        if (rc)
            break;
        if (k == 0)
            memcpy(currency, p->currency, 4);
        memcpy(lines[i].name, p->name, sizeof lines[i].name);
        lines[i].unit_price = p->price;
        position_sort(lists[i].v, lists[i].n);
        lists[i].n = position_for_channel(lists[i].v, lists[i].n, channel);
    }
    free(products);
    return rc;
}

/* order_plan's failure as a sentence. */
static int plan_failed(int rc, const struct order_plan *plan, err_t *e)
{
    if (rc == ERR_INVALID)
        return err_set(e, ERR_INVALID,
                       "the amount of %s or the order total with it does not fit in 64 bits",
                       plan->overflow_sku);
    return err_set(e, ERR_NOMEM, "out of memory");
}

int orders_preview(struct store *st, struct order_line *lines, size_t n,
                   struct position_list *lists, struct order_plan *plan, err_t *e)
{
    char currency[4] = "USD";
    struct settings s;
    int rc = load_lines(st, lines, n, lists, currency, &s, false, 0, NULL, e);
    if (rc)
        return rc;
    struct order_stock stock[ORDER_MAX_LINES];
    for (size_t i = 0; i < n; i++)
        stock[i] = (struct order_stock){lists[i].v, lists[i].n};
    rc = order_plan(lines, n, stock, &s, date_today(), plan);
    return rc ? plan_failed(rc, plan, e) : 0;
}

/* Turns a plan into the order record with the given id: shipments with ids, items and
 * amounts. */
static int build_order(const struct place_req *req, const struct order_plan *plan,
                       const char currency[4], const char *id, struct order_rec *o, err_t *e)
{
    memset(o, 0, sizeof *o);
    snprintf(o->id, sizeof o->id, "%s", id);
    ids_token(o->access_token);
    ids_now(o->created_at);
    o->status = ORDER_PLACED;
    memcpy(o->email, req->email, sizeof o->email);
    memcpy(o->currency, currency, 4);
    o->address = req->address;
    o->channel_id = req->channel_id;
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
        sh->expected = sh->promised = ps->expected;
        /* A stock date already passed at placement was promised as such: the sweep does not
         * flag it late again. */
        sh->overdue = position_overdue(ps->stock_type, ps->stock_date, date_today());
        sh->amount = ps->amount;
        if (!(sh->items = calloc(plan->nallocs, sizeof *sh->items)))
            return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < plan->nallocs; i++) {
        const struct order_alloc *a = &plan->allocs[i];
        struct shipment_rec *sh = &o->shipments[a->shipment];
        /* One line per SKU: a channel's and the shared position of one place are one source. */
        size_t k = 0;
        while (k < sh->nitems && strcmp(sh->items[k].sku, a->pos.sku))
            k++;
        if (k == sh->nitems) /* items are zeroed (calloc) */
            memcpy(sh->items[sh->nitems++].sku, a->pos.sku, sizeof sh->items[k].sku);
        sh->items[k].quantity += a->quantity;
    }
    return 0;
}

/* The order of a replayed Idempotency-Key, when there is one: 0 with out->replay set. */
static int replay(struct store *st, const struct place_req *req, struct place_result *out,
                  err_t *e)
{
    char first[ORDER_ID_MAX];
    int rc = req->idem_key ? store_idem_find(st, req->idem_scope, req->idem_key, req->idem_fp,
                                             first, sizeof first, e)
                           : ERR_NOTFOUND;
    if (rc)
        return rc == ERR_NOTFOUND ? 0 : rc;
    out->replay = true;
    return store_order_get(st, first, &out->order, e);
}

/* Loads the lines' products and stock and plans them: the lines come from the cart when
 * there is one. With lock, positions stay locked until the transaction ends. number: see
 * load_lines. ERR_CONFLICT leaves the short lines in out. */
static int plan_lines(struct store *st, struct place_req *req, struct place_result *out,
                      bool lock, struct position_list *lists, struct order_plan *plan,
                      char currency[4], struct settings *s, int64_t *number, err_t *e)
{
    int rc;
    if (req->cart_id && !lock) {
        struct shipment_item *items;
        size_t n;
        if ((rc = store_cart_lines(st, req->cart_id, &items, &n, e)))
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
    struct order_stock stock[ORDER_MAX_LINES];
    if ((rc = load_lines(st, req->lines, req->nlines, lists, currency, s, lock,
                         req->channel_id, number, e)))
        return rc;
    for (size_t i = 0; i < req->nlines; i++)
        stock[i] = (struct order_stock){lists[i].v, lists[i].n};
    if ((rc = order_plan(req->lines, req->nlines, stock, s, date_today(), plan)))
        return plan_failed(rc, plan, e);
    if (plan->nshortages) {
        out->shortages = plan->shortages;
        out->nshortages = plan->nshortages;
        plan->shortages = NULL;
        return err_set(e, ERR_CONFLICT, "not enough inventory for %s", out->shortages[0].sku);
    }
    return 0;
}

/* Step 1, in a transaction: the total to authorize, from a plan made without locks (a short
 * line answers 409 before any card is touched), and the authorization's intent. */
static int prepare_tx(struct store *st, struct place_job *j, err_t *e)
{
    struct place_req *req = j->req;
    int rc = replay(st, req, j->out, e);
    if (rc || j->out->replay)
        return rc;
    struct settings s;
    struct position_list lists[ORDER_MAX_LINES] = {{0}};
    struct order_plan plan = {0};
    char currency[4] = "USD";
    rc = plan_lines(st, req, j->out, false, lists, &plan, currency, &s, NULL, e);
    if (!rc) {
        struct payment p = {.provider = "test"};
        ids_new("ord", j->order_id, sizeof j->order_id);
        rc = payments_intent(st, &j->auth, j->order_id, NULL, INTENT_AUTHORIZE, plan.total, &p,
                             currency, req->payment_token, e);
    }
    for (size_t i = 0; i < req->nlines; i++)
        position_list_free(&lists[i]);
    order_plan_free(&plan);
    return rc;
}

/* Step 2, in a transaction, once the card is authorized: allocate every line, create the
 * order with its shipments, payment and confirmation email. Under captureOn=order the
 * capture's intent is recorded too. ERR_CONFLICT leaves shortages in out. */
static int place_tx(struct store *st, struct place_job *j, err_t *e)
{
    struct place_req *req = j->req;
    struct place_result *out = j->out;
    int rc = replay(st, req, out, e);
    if (rc || out->replay)
        return rc;
    struct settings s;
    struct position_list lists[ORDER_MAX_LINES] = {{0}};
    struct order_plan plan = {0};
    char currency[4] = "USD";
    /* Numbered with the reads (no round trip of its own on PostgreSQL); a placement that
     * fails leaves a gap, as any rollback does. */
    int64_t number = 0;
    if ((rc = plan_lines(st, req, out, true, lists, &plan, currency, &s, &number, e)))
        goto out;
    if (plan.total != j->auth.amount) {
        rc = err_named(e, ERR_CONFLICT, "PRICE_CHANGED",
                       "prices changed while the order was placed: the total is now %lld, "
                       "place the order again",
                       (long long)plan.total);
        goto out;
    }
    /* The conditional update re-checks availability row by row, though the positions are
     * locked since they were read: sent ahead (no round trip of its own on PostgreSQL), a
     * shortfall fails the transaction at the latest at its commit, and nothing is placed. */
    for (size_t i = 0; i < plan.nallocs && !rc; i++)
        rc = store_position_allocate_sent(st, &plan.allocs[i].pos, plan.allocs[i].quantity,
                                          e);
    if (rc)
        goto out;
    struct order_rec *o = &out->order;
    if ((rc = build_order(req, &plan, currency, j->order_id, o, e)))
        goto out;
    struct payment *p = &o->payment;
    snprintf(p->provider, sizeof p->provider, "%s", j->auth.provider);
    snprintf(p->ref, sizeof p->ref, "%s", j->auth.ref);
    p->authorized = o->total;
    p->status = order_payment_status(p);
    o->number = number;
    if ((rc = store_order_insert(st, o, e)))
        goto out;
    for (size_t i = 0; i < plan.nallocs && !rc; i++)
        rc = store_alloc_add(st, o->shipments[plan.allocs[i].shipment].id,
                             &plan.allocs[i].pos, plan.allocs[i].quantity, e);
    if (!rc) /* fabric's backorder/preorder records (SPEC 9) */
        rc = backorders_record(st, o, &plan, e);
    if (!rc && s.capture_on == CAPTURE_ORDER && o->total > 0)
        rc = payments_intent(st, &j->next, o->id, NULL, INTENT_CAPTURE, o->total, p,
                             o->currency, NULL, e);
    if (!rc) {
        struct email m = {0};
        rc = compose_order_confirmation(o, &s, date_today(), &m);
        rc = rc ? err_set(e, ERR_NOMEM, "out of memory") : orders_queue_email(st, &m, e);
    }
    /* Another server placed the same key first: run again and replay its order. */
    if (!rc && req->idem_key &&
        (rc = store_idem_save(st, req->idem_scope, req->idem_key, req->idem_fp, o->id, e)) ==
            ERR_CONFLICT)
        rc = ERR_RETRY;
    if (!rc && req->cart_id)
        for (size_t i = 0; i < req->nlines && !rc; i++)
            rc = store_cart_set(st, req->cart_id, req->lines[i].sku, 0, e);
    if (!rc)
        rc = tx_test_retry("place", &j->attempt);
out:
    for (size_t i = 0; i < req->nlines; i++)
        position_list_free(&lists[i]);
    order_plan_free(&plan);
    return rc;
}

/* Each attempt starts from the caller's lines: a cart or a merge changes req's. */
static void place_reset(struct place_job *j)
{
    orders_result_free(j->out);
    memset(j->out, 0, sizeof *j->out);
    memset(&j->next, 0, sizeof j->next);
    memcpy(j->req->lines, j->lines, j->nlines * sizeof *j->lines);
    j->req->nlines = j->nlines;
}

static int prepare_attempt(struct store *st, void *arg, err_t *e)
{
    place_reset(arg);
    return prepare_tx(st, arg, e);
}

/* The intent that releases the authorization of an order that was not placed. */
static int add_void(struct store *st, struct place_job *j, err_t *e)
{
    struct payment p = {0};
    snprintf(p.provider, sizeof p.provider, "%s", j->auth.provider);
    snprintf(p.ref, sizeof p.ref, "%s", j->auth.ref);
    return payments_intent(st, &j->next, j->order_id, NULL, INTENT_VOID, j->auth.amount, &p,
                           j->auth.currency, NULL, e);
}

/* The authorization's outcome is recorded with the order it pays for, or with the void
 * when another request placed this Idempotency-Key first (its order is the answer). */
static int place_attempt(struct store *st, void *arg, err_t *e)
{
    struct place_job *j = arg;
    place_reset(j);
    j->lost = false;
    int rc = payments_settle(st, &j->auth, e);
    if (rc == ERR_CONFLICT)
        j->lost = true;
    if (!rc)
        rc = place_tx(st, j, e);
    if (!rc && j->out->replay)
        rc = add_void(st, j, e);
    return rc;
}

/* A placement that failed after the card was authorized: the hold is released. */
static int void_attempt(struct store *st, void *arg, err_t *e)
{
    struct place_job *j = arg;
    int rc = payments_settle(st, &j->auth, e);
    return rc ? rc : add_void(st, j, e);
}

static void place_finish(struct place_job *j, int rc, const err_t *e)
{
    j->done = true;
    j->rc = rc;
    if (rc && e)
        j->err = *e;
    if (rc)
        order_rec_free(&j->out->order);
}

int orders_place_init(struct place_job *j, struct place_req *req, struct place_result *out)
{
    memset(j, 0, sizeof *j);
    memset(out, 0, sizeof *out);
    j->req = req;
    j->out = out;
    j->nlines = req->nlines;
    j->lines = malloc(ORDER_MAX_LINES * sizeof *req->lines); /* a cart's lines may come */
    if (!j->lines)
        return ERR_NOMEM;
    memcpy(j->lines, req->lines, req->nlines * sizeof *req->lines);
    return 0;
}

void orders_place_free(struct place_job *j)
{
    free(j->lines);
    j->lines = NULL;
}

/* Adds a settled intent to the placed order's events and figures, as order_get would read
 * them back. */
static void add_event(struct order_rec *o, const struct pay_intent *in)
{
    struct pay_intent *v = realloc(o->events, (o->nevents + 1) * sizeof *v);
    if (!v)
        return; /* the answer lacks the event; the order has it */
    o->events = v;
    v[o->nevents++] = *in;
    if (in->kind == INTENT_CAPTURE && in->status == INTENT_SUCCEEDED) {
        o->payment.captured += in->amount;
        o->payment.status = order_payment_status(&o->payment);
    }
}

void orders_place_step(struct store *st, struct place_job *j)
{
    err_t e = {0};
    int rc = 0;
    switch (j->step) {
    case PLACE_PREPARE:
        if ((rc = orders_validate(j->req, &e)) || (rc = tx_run(st, prepare_attempt, j, &e)) ||
            j->out->replay)
            break;
        /* From now on every attempt places the lines planned, the cart's included. */
        j->nlines = j->req->nlines;
        memcpy(j->lines, j->req->lines, j->nlines * sizeof *j->lines);
        j->step = PLACE_AUTHORIZED;
        j->call_due = true;
        return;
    case PLACE_AUTHORIZED:
        if (j->auth.status == INTENT_FAILED) { /* declined: recorded, nothing else */
            if (!(rc = payments_settle_tx(st, &j->auth, &e)))
                rc = err_set(&e, j->auth.code, "%s", j->auth.error);
            break;
        }
        rc = tx_run(st, place_attempt, j, &e);
        if (j->lost) { /* recovery took the authorization meanwhile, and voids it */
            rc = err_set(&e, ERR_UNAVAILABLE, "the payment could not be completed, try again");
            break;
        }
        if (!rc && !j->out->replay) {
            add_event(&j->out->order, &j->auth);
            j->step = PLACE_CAPTURED;
            if ((j->call_due = j->next.id[0] != '\0'))
                return;
            break;
        }
        /* Placement failed, or another request placed this Idempotency-Key first: the
         * answer waits until the authorization is voided. */
        j->rc = rc;
        j->err = e;
        if (rc && (rc = tx_run(st, void_attempt, j, &e))) {
            if (rc == ERR_CONFLICT) { /* recovery resolved it meanwhile, and voids it */
                rc = j->rc;
                e = j->err;
            }
            break;
        }
        j->step = PLACE_VOIDED;
        j->call_due = true;
        return;
    case PLACE_CAPTURED:
        /* The order is placed: an outcome that cannot be recorded now stays PENDING, and
         * recovery records it later. */
        if (j->next.status != INTENT_PENDING && payments_settle_tx(st, &j->next, &e))
            j->next.status = INTENT_PENDING;
        add_event(&j->out->order, &j->next);
        break;
    case PLACE_VOIDED:
        if (j->next.status == INTENT_PENDING || !(rc = payments_settle_tx(st, &j->next, &e))) {
            rc = j->rc;
            e = j->err;
        }
        break;
    }
    place_finish(j, rc, &e);
}

void orders_place_call(struct store *st, struct place_job *j)
{
    j->call_due = false;
    err_t e = {0};
    struct pay_intent *in = j->step == PLACE_AUTHORIZED ? &j->auth : &j->next;
    int rc = payments_call(st, in, &e);
    /* An unknown outcome: the intent stays PENDING for recovery; the order (if placed) is
     * answered as it is. */
    if (rc && j->step == PLACE_AUTHORIZED)
        place_finish(j, rc, &e);
}

void orders_result_free(struct place_result *r)
{
    order_rec_free(&r->order);
    free(r->shortages);
    r->shortages = NULL;
    r->nshortages = 0;
}

/* --- after placement --- */

struct shipment_rec *orders_find_shipment(struct order_rec *o, const char *id)
{
    for (size_t i = 0; i < o->nshipments; i++)
        if (!strcmp(o->shipments[i].id, id))
            return &o->shipments[i];
    return NULL;
}

/* Gives back a shipment's units: released (cancel) or removed with the stock (ship). */
int orders_drop_allocations(struct store *st, const char *shipment_id, bool shipped,
                            err_t *e)
{
    struct alloc_row *rows;
    size_t n;
    int rc = store_alloc_list(st, shipment_id, NULL, &rows, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        if (shipped && rows[i].pos.stock_type != STOCK_ONHAND)
            rc = err_set(e, ERR_CONFLICT, "shipment %s still waits for stock", shipment_id);
        else if (rows[i].pos.stock_type == STOCK_UNSOURCED)
            continue; /* held on no position */
        else
            rc = store_position_adjust(st, &rows[i].pos, shipped ? -rows[i].quantity : 0,
                                       -rows[i].quantity, e);
    }
    free(rows);
    return rc ? rc : store_alloc_delete(st, shipment_id, e);
}

static int ship_tx(struct store *st, const char *shipment_id, const char *tracking,
                   struct order_rec *o, struct pay_intent *capture, int *attempt, err_t *e)
{
    char order_id[ORDER_ID_MAX];
    int rc = store_order_by_shipment(st, shipment_id, order_id, e);
    if (rc == ERR_NOTFOUND)
        return err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    /* Locked before it is read: two ships of one shipment cannot both see it READY. */
    if (rc || (rc = store_order_lock(st, order_id, e)) ||
        (rc = store_order_get(st, order_id, o, e)))
        return rc;
    struct shipment_rec *sh = orders_find_shipment(o, shipment_id);
    if (!sh)
        return err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    if (sh->status != SHIP_READY)
        return err_set(e, ERR_CONFLICT, "shipment %s is %s: only a READY shipment can ship",
                       shipment_id, order_shipment_status_name(sh->status));
    if ((rc = orders_drop_allocations(st, shipment_id, true, e)))
        return rc;
    sh->status = SHIP_SHIPPED;
    snprintf(sh->tracking_number, sizeof sh->tracking_number, "%s", tracking);
    ids_now(sh->shipped_at);
    if ((rc = store_shipment_update(st, sh, e)))
        return rc;
    /* Never more than what is still authorized: under captureOn=order it is all taken. */
    struct payment *p = &o->payment;
    int64_t left = p->authorized - p->captured - p->voided;
    int64_t charge = sh->amount < left ? sh->amount : left;
    /* The capture is an intent here; the provider is called once this has committed. */
    if (charge > 0 && (rc = payments_intent(st, capture, o->id, sh->id, INTENT_CAPTURE, charge,
                                            p, o->currency, NULL, e)))
        return rc;
    struct settings s;
    struct email m = {0};
    if ((rc = orders_changed(st, o, &s, e)))
        return rc;
    if (compose_shipment_shipped(o, sh, charge, &s, &m))
        return err_set(e, ERR_NOMEM, "out of memory");
    if ((rc = orders_queue_email(st, &m, e)))
        return rc;
    return tx_test_retry("ship", attempt);
}

struct ship_ctx {
    const char *shipment_id, *tracking;
    struct order_rec *order;
    struct pay_intent capture;
    int attempt;
};

static int ship_attempt(struct store *st, void *arg, err_t *e)
{
    struct ship_ctx *c = arg;
    order_rec_free(c->order);
    memset(c->order, 0, sizeof *c->order);
    memset(&c->capture, 0, sizeof c->capture);
    return ship_tx(st, c->shipment_id, c->tracking, c->order, &c->capture, &c->attempt, e);
}

/* After a use case committed its intents: calls the provider for each and records the
 * outcomes, then reloads the order. A call whose outcome is unknown leaves its intent
 * PENDING for recovery; the order is answered as it is. */
int orders_settle_intents(struct store *st, struct pay_intent *v, size_t n,
                          struct order_rec *order, err_t *e)
{
    for (size_t i = 0; i < n; i++) {
        err_t ce;
        if (!v[i].id[0] || payments_call(st, &v[i], &ce))
            continue;
        int rc = payments_settle_tx(st, &v[i], e);
        if (rc && rc != ERR_CONFLICT) /* ERR_CONFLICT: recovery recorded it first */
            return rc;
    }
    char id[ORDER_ID_MAX];
    memcpy(id, order->id, sizeof id);
    order_rec_free(order);
    return store_order_get(st, id, order, e);
}

/* --- authorizations that expire (SPEC 5.5) --- */

/* The order's authorization now: the latest that succeeded (its card, its business date). */
static const struct pay_intent *current_auth(const struct order_rec *o)
{
    const struct pay_intent *cur = NULL;
    for (size_t i = 0; i < o->nevents; i++)
        if ((o->events[i].kind == INTENT_AUTHORIZE || o->events[i].kind == INTENT_REAUTHORIZE) &&
            o->events[i].status == INTENT_SUCCEEDED)
            cur = &o->events[i];
    return cur;
}

struct reauth_ctx {
    const char *shipment_id;
    struct pay_intent intent; /* id "" when the authorization still holds */
};

/* Before a READY shipment is captured: when the authorization is older than
 * authorizationValidDays, the intent of a re-authorization of its amount. */
static int reauth_attempt(struct store *st, void *arg, err_t *e)
{
    struct reauth_ctx *c = arg;
    memset(&c->intent, 0, sizeof c->intent);
    char order_id[ORDER_ID_MAX];
    struct order_rec o;
    struct settings s;
    int rc = store_order_by_shipment(st, c->shipment_id, order_id, e);
    if (rc == ERR_NOTFOUND)
        return 0; /* ship_tx answers it */
    if (rc || (rc = store_order_lock(st, order_id, e)) ||
        (rc = store_settings_get(st, &s, e)) ||
        (rc = store_order_get(st, order_id, &o, e)))
        return rc;
    const struct shipment_rec *sh = orders_find_shipment(&o, c->shipment_id);
    const struct pay_intent *cur = current_auth(&o);
    const struct payment *p = &o.payment;
    int64_t left = p->authorized - p->captured - p->voided;
    int64_t charge = sh && sh->amount < left ? sh->amount : left;
    if (sh && sh->status == SHIP_READY && charge > 0 && cur && cur->day != DATE_NONE &&
        date_today() - cur->day >= s.authorization_valid_days)
        rc = payments_intent(st, &c->intent, o.id, sh->id, INTENT_REAUTHORIZE, charge, p,
                             o.currency, cur->token, e);
    order_rec_free(&o);
    return rc;
}

/* A declined re-authorization: recorded, the shipment waits for a new card and the shopper
 * is asked for one. */
static int reauth_settle_attempt(struct store *st, void *arg, err_t *e)
{
    struct reauth_ctx *c = arg;
    int rc = payments_settle(st, &c->intent, e);
    if (rc || c->intent.status == INTENT_SUCCEEDED)
        return rc;
    struct order_rec o;
    if ((rc = store_order_lock(st, c->intent.order_id, e)) ||
        (rc = store_order_get(st, c->intent.order_id, &o, e)))
        return rc;
    struct shipment_rec *sh = orders_find_shipment(&o, c->shipment_id);
    struct settings s;
    struct email m = {0};
    if (sh) {
        sh->payment_required = true;
        if (!(rc = store_shipment_update(st, sh, e)) &&
            !(rc = store_settings_get(st, &s, e)))
            rc = compose_payment_required(&o, sh, &s, &m) ? err_set(e, ERR_NOMEM, "out of memory")
                                                         : orders_queue_email(st, &m, e);
    }
    order_rec_free(&o);
    return rc;
}

/* Renews an expired authorization before a capture; ERR_PAYMENT when the card declines. */
static int reauthorize(struct store *st, const char *shipment_id, err_t *e)
{
    struct reauth_ctx c = {.shipment_id = shipment_id};
    int rc = tx_run(st, reauth_attempt, &c, e);
    if (rc || !c.intent.id[0])
        return rc;
    if ((rc = payments_call(st, &c.intent, e)) || (rc = tx_run(st, reauth_settle_attempt, &c, e)))
        return rc;
    if (c.intent.status == INTENT_FAILED)
        return err_set(e, ERR_PAYMENT,
                       "the card declined the renewed authorization: the shipment waits for a "
                       "new card, and the shopper was asked for one");
    return 0;
}

int orders_ship(struct store *st, const char *shipment_id, const char *tracking,
                struct order_rec *order, err_t *e)
{
    memset(order, 0, sizeof *order);
    struct ship_ctx c = {.shipment_id = shipment_id, .tracking = tracking, .order = order};
    int rc = reauthorize(st, shipment_id, e);
    if (!rc)
        rc = tx_run(st, ship_attempt, &c, e);
    if (!rc)
        rc = orders_settle_intents(st, &c.capture, 1, order, e);
    if (rc)
        order_rec_free(order);
    return rc;
}

/* --- a new card (SPEC 5.5) --- */

struct card_ctx {
    const char *order_id, *token;
    struct pay_intent intent;
};

/* The intent of an authorization of what is left to capture, on the new card. */
static int card_attempt(struct store *st, void *arg, err_t *e)
{
    struct card_ctx *c = arg;
    struct order_rec o;
    int rc = store_order_lock(st, c->order_id, e);
    if (!rc)
        rc = store_order_get(st, c->order_id, &o, e);
    if (rc == ERR_NOTFOUND)
        return err_set(e, ERR_NOTFOUND, "no order %s", c->order_id);
    if (rc)
        return rc;
    const struct payment *p = &o.payment;
    int64_t left = p->authorized - p->captured - p->voided;
    if (o.status == ORDER_CANCELLED || left <= 0)
        rc = err_set(e, ERR_CONFLICT, "order %s has nothing left to pay", c->order_id);
    else
        rc = payments_intent(st, &c->intent, o.id, NULL, INTENT_REAUTHORIZE, left, p,
                             o.currency, c->token, e);
    order_rec_free(&o);
    return rc;
}

int orders_new_card(struct store *st, const char *order_id, const char *token,
                    struct order_rec *order, err_t *e)
{
    memset(order, 0, sizeof *order);
    if (!token[0])
        return err_set(e, ERR_INVALID, "token is required: {\"token\": \"tok_visa\"}");
    struct card_ctx c = {.order_id = order_id, .token = token};
    int rc = tx_run(st, card_attempt, &c, e);
    if (!rc && !(rc = payments_call(st, &c.intent, e)))
        rc = payments_settle_tx(st, &c.intent, e);
    if (!rc && c.intent.status == INTENT_FAILED)
        rc = err_set(e, c.intent.code, "%s", c.intent.error);
    if (!rc)
        rc = store_order_get(st, order_id, order, e);
    return rc;
}

/* --- receipts --- */

struct receive_ctx {
    const struct position *key;
    const char *at;
    int64_t qty;
    const struct idem *idem;
    char (**released)[ORDER_ID_MAX];
    size_t *nreleased;
    int64_t *surplus;
};

/* A receipt's answer as its Idempotency-Key keeps it: "<surplus> <id> <id> ...". */
static int receipt_save(struct store *st, const struct receive_ctx *c, err_t *e)
{
    char *s = malloc(24 + *c->nreleased * ORDER_ID_MAX);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t len = (size_t)sprintf(s, "%" PRId64, *c->surplus);
    for (size_t i = 0; i < *c->nreleased; i++)
        len += (size_t)sprintf(s + len, " %s", (*c->released)[i]);
    int rc = store_idem_save(st, c->idem->scope, c->idem->key, c->idem->fp, s, e);
    free(s);
    return rc == ERR_CONFLICT ? ERR_RETRY : rc; /* a racing retry saved first: replay it */
}

static int receipt_replay(const char *saved, const struct receive_ctx *c, err_t *e)
{
    size_t n = 0;
    for (const char *p = saved; (p = strchr(p, ' ')); p++)
        n++;
    if (n && !(*c->released = calloc(n, sizeof **c->released)))
        return err_set(e, ERR_NOMEM, "out of memory");
    char *end;
    *c->surplus = strtoll(saved, &end, 10);
    for (size_t i = 0; i < n; i++) {
        const char *id = end + 1;
        end = strchr(id, ' ');
        size_t len = end ? (size_t)(end - id) : strlen(id);
        snprintf((*c->released)[i], ORDER_ID_MAX, "%.*s", (int)len, id);
    }
    *c->nreleased = n;
    return 0;
}

static int receive_attempt(struct store *st, void *arg, err_t *e)
{
    struct receive_ctx *c = arg;
    free(*c->released); /* a retried attempt starts again */
    *c->released = NULL;
    *c->nreleased = 0;
    if (c->idem->key) {
        char *saved = NULL;
        int rc = store_idem_find_text(st, c->idem->scope, c->idem->key, c->idem->fp, &saved, e);
        if (rc != ERR_NOTFOUND) {
            if (!rc)
                rc = receipt_replay(saved, c, e);
            free(saved);
            return rc;
        }
    }
    int rc = replan_receive(st, c->key, c->at, c->qty, c->released, c->nreleased, c->surplus, e);
    return rc || !c->idem->key ? rc : receipt_save(st, c, e);
}

int orders_receive(struct store *st, const struct position *key, const char *at, int64_t qty,
                   const struct idem *idem, char (**released)[ORDER_ID_MAX],
                   size_t *nreleased, int64_t *surplus, err_t *e)
{
    *released = NULL;
    *nreleased = 0;
    *surplus = 0;
    if (qty < 1 || qty > 2147483647)
        return err_set(e, ERR_INVALID, "quantity must be a whole number from 1 to 2147483647");
    if (at && *at) { /* the position's own location is checked by finding the position */
        struct location *locs;
        size_t n;
        int rc = store_location_list(st, &locs, &n, e);
        if (rc)
            return rc;
        bool known = false;
        for (size_t i = 0; i < n && !known; i++)
            known = !strcmp(locs[i].id, at);
        free(locs);
        if (!known)
            return err_named(e, ERR_INVALID, "VALIDATION_FAILED",
                             "receivedAt: location %s does not exist", at);
    } else {
        at = key->location_id;
    }
    struct receive_ctx c = {key, at, qty, idem, released, nreleased, surplus};
    return tx_run(st, receive_attempt, &c, e);
}

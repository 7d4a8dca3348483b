#include "app/replan.h"

#include "app/orders.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order.h"
#include "core/promise.h"
#include "core/replan.h"
#include "mail/compose.h"
#include "util/ids.h"

#define UNSOURCED_MESSAGE "Delayed: we will email you a new date"

/* One allocation row of the SKU being re-planned. */
struct claim {
    char shipment_id[ORDER_ID_MAX];
    int64_t order;
    size_t source; /* index into the positions, or REPLAN_UNSOURCED */
    date_t stock_date;
    int64_t quantity;
    int64_t channel; /* the order's (SPEC 9) */
    size_t first, npieces; /* its pieces in the result */
};

struct sku_plan {
    const char *sku;
    struct position_list pl;   /* in allocation order */
    struct position unsourced; /* the key the SKU's unsourced units are kept under */
    struct claim *claims;
    size_t nclaims, cap;
    struct replan_result res;
    const struct settings *s;
    date_t today;
    struct released *released; /* when set: shipments that became READY are added */
    /* The sweep (SPEC 5.8): claims on a position whose stock date has passed count as
     * changed, so their shipments are flagged overdue (once) and delayed. */
    bool sweep;
    struct replan_report *report; /* when set: shipments flagged overdue are added */
};

/* Shipments a receipt (and the re-plan after it) made READY, oldest order first. */
struct released {
    char (*ids)[ORDER_ID_MAX];
    size_t n, cap;
};

static int add_released(struct released *r, const char *id, err_t *e)
{
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->ids[i], id))
            return 0;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 8;
        char(*v)[ORDER_ID_MAX] = realloc(r->ids, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->ids = v;
        r->cap = cap;
    }
    snprintf(r->ids[r->n++], ORDER_ID_MAX, "%s", id);
    return 0;
}

static const struct position *key_of(const struct sku_plan *p, size_t source)
{
    return source == REPLAN_UNSOURCED ? &p->unsourced : &p->pl.v[source];
}

static int add_claims(struct sku_plan *p, size_t source, struct store *st, err_t *e)
{
    struct alloc_row *rows;
    size_t n;
    int rc = store_alloc_list(st, NULL, key_of(p, source), &rows, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        if (p->nclaims == p->cap) {
            size_t cap = p->cap ? p->cap * 2 : 16;
            struct claim *v = realloc(p->claims, cap * sizeof *v);
            if (!v) {
                rc = err_set(e, ERR_NOMEM, "out of memory");
                break;
            }
            p->claims = v;
            p->cap = cap;
        }
        struct claim *c = &p->claims[p->nclaims++];
        memset(c, 0, sizeof *c);
        memcpy(c->shipment_id, rows[i].shipment_id, sizeof c->shipment_id);
        c->order = rows[i].order_number;
        c->source = source;
        c->stock_date = rows[i].stock_date;
        c->quantity = rows[i].quantity;
        c->channel = rows[i].order_channel;
    }
    free(rows);
    return rc;
}

/* Whether a claim's units stay where they are and its shipment's stock date still holds. */
static bool claim_unchanged(const struct sku_plan *p, const struct claim *c)
{
    if (c->npieces != 1 || p->res.v[c->first].source != c->source)
        return false;
    return c->source == REPLAN_UNSOURCED || p->pl.v[c->source].stock_type != STOCK_INTRANSIT ||
           p->pl.v[c->source].stock_date == c->stock_date;
}

/* --- one order's shipments, changed in memory, then written --- */

struct ws {
    struct shipment_rec rec; /* rec.items is owned here once touched */
    struct range before;     /* the expected range before this re-plan */
    size_t cap;
    bool is_new, touched, dropped;
    size_t origin; /* for a new one: the shipment it split from */
};

struct move {
    size_t from, to;         /* shipments (ws index) */
    size_t from_src, to_src; /* sources */
    int64_t quantity;
};

struct order_work {
    struct order_rec o;
    struct ws *ws;
    size_t nws, capws;
    struct move *moves;
    size_t nmoves, capmoves;
};

static void work_free(struct order_work *w)
{
    for (size_t i = 0; i < w->nws; i++)
        if (w->ws[i].touched || w->ws[i].is_new)
            free(w->ws[i].rec.items);
    free(w->ws);
    free(w->moves);
    order_rec_free(&w->o);
}

static int own_items(struct ws *x, err_t *e)
{
    if (x->touched || x->is_new) {
        x->touched = true;
        return 0;
    }
    struct shipment_item *v = malloc((x->rec.nitems + 1) * sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (x->rec.nitems)
        memcpy(v, x->rec.items, x->rec.nitems * sizeof *v);
    x->rec.items = v;
    x->cap = x->rec.nitems + 1;
    x->touched = true;
    return 0;
}

static int items_add(struct ws *x, const char *sku, int64_t q, err_t *e)
{
    struct shipment_rec *r = &x->rec;
    for (size_t i = 0; i < r->nitems; i++) {
        if (strcmp(r->items[i].sku, sku))
            continue;
        r->items[i].quantity += q;
        if (r->items[i].quantity == 0) {
            memmove(&r->items[i], &r->items[i + 1], (r->nitems - i - 1) * sizeof *r->items);
            r->nitems--;
        }
        return 0;
    }
    if (r->nitems == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 2;
        struct shipment_item *v = realloc(r->items, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->items = v;
        x->cap = cap;
    }
    struct shipment_item *it = &r->items[r->nitems++];
    memset(it, 0, sizeof *it);
    snprintf(it->sku, sizeof it->sku, "%s", sku);
    it->quantity = q;
    return 0;
}

static bool same_source(const struct shipment_rec *sh, const struct position *src)
{
    if (sh->stock_type != src->stock_type)
        return false;
    if (src->stock_type == STOCK_UNSOURCED)
        return true;
    return !strcmp(sh->location_id, src->location_id) &&
           !strcmp(sh->transit_ref, src->transit_ref);
}

static void set_source(struct shipment_rec *sh, const struct position *src)
{
    sh->stock_type = src->stock_type;
    snprintf(sh->location_id, sizeof sh->location_id, "%s", src->location_id);
    snprintf(sh->transit_ref, sizeof sh->transit_ref, "%s", src->transit_ref);
}

/* Units of shipment `from` join shipment `to` (one shipment per source): it is held to the
 * earliest range the shopper accepted for its units, so units that were due earlier than the
 * shipment make it late (a delay) when it is; the joining units' delay becomes its own, their
 * expected range the delay's `previous` (SPEC 5.7 rule 5, 5.8). */
static void join(struct order_work *w, size_t to, size_t from, const struct delay_state *moving,
                 int64_t units)
{
    struct ws *t = &w->ws[to];
    const struct ws *f = &w->ws[from];
    struct delay_state st = t->rec.delay.st;
    if (delay_join(&st, t->rec.promised.to, moving, f->rec.promised.to, units)) {
        t->rec.delay = f->rec.delay;
        t->before = f->before;
    }
    t->rec.delay.st = st;
}

/* The order's open shipment on src, or a new one split from shipment `from`, for `units` of
 * its units whose delay state is *moving (with the bar_units that left with them). */
static int target(struct order_work *w, size_t from, const struct delay_state *moving,
                  int64_t units, const struct position *src, size_t *out, err_t *e)
{
    for (size_t i = 0; i < w->nws; i++) {
        const struct shipment_rec *sh = &w->ws[i].rec;
        if ((sh->status == SHIP_READY || sh->status == SHIP_AWAITING_STOCK) &&
            same_source(sh, src)) {
            join(w, i, from, moving, units);
            *out = i;
            return 0;
        }
    }
    if (w->nws == w->capws) {
        size_t cap = w->capws * 2 + 4;
        struct ws *v = realloc(w->ws, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        w->ws = v;
        w->capws = cap;
    }
    struct ws *x = &w->ws[w->nws];
    memset(x, 0, sizeof *x);
    ids_new("shp", x->rec.id, sizeof x->rec.id);
    memcpy(x->rec.order_id, w->o.id, sizeof x->rec.order_id);
    x->rec.promised = w->ws[from].rec.promised;
    x->rec.delay = w->ws[from].rec.delay; /* an open delay goes with the units (5.7 rule 5) */
    x->rec.delay.st = *moving;
    x->before = w->ws[from].before;
    x->rec.status = SHIP_AWAITING_STOCK;
    set_source(&x->rec, src);
    x->is_new = x->touched = true;
    x->origin = from;
    *out = w->nws++;
    return 0;
}

static int add_move(struct order_work *w, struct move m, err_t *e)
{
    if (w->nmoves == w->capmoves) {
        size_t cap = w->capmoves * 2 + 4;
        struct move *v = realloc(w->moves, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        w->moves = v;
        w->capmoves = cap;
    }
    w->moves[w->nmoves++] = m;
    return 0;
}

/* A shipment whose units all moved to one new source keeps its id: it changed source. */
static void keep_ids(struct order_work *w)
{
    for (size_t i = 0; i < w->nws; i++) {
        struct ws *s = &w->ws[i];
        if (s->is_new || !s->touched || s->rec.nitems)
            continue;
        size_t only = SIZE_MAX, count = 0;
        for (size_t j = 0; j < w->nws; j++)
            if (w->ws[j].is_new && !w->ws[j].dropped && w->ws[j].origin == i) {
                only = j;
                count++;
            }
        if (count != 1)
            continue;
        struct ws *t = &w->ws[only];
        free(s->rec.items);
        s->rec.items = t->rec.items;
        s->rec.nitems = t->rec.nitems;
        s->cap = t->cap;
        s->rec.stock_type = t->rec.stock_type;
        s->rec.delay = t->rec.delay; /* other units may have joined it */
        s->before = t->before;
        memcpy(s->rec.location_id, t->rec.location_id, sizeof s->rec.location_id);
        memcpy(s->rec.transit_ref, t->rec.transit_ref, sizeof s->rec.transit_ref);
        t->rec.items = NULL;
        t->dropped = true;
        for (size_t k = 0; k < w->nmoves; k++)
            if (w->moves[k].to == only)
                w->moves[k].to = i;
    }
}

static int64_t unit_price(const struct order_rec *o, const char *sku)
{
    for (size_t i = 0; i < o->nlines; i++)
        if (!strcmp(o->lines[i].sku, sku))
            return o->lines[i].unit_price;
    return 0;
}

/* Source fields, status, range and amount of a changed shipment (SPEC 5.7 rules 5, 6). */
static void finish_shipment(const struct sku_plan *p, const struct order_rec *o,
                            struct shipment_rec *sh)
{
    sh->amount = 0;
    for (size_t i = 0; i < sh->nitems; i++)
        sh->amount += sh->items[i].quantity * unit_price(o, sh->items[i].sku);
    sh->status = sh->stock_type == STOCK_ONHAND ? SHIP_READY : SHIP_AWAITING_STOCK;
    sh->stock_date = DATE_NONE;
    sh->overdue = false;
    if (sh->stock_type == STOCK_UNSOURCED) {
        sh->expected.from = sh->expected.to = DATE_NONE;
        snprintf(sh->expected.message, sizeof sh->expected.message, "%s", UNSOURCED_MESSAGE);
        return;
    }
    struct position src = {.stock_type = sh->stock_type, .stock_date = DATE_NONE};
    for (size_t i = 0; sh->stock_type == STOCK_INTRANSIT && i < p->pl.n; i++)
        if (same_source(sh, &p->pl.v[i]))
            src = p->pl.v[i];
    sh->stock_date = src.stock_date;
    sh->overdue = position_overdue(src.stock_type, src.stock_date, p->today);
    if (sh->overdue)
        src.stock_date = DATE_NONE; /* undated: a backorder range from today (SPEC 5.8) */
    promise_range(&src, p->s, p->today, &sh->expected);
}

int replan_report_add(struct replan_report *r, const char *shipment_id, const char *order_id,
                      int action, err_t *e)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        struct replan_event *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        r->v = v;
        r->cap = cap;
    }
    struct replan_event *ev = &r->v[r->n++];
    snprintf(ev->shipment_id, sizeof ev->shipment_id, "%s", shipment_id);
    snprintf(ev->order_id, sizeof ev->order_id, "%s", order_id);
    ev->action = action;
    return 0;
}

/* Whether a changed shipment is now delayed (SPEC 5.7 rule 6, 5.8), its delay updated or
 * withdrawn, and the shopper told. */
static int follow_delay(struct store *st, const struct sku_plan *p, const struct order_rec *o,
                        struct ws *x, err_t *e)
{
    struct shipment_rec *sh = &x->rec;
    struct shipment_delay *d = &sh->delay;
    delay_promised(&d->st, sh->promised.to);
    bool undated = sh->stock_type == STOCK_UNSOURCED || sh->overdue;
    struct delay_policy pol = {p->s->implied_consent_days, p->s->consent_window_days};
    int act = delay_decide(&d->st, undated ? DATE_NONE : sh->expected.to, p->today, &pol);
    if (act == DELAY_NOTHING || act == DELAY_WITHDRAW)
        return 0;
    if (act == DELAY_NEW) {
        d->detected = p->today;
        d->previous_from = x->before.from;
        d->previous_to = x->before.to;
    }
    d->expected_from = undated ? DATE_NONE : sh->expected.from;
    if (act == DELAY_UPDATE)
        return 0;
    d->notified = p->today;
    struct email m;
    if (compose_shipment_delayed(o, sh, p->s, &m))
        return err_set(e, ERR_NOMEM, "out of memory");
    return orders_queue_email(st, &m, e);
}

static int write_order(struct store *st, const struct sku_plan *p, struct order_work *w,
                       err_t *e)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < w->nws; i++) {
        struct ws *x = &w->ws[i];
        if (x->touched && !x->dropped && x->rec.nitems) {
            bool was_overdue = x->rec.overdue;
            finish_shipment(p, &w->o, &x->rec);
            if (p->report && x->rec.overdue && !was_overdue)
                rc = replan_report_add(p->report, x->rec.id, w->o.id, REPLAN_OVERDUE, e);
            if (!rc)
                rc = follow_delay(st, p, &w->o, x, e);
        }
        if (!rc && x->is_new && !x->dropped)
            if (!(rc = store_shipment_add(st, &x->rec, e)) &&
                (x->rec.delay.st.consent || x->rec.delay.st.accepted_to != x->rec.promised.to))
                rc = store_shipment_save(st, &x->rec, e); /* the delay or bar it carries */
    }
    /* A receipt releases the READY shipments its units moved into. */
    for (size_t k = 0; !rc && p->released && k < w->nmoves; k++)
        if (w->ws[w->moves[k].to].rec.status == SHIP_READY)
            rc = add_released(p->released, w->ws[w->moves[k].to].rec.id, e);
    for (size_t k = 0; !rc && k < w->nmoves; k++) {
        const struct move *m = &w->moves[k];
        const struct position *from = key_of(p, m->from_src), *to = key_of(p, m->to_src);
        rc = store_alloc_add(st, w->ws[m->from].rec.id, from, -m->quantity, e);
        if (!rc)
            rc = store_alloc_add(st, w->ws[m->to].rec.id, to, m->quantity, e);
        if (!rc && from->stock_type != STOCK_UNSOURCED)
            rc = store_position_adjust(st, from, 0, -m->quantity, e);
        if (!rc && to->stock_type != STOCK_UNSOURCED)
            rc = store_position_adjust(st, to, 0, m->quantity, e);
    }
    for (size_t i = 0; !rc && i < w->nws; i++) {
        struct ws *x = &w->ws[i];
        if (x->is_new || !x->touched)
            continue;
        rc = x->rec.nitems ? store_shipment_save(st, &x->rec, e)
                           : store_shipment_delete(st, x->rec.id, e);
    }
    return rc;
}

/* Applies the plan to one order: claims[0..n) are its claims with a change. */
static int replan_order(struct store *st, struct sku_plan *p, const size_t *claims, size_t n,
                        err_t *e)
{
    struct order_work w;
    memset(&w, 0, sizeof w);
    char order_id[ORDER_ID_MAX];
    int rc = store_order_by_shipment(st, p->claims[claims[0]].shipment_id, order_id, e);
    if (!rc)
        rc = store_order_lock(st, order_id, e);
    if (!rc)
        rc = store_order_get_light(st, order_id, &w.o, e); /* no money is moved here */
    if (!rc && !(w.ws = calloc(w.o.nshipments + 4, sizeof *w.ws)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    if (rc)
        goto out;
    w.capws = w.o.nshipments + 4;
    for (size_t i = 0; i < w.o.nshipments; i++) {
        w.ws[w.nws].before = w.o.shipments[i].expected;
        w.ws[w.nws++].rec = w.o.shipments[i];
    }

    for (size_t k = 0; !rc && k < n; k++) {
        const struct claim *c = &p->claims[claims[k]];
        size_t s = 0;
        while (s < w.nws && strcmp(w.ws[s].rec.id, c->shipment_id))
            s++;
        if (s == w.nws) {
            rc = err_set(e, ERR_STORE, "shipment %s is not in its order", c->shipment_id);
            break;
        }
        /* The sweep's overdue shipment that stays put was delayed for it already. */
        if (claim_unchanged(p, c) && w.ws[s].rec.overdue)
            continue;
        if ((rc = own_items(&w.ws[s], e)))
            break;
        for (size_t j = c->first; !rc && j < c->first + c->npieces; j++) {
            const struct replan_piece *pc = &p->res.v[j];
            if (pc->source == c->source)
                continue;
            size_t t = 0;
            struct delay_state moving = w.ws[s].rec.delay.st;
            moving.bar_units = delay_leave(&w.ws[s].rec.delay.st, w.ws[s].rec.promised.to,
                                           pc->quantity);
            if (!(rc = target(&w, s, &moving, pc->quantity, key_of(p, pc->source), &t, e)) &&
                !(rc = own_items(&w.ws[t], e)) &&
                !(rc = items_add(&w.ws[s], p->sku, -pc->quantity, e)) &&
                !(rc = items_add(&w.ws[t], p->sku, pc->quantity, e)))
                rc = add_move(&w, (struct move){s, t, c->source, pc->source, pc->quantity}, e);
        }
    }
    if (!rc) {
        keep_ids(&w);
        rc = write_order(st, p, &w, e);
    }
out:
    work_free(&w);
    return rc;
}

/* In the sweep: a claim on a transit position whose stock date has passed. */
static bool overdue_claim(const struct sku_plan *p, const struct claim *c)
{
    if (!p->sweep || c->source == REPLAN_UNSOURCED)
        return false;
    const struct position *src = &p->pl.v[c->source];
    return position_overdue(src->stock_type, src->stock_date, p->today);
}

static _Thread_local const struct claim *sort_claims; /* qsort takes no context argument */

static int by_order(const void *a, const void *b)
{
    const struct claim *x = &sort_claims[*(const size_t *)a];
    const struct claim *y = &sort_claims[*(const size_t *)b];
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return strcmp(x->shipment_id, y->shipment_id);
}

static void plan_free(struct sku_plan *p)
{
    free(p->claims);
    replan_result_free(&p->res);
    position_list_free(&p->pl);
}

/* Locks the SKU's positions and reads every allocation on them, unsourced ones included. */
static int plan_load(struct store *st, const char *sku, const struct settings *s, date_t today,
                     struct sku_plan *p, err_t *e)
{
    memset(p, 0, sizeof *p);
    p->sku = sku;
    p->s = s;
    p->today = today;
    snprintf(p->unsourced.sku, sizeof p->unsourced.sku, "%s", sku);
    p->unsourced.stock_type = STOCK_UNSOURCED;
    p->unsourced.order_date = p->unsourced.stock_date = DATE_NONE;
    int rc = store_positions_lock(st, sku, &p->pl, e);
    if (rc)
        return rc;
    position_sort(p->pl.v, p->pl.n);
    for (size_t i = 0; !rc && i < p->pl.n; i++)
        rc = add_claims(p, i, st, e);
    return rc ? rc : add_claims(p, REPLAN_UNSOURCED, st, e);
}

/* Writes p->res: every order with a claim that changed, oldest order first. */
static int plan_apply(struct store *st, struct sku_plan *p, err_t *e)
{
    for (size_t j = 0; j < p->res.n; j++) {
        struct claim *c = &p->claims[p->res.v[j].alloc];
        if (!c->npieces++)
            c->first = j;
    }
    size_t *changed = malloc((p->nclaims ? p->nclaims : 1) * sizeof *changed);
    if (!changed)
        return err_set(e, ERR_NOMEM, "out of memory");
    size_t nchanged = 0;
    for (size_t k = 0; k < p->nclaims; k++)
        if (!claim_unchanged(p, &p->claims[k]) || overdue_claim(p, &p->claims[k]))
            changed[nchanged++] = k;
    sort_claims = p->claims;
    qsort(changed, nchanged, sizeof *changed, by_order);
    int rc = 0;
    for (size_t a = 0, b; !rc && a < nchanged; a = b) {
        for (b = a + 1; b < nchanged && p->claims[changed[b]].order == p->claims[changed[a]].order;)
            b++;
        rc = replan_order(st, p, changed + a, b - a, e);
    }
    free(changed);
    return rc;
}

static int replan_one(struct store *st, const char *sku, const struct settings *s,
                      date_t today, struct released *released, struct replan_report *report,
                      err_t *e)
{
    struct sku_plan p;
    int rc = plan_load(st, sku, s, today, &p, e);
    p.released = released;
    p.report = report;
    p.sweep = report != NULL;
    if (!rc && p.nclaims) {
        struct replan_alloc *ra = malloc(p.nclaims * sizeof *ra);
        if (!ra)
            rc = err_set(e, ERR_NOMEM, "out of memory");
        for (size_t k = 0; !rc && k < p.nclaims; k++)
            ra[k] = (struct replan_alloc){p.claims[k].order, p.claims[k].source,
                                          p.claims[k].quantity, p.claims[k].channel};
        if (!rc && replan_sku(p.pl.v, p.pl.n, ra, p.nclaims, s, today, &p.res))
            rc = err_set(e, ERR_NOMEM, "out of memory");
        free(ra);
        if (!rc)
            rc = plan_apply(st, &p, e);
    }
    plan_free(&p);
    return rc;
}

static size_t find_position(const struct position_list *pl, const struct position *key)
{
    for (size_t i = 0; i < pl->n; i++)
        if (pl->v[i].stock_type == key->stock_type && pl->v[i].channel_id == key->channel_id &&
            !strcmp(pl->v[i].location_id, key->location_id) &&
            !strcmp(pl->v[i].transit_ref, key->transit_ref))
            return i;
    return SIZE_MAX;
}

int replan_receive(struct store *st, const struct position *key, const char *at, int64_t qty,
                   char (**released)[ORDER_ID_MAX], size_t *nreleased, int64_t *surplus,
                   err_t *e)
{
    *released = NULL;
    *nreleased = 0;
    *surplus = 0;
    struct settings s;
    struct sku_plan p;
    struct position_list pl = {0};
    struct released rel = {0};
    struct receipt_claim *rcl = NULL;
    int64_t *moved = NULL;
    date_t today = date_today();
    memset(&p, 0, sizeof p);
    int rc = store_settings_get(st, &s, e);
    /* Locked: concurrent receipts and placements see the allocations as they are. */
    if (rc || (rc = store_positions_lock(st, key->sku, &pl, e)))
        goto out;
    size_t t = find_position(&pl, key);
    if (t == SIZE_MAX) {
        char channel[40] = "";
        if (key->channel_id) /* part of the key: "PO1 of SKU1 at WH1" may be there without */
            snprintf(channel, sizeof channel, " in channel %lld", (long long)key->channel_id);
        rc = err_set(e, ERR_NOTFOUND, "no transit position %s of %s at %s%s", key->transit_ref,
                     key->sku, key->location_id, channel);
        goto out;
    }
    struct position tkey = pl.v[t], okey = {0};
    snprintf(okey.sku, sizeof okey.sku, "%s", key->sku);
    snprintf(okey.location_id, sizeof okey.location_id, "%s", at);
    okey.stock_type = STOCK_ONHAND;
    okey.channel_id = tkey.channel_id; /* received units stay in the position's channel */
    okey.order_date = okey.stock_date = DATE_NONE;
    /* Units beyond the position are stock all the same (SPEC 5.2). */
    int64_t from_position = qty < tkey.quantity ? qty : tkey.quantity;
    *surplus = qty - from_position;
    if ((rc = store_position_adjust(st, &tkey, -from_position, 0, e)) ||
        (rc = store_position_adjust(st, &okey, qty, 0, e)) ||
        (rc = plan_load(st, key->sku, &s, today, &p, e)))
        goto out;
    t = find_position(&p.pl, &tkey);
    size_t o = find_position(&p.pl, &okey);
    /* Strictly first come, first served: the oldest orders' units on the position move. */
    rcl = calloc(p.nclaims + 1, sizeof *rcl);
    moved = calloc(p.nclaims + 1, sizeof *moved);
    if (!rcl || !moved) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    size_t nt = 0;
    for (size_t k = 0; k < p.nclaims; k++)
        if (p.claims[k].source == t)
            rcl[nt++] = (struct receipt_claim){p.claims[k].order, p.claims[k].quantity};
    order_receipt(rcl, nt, from_position, moved);
    if (!(p.res.v = calloc(p.nclaims * 2 + 1, sizeof *p.res.v))) {
        rc = err_set(e, ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t k = 0, i = 0; k < p.nclaims; k++) {
        const struct claim *c = &p.claims[k];
        int64_t m = c->source == t ? moved[i++] : 0;
        if (m)
            p.res.v[p.res.n++] = (struct replan_piece){k, o, m};
        if (c->quantity > m)
            p.res.v[p.res.n++] = (struct replan_piece){k, c->source, c->quantity - m};
    }
    p.released = &rel;
    if (!(rc = plan_apply(st, &p, e)))
        rc = replan_one(st, key->sku, &s, today, &rel, NULL, e); /* the rest: to who waits */
out:
    free(rcl);
    free(moved);
    plan_free(&p);
    position_list_free(&pl);
    if (rc) {
        free(rel.ids);
        return rc;
    }
    *released = rel.ids;
    *nreleased = rel.n;
    return 0;
}

int replan_sku_now(struct store *st, const char *sku, err_t *e)
{
    struct settings s;
    int rc = store_settings_get(st, &s, e);
    return rc ? rc : replan_one(st, sku, &s, date_today(), NULL, NULL, e);
}

int replan_import(struct store *st, int64_t run, err_t *e)
{
    char(*skus)[ID_MAX + 1];
    size_t n;
    struct settings s;
    int rc = store_replan_skus(st, run, &skus, &n, e);
    if (!rc && n)
        rc = store_settings_get(st, &s, e);
    date_t today = date_today();
    for (size_t i = 0; !rc && i < n; i++)
        rc = replan_one(st, skus[i], &s, today, NULL, NULL, e);
    free(skus);
    return rc;
}

int replan_overdue(struct store *st, const struct settings *s, date_t today,
                   struct replan_report *report, err_t *e)
{
    char(*skus)[ID_MAX + 1];
    size_t n;
    int rc = store_overdue_skus(st, today, &skus, &n, e);
    for (size_t i = 0; !rc && i < n; i++)
        rc = replan_one(st, skus[i], s, today, NULL, report, e);
    free(skus);
    return rc;
}

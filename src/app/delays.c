#include "app/delays.h"

#include <stdlib.h>
#include <string.h>

#include "app/backorders.h"
#include "app/orders.h"
#include "app/orders_int.h"
#include "app/tx.h"

struct accept_ctx {
    const char *shipment_id, *token;
    struct order_rec *order;
};

static int accept_attempt(struct store *st, void *arg, err_t *e)
{
    struct accept_ctx *c = arg;
    order_rec_free(c->order);
    int rc = orders_lock_get(st, NULL, c->shipment_id, c->token, c->order, e);
    if (rc)
        return rc;
    struct shipment_rec *sh = orders_find_shipment(c->order, c->shipment_id);
    if (sh->status != SHIP_READY && sh->status != SHIP_AWAITING_STOCK)
        return err_set(e, ERR_CONFLICT, "shipment %s has shipped or was cancelled",
                       c->shipment_id);
    delay_promised(&sh->delay.st, sh->promised.to);
    if (delay_accept(&sh->delay.st))
        return err_set(e, ERR_CONFLICT, "shipment %s has no delay waiting for an answer",
                       c->shipment_id);
    if ((rc = store_shipment_save(st, sh, e)))
        return rc;
    return backorders_answered(st, sh, e); /* the answer's time, for fabric's records */
}

int delays_consent(struct store *st, const char *shipment_id, const char *token, bool accept,
                   struct order_rec *order, err_t *e)
{
    memset(order, 0, sizeof *order);
    if (!accept)
        return orders_cancel_delayed(st, shipment_id, token, CANCEL_DECLINED, order, e);
    struct accept_ctx c = {shipment_id, token, order};
    int rc = tx_run(st, accept_attempt, &c, e);
    if (rc)
        order_rec_free(order);
    return rc;
}

/* --- the sweep --- */

struct sweep_ctx {
    struct sweep_result *out;
    char (*cancel)[ORDER_ID_MAX]; /* required answers that did not come */
    size_t ncancel;
};

/* One due delay: IMPLIED now, or its shipment to cancel after the transaction. */
static int sweep_due(struct store *st, struct sweep_ctx *c, const char *shipment_id,
                     err_t *e)
{
    struct order_rec o;
    int rc = orders_lock_get(st, NULL, shipment_id, NULL, &o, e);
    if (!rc) {
        struct shipment_rec *sh = orders_find_shipment(&o, shipment_id);
        int act = delay_sweep(&sh->delay.st, c->out->day);
        if (act == SWEEP_IMPLIED && !(rc = store_shipment_save(st, sh, e)))
            rc = replan_report_add(&c->out->events, sh->id, o.id, REPLAN_IMPLIED, e);
        if (act == SWEEP_CANCEL)
            memcpy(c->cancel[c->ncancel++], shipment_id, ORDER_ID_MAX);
    }
    order_rec_free(&o);
    return rc;
}

static int sweep_attempt(struct store *st, void *arg, err_t *e)
{
    struct sweep_ctx *c = arg;
    c->out->events.n = 0;
    c->out->skipped = false;
    free(c->cancel);
    c->cancel = NULL;
    c->ncancel = 0;
    bool got = false;
    struct settings s;
    int rc = store_sweep_lock(st, &got, e);
    if (rc || !got) {
        c->out->skipped = !rc;
        return rc;
    }
    if ((rc = store_settings_get(st, &s, e)) ||
        (rc = replan_overdue(st, &s, c->out->day, &c->out->events, e)))
        return rc;
    char(*due)[ORDER_ID_MAX];
    size_t n;
    if ((rc = store_delays_due(st, c->out->day, &due, &n, e)))
        return rc;
    if (n && !(c->cancel = calloc(n, sizeof *c->cancel)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < n; i++)
        rc = sweep_due(st, c, due[i], e);
    free(due);
    return rc;
}

static int sweep_record(struct store *st, void *arg, err_t *e)
{
    return store_sweep_done(st, *(const date_t *)arg, e);
}

int delays_sweep(struct store *st, struct sweep_result *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    out->day = date_today();
    struct sweep_ctx c = {.out = out};
    int rc = tx_run(st, sweep_attempt, &c, e);
    int failed = 0;
    err_t first = {0};
    /* Each cancellation is a shipment cancel of its own: its void or refund goes to the
     * provider after its commit. One that no longer applies (answered meanwhile) is
     * skipped; one that fails leaves the sweep incomplete, to be run again. */
    for (size_t i = 0; !rc && i < c.ncancel; i++) {
        struct order_rec o;
        err_t ce = {0};
        int r = orders_cancel_delayed(st, c.cancel[i], NULL, CANCEL_SILENCE, &o, &ce);
        if (!r) {
            rc = replan_report_add(&out->events, c.cancel[i], o.id, REPLAN_CANCELLED, e);
            order_rec_free(&o);
        } else if (r != ERR_CONFLICT && !failed) {
            failed = r;
            first = ce;
        }
    }
    free(c.cancel);
    if (!rc && !failed && !out->skipped)
        rc = tx_run(st, sweep_record, &out->day, e);
    if (!rc && failed) {
        *e = first;
        rc = failed;
    }
    for (size_t i = 0; i < out->events.n; i++) {
        int a = out->events.v[i].action;
        out->overdue += a == REPLAN_OVERDUE;
        out->implied += a == REPLAN_IMPLIED;
        out->cancelled += a == REPLAN_CANCELLED;
    }
    if (rc)
        delays_sweep_free(out);
    return rc;
}

void delays_sweep_free(struct sweep_result *r)
{
    free(r->events.v);
    r->events.v = NULL;
    r->events.n = r->events.cap = 0;
}

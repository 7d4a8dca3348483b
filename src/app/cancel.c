/* Cancelling: a whole order, one shipment, or one delayed shipment (SPEC 5.5, 5.8). */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app/backorders.h"
#include "app/orders.h"
#include "app/orders_int.h"
#include "app/payments.h"
#include "app/replan.h"
#include "app/tx.h"
#include "mail/compose.h"

int orders_lock_get(struct store *st, const char *order_id, const char *shipment_id,
                    const char *token, struct order_rec *o, err_t *e)
{
    char oid[ORDER_ID_MAX];
    int rc = 0;
    memset(o, 0, sizeof *o);
    if (shipment_id && (rc = store_order_by_shipment(st, shipment_id, oid, e)) == 0)
        order_id = oid;
    if (!rc)
        rc = store_order_lock(st, order_id, e);
    if (!rc)
        rc = store_order_get(st, order_id, o, e);
    if (!rc && token &&
        (strlen(token) != strlen(o->access_token) ||
         sodium_memcmp(token, o->access_token, strlen(token)) != 0))
        rc = ERR_NOTFOUND; /* a wrong token looks like an unknown id */
    if (!rc && shipment_id && !orders_find_shipment(o, shipment_id))
        rc = err_set(e, ERR_STORE, "shipment %s is not in its order", shipment_id);
    if (rc == ERR_NOTFOUND)
        return shipment_id ? err_named(e, ERR_NOTFOUND, "SHIPMENT_NOT_FOUND",
                                       "no shipment %s", shipment_id)
                           : err_set(e, ERR_NOTFOUND, "no order %s", order_id);
    return rc;
}

/* Cancels one open shipment (shipment_id) or every open shipment of the order (NULL). A
 * shopper's token, when given, must be the order's (a key holder passes NULL). Payment:
 * what is no longer needed is refunded (charged ahead, captureOn=order) or, once nothing
 * is left to capture, the rest of the authorization is voided (SPEC 5.5). Freed units go to
 * the orders that wait (5.7 rule 4). */
static int cancel_tx(struct store *st, const char *order_id, const char *shipment_id,
                     const char *token, int why, struct order_rec *o,
                     struct pay_intent intents[2], err_t *e)
{
    int rc = orders_lock_get(st, order_id, shipment_id, token, o, e);
    if (rc)
        return rc;
    char oid[ORDER_ID_MAX]; /* o is read again below */
    memcpy(oid, o->id, sizeof oid);
    order_id = oid;
    if (!shipment_id && o->status == ORDER_CANCELLED)
        return err_set(e, ERR_CONFLICT, "order %s is already cancelled", order_id);
    int64_t cancelled = 0, shipped = 0, open_after = 0;
    const struct shipment_rec *only = NULL;
    for (size_t i = 0; i < o->nshipments; i++) {
        struct shipment_rec *sh = &o->shipments[i];
        if (sh->status == SHIP_SHIPPED)
            shipped += sh->amount;
        if (sh->status != SHIP_READY && sh->status != SHIP_AWAITING_STOCK)
            continue;
        if (shipment_id && strcmp(sh->id, shipment_id)) {
            open_after += sh->amount;
            continue;
        }
        struct delay_state *d = &sh->delay.st, probe = *d;
        if (why == CANCEL_DECLINED && d->consent == CONSENT_NONE)
            return err_set(e, ERR_CONFLICT, "shipment %s is not delayed", shipment_id);
        if (why == CANCEL_SILENCE && delay_sweep(&probe, date_today()) != SWEEP_CANCEL)
            return err_set(e, ERR_CONFLICT, "shipment %s is not waiting for an answer",
                           shipment_id);
        if ((rc = orders_drop_allocations(st, sh->id, false, e)))
            return rc;
        sh->status = SHIP_CANCELLED;
        cancelled += sh->amount;
        only = sh;
        /* Cancelling a delayed shipment answers its delay: no answer is awaited any more. */
        if (d->consent == CONSENT_PENDING || why != CANCEL_PLAIN)
            d->consent = CONSENT_DECLINED;
        if ((rc = d->consent == CONSENT_DECLINED ? store_shipment_save(st, sh, e)
                                                 : store_shipment_update(st, sh, e)))
            return rc;
        if (why == CANCEL_DECLINED && (rc = backorders_answered(st, sh, e)))
            return rc; /* the answer's time, for fabric's records (SPEC 9) */
    }
    if (cancelled == 0)
        return shipment_id ? err_set(e, ERR_CONFLICT,
                                     "shipment %s has shipped or was cancelled already",
                                     shipment_id)
                           : err_set(e, ERR_CONFLICT,
                                     "order %s has nothing left to cancel: its shipments "
                                     "have shipped or were cancelled",
                                     order_id);
    /* Keep what pays for what shipped and what is still open; give back what was charged
     * beyond it; release the hold once nothing is left to capture. */
    struct payment *p = &o->payment;
    int64_t kept = p->captured - p->refunded, still = shipped + open_after;
    int64_t refund = kept > still ? kept - still : 0;
    int64_t uncaptured = p->authorized - p->captured - p->voided;
    int64_t hold = still > kept ? still - kept : 0;
    int64_t release = hold == 0 && uncaptured > 0 ? uncaptured : 0;
    if (release > 0 && (rc = payments_intent(st, &intents[0], o->id, NULL, INTENT_VOID,
                                             release, p, o->currency, NULL, e)))
        return rc;
    if (refund > 0 && (rc = payments_intent(st, &intents[1], o->id, NULL, INTENT_REFUND,
                                            refund, p, o->currency, NULL, e)))
        return rc;
    /* The email tells what the void and refund will release and give back; the stored
     * figures change as each is settled. */
    p->voided += release;
    p->refunded += refund;
    struct payment pay = *p;
    char only_id[ORDER_ID_MAX] = "";
    if (only)
        memcpy(only_id, only->id, sizeof only_id);
    for (size_t i = 0; !rc && i < o->nshipments; i++) {
        const struct shipment_rec *sh = &o->shipments[i];
        if (sh->status != SHIP_CANCELLED || (shipment_id && sh != only))
            continue;
        for (size_t k = 0; !rc && k < sh->nitems; k++)
            rc = replan_sku_now(st, sh->items[k].sku, e);
    }
    /* Re-planning may have moved this order's other shipments too: read it again. */
    order_rec_free(o);
    memset(o, 0, sizeof *o);
    if (rc || (rc = store_order_get(st, order_id, o, e)))
        return rc;
    o->payment = pay;
    if (shipment_id)
        only = orders_find_shipment(o, only_id);
    struct settings s;
    struct email m = {0};
    if ((rc = orders_changed(st, o, &s, e)))
        return rc;
    if (shipment_id && !only)
        return err_set(e, ERR_STORE, "shipment %s vanished while it was cancelled", only_id);
    if (shipment_id ? compose_shipment_cancelled(o, only, refund, &s, &m)
                    : compose_order_cancelled(o, cancelled, &s, &m))
        return err_set(e, ERR_NOMEM, "out of memory");
    return orders_queue_email(st, &m, e);
}

struct cancel_ctx {
    const char *order_id, *shipment_id, *token;
    int why;
    struct order_rec *order;
    struct pay_intent intents[2]; /* the void and the refund, when there are */
};

static int cancel_attempt(struct store *st, void *arg, err_t *e)
{
    struct cancel_ctx *c = arg;
    order_rec_free(c->order);
    memset(c->order, 0, sizeof *c->order);
    memset(c->intents, 0, sizeof c->intents);
    return cancel_tx(st, c->order_id, c->shipment_id, c->token, c->why, c->order, c->intents,
                     e);
}

static int cancel_run(struct store *st, struct cancel_ctx *c, err_t *e)
{
    memset(c->order, 0, sizeof *c->order);
    int rc = tx_run(st, cancel_attempt, c, e);
    if (!rc)
        rc = orders_settle_intents(st, c->intents, 2, c->order, e);
    if (rc)
        order_rec_free(c->order);
    return rc;
}

int orders_cancel(struct store *st, const char *order_id, struct order_rec *order, err_t *e)
{
    struct cancel_ctx c = {.order_id = order_id, .order = order};
    return cancel_run(st, &c, e);
}

int orders_cancel_shipment(struct store *st, const char *shipment_id, const char *token,
                           struct order_rec *order, err_t *e)
{
    return orders_cancel_delayed(st, shipment_id, token, CANCEL_PLAIN, order, e);
}

int orders_cancel_delayed(struct store *st, const char *shipment_id, const char *token, int why,
                          struct order_rec *order, err_t *e)
{
    struct cancel_ctx c = {.shipment_id = shipment_id, .token = token, .why = why,
                           .order = order};
    return cancel_run(st, &c, e);
}


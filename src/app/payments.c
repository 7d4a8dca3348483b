#include "app/payments.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/tx.h"
#include "core/date.h"
#include "pay/pay.h"
#include "util/ids.h"

int payments_intent(struct store *st, struct pay_intent *in, const char *order_id,
                    const char *shipment_id, int kind, int64_t amount,
                    const struct payment *p, const char *currency, const char *token,
                    err_t *e)
{
    memset(in, 0, sizeof *in);
    ids_new("pi", in->id, sizeof in->id);
    snprintf(in->order_id, sizeof in->order_id, "%s", order_id);
    snprintf(in->shipment_id, sizeof in->shipment_id, "%s", shipment_id ? shipment_id : "");
    in->kind = kind;
    in->status = INTENT_PENDING;
    in->amount = amount;
    snprintf(in->currency, sizeof in->currency, "%s", currency);
    snprintf(in->provider, sizeof in->provider, "%s", p->provider);
    snprintf(in->ref, sizeof in->ref, "%s", p->ref);
    snprintf(in->token, sizeof in->token, "%s", token ? token : "");
    in->created = (int64_t)time(NULL);
    in->day = date_today();
    ids_now(in->at);
    return store_intent_add(st, in, e);
}

int payments_call(struct store *st, struct pay_intent *in, err_t *e)
{
    const struct pay_provider *pay = pay_provider(in->provider);
    if (!pay)
        return err_set(e, ERR_STORE, "unknown payment provider %s", in->provider);
    struct pay_call c = {.kind = in->kind, .key = in->id, .token = in->token, .ref = in->ref,
                         .currency = in->currency, .amount = in->amount};
    char ref[PAY_REF_MAX] = "";
    err_t pe = {0};
    int rc = pay->call(st, &c, ref, &pe);
    if (rc && rc != ERR_PAYMENT && rc != ERR_INVALID) {
        *e = pe;
        return rc; /* unknown outcome: stays PENDING */
    }
    in->status = rc ? INTENT_FAILED : INTENT_SUCCEEDED;
    ids_now(in->at); /* when the outcome was learnt */
    in->code = rc;
    snprintf(in->error, sizeof in->error, "%.255s", rc ? pe.msg : "");
    if (!rc && (in->kind == INTENT_AUTHORIZE || in->kind == INTENT_REAUTHORIZE))
        snprintf(in->ref, sizeof in->ref, "%s", ref);
    return 0;
}

int payments_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    int rc = store_intent_settle(st, in, e);
    if (rc || in->status != INTENT_SUCCEEDED || in->kind == INTENT_AUTHORIZE)
        return rc;
    struct order_rec o;
    if ((rc = store_order_lock(st, in->order_id, e)) ||
        (rc = store_order_get(st, in->order_id, &o, e)))
        return rc == ERR_NOTFOUND ? 0 : rc; /* the void of a placement that failed */
    struct payment *p = &o.payment;
    if (in->kind == INTENT_CAPTURE) {
        p->captured += in->amount;
        rc = store_capture_add(st, o.id, in->shipment_id[0] ? in->shipment_id : NULL,
                               in->amount, e);
    } else if (in->kind == INTENT_VOID) {
        p->voided += in->amount;
    } else if (in->kind == INTENT_REFUND) {
        p->refunded += in->amount;
    } else if (in->kind == INTENT_REAUTHORIZE) {
        /* A renewed hold on what was authorized: the figures stay, the reference changes,
         * and the shipments that waited for a card may ship. */
        snprintf(p->ref, sizeof p->ref, "%s", in->ref);
        for (size_t i = 0; !rc && i < o.nshipments; i++)
            if (o.shipments[i].payment_required) {
                o.shipments[i].payment_required = false;
                rc = store_shipment_update(st, &o.shipments[i], e);
            }
    }
    if (!rc)
        rc = store_payment_update(st, o.id, p, e);
    order_rec_free(&o);
    return rc;
}

static int settle_attempt(struct store *st, void *arg, err_t *e)
{
    const struct pay_intent *const *in = arg;
    return payments_settle(st, *in, e);
}

int payments_settle_tx(struct store *st, const struct pay_intent *in, err_t *e)
{
    return tx_run(st, settle_attempt, &in, e);
}

/* An authorization found succeeded by recovery: settled, and voided at once when its order
 * was never placed (the shopper got no order; the hold must not stay). */
struct recover_ctx {
    const struct pay_intent *in;
    struct pay_intent void_in;
    bool voiding;
};

static int recover_attempt(struct store *st, void *arg, err_t *e)
{
    struct recover_ctx *c = arg;
    c->voiding = false;
    int rc = payments_settle(st, c->in, e);
    if (rc || c->in->kind != INTENT_AUTHORIZE || c->in->status != INTENT_SUCCEEDED)
        return rc;
    struct order_rec o;
    rc = store_order_get(st, c->in->order_id, &o, e);
    order_rec_free(&o);
    if (rc != ERR_NOTFOUND)
        return rc;
    struct payment p = {0};
    snprintf(p.provider, sizeof p.provider, "%s", c->in->provider);
    snprintf(p.ref, sizeof p.ref, "%s", c->in->ref);
    c->voiding = true;
    return payments_intent(st, &c->void_in, c->in->order_id, NULL, INTENT_VOID,
                           c->in->amount, &p, c->in->currency, NULL, e);
}

int payments_recover(struct store *st, int64_t min_age, size_t *resolved, err_t *e)
{
    *resolved = 0;
    struct pay_intent *v;
    size_t n;
    int rc = store_intent_pending(st, (int64_t)time(NULL) - min_age, &v, &n, e);
    for (size_t i = 0; !rc && i < n; i++) {
        struct recover_ctx c = {.in = &v[i]};
        if ((rc = payments_call(st, &v[i], e)))
            break;
        rc = tx_run(st, recover_attempt, &c, e);
        if (rc == ERR_CONFLICT) { /* resolved meanwhile by the request that made it */
            rc = 0;
            continue;
        }
        if (rc)
            break;
        (*resolved)++;
        if (c.voiding && !(rc = payments_call(st, &c.void_in, e)) &&
            !(rc = payments_settle_tx(st, &c.void_in, e)))
            (*resolved)++;
    }
    free(v);
    return rc;
}

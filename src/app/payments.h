/* Money moves exactly once. Every provider call is an intent: recorded PENDING in a
 * transaction that commits before the call (payments_intent), sent outside any transaction
 * with the intent's id as its idempotency key (payments_call), its outcome recorded after
 * (payments_settle). A transaction that is run again after ERR_RETRY only records intents
 * again, it calls nobody; a process that dies between the call and the outcome leaves the
 * intent PENDING, and payments_recover asks the provider again with the same key. */
#ifndef SELLAHEAD_PAYMENTS_H
#define SELLAHEAD_PAYMENTS_H

#include "store/store.h"

/* Inside the caller's transaction: records a PENDING intent of kind for amount about the
 * order (and shipment_id when not NULL), against the order's payment p (provider, ref);
 * token is the card of an authorization (else NULL). */
int payments_intent(struct store *st, struct pay_intent *in, const char *order_id,
                    const char *shipment_id, int kind, int64_t amount,
                    const struct payment *p, const char *currency, const char *token,
                    err_t *e);

/* Outside any transaction: sends the intent to its provider. 0 with in->status SUCCEEDED
 * (in->ref set by an authorization) or FAILED (in->error says why, in->code is the
 * provider's ERR_ code); an error when the outcome is unknown (the intent stays PENDING
 * for payments_recover). */
int payments_call(struct store *st, struct pay_intent *in, err_t *e);

/* Inside the caller's transaction: records the outcome and, for a succeeded capture, void
 * or refund, adds it to the order's payment figures; a succeeded re-authorization becomes
 * the order's authorization (figures unchanged) and clears its shipments' paymentRequired. ERR_CONFLICT when the intent was
 * already resolved elsewhere (recovery). An authorization changes no figures: the
 * placement that asked for it writes them with the order. */
int payments_settle(struct store *st, const struct pay_intent *in, err_t *e);

/* Runs settle in a transaction of its own. */
int payments_settle_tx(struct store *st, const struct pay_intent *in, err_t *e);

/* Resolves PENDING intents created min_age seconds ago or earlier: asks the provider again
 * with the same key and records the answer; an authorization whose order was never placed
 * is voided. *resolved counts what it settled. */
int payments_recover(struct store *st, int64_t min_age, size_t *resolved, err_t *e);

#endif

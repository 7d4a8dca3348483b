/* Delays: the shopper's answer and the promise sweep (SPEC 5.8). Re-planning decides who is
 * delayed (app/replan.c); this is what follows: consent, and the daily clean-up of overdue
 * positions, silence and unanswered required consent. */
#ifndef SELLAHEAD_DELAYS_H
#define SELLAHEAD_DELAYS_H

#include <stdbool.h>

#include "app/replan.h"
#include "core/order.h"
#include "store/store.h"

/* ACCEPT (accept true) while the delay is PENDING, else ERR_CONFLICT; DECLINE cancels the
 * shipment while it is open and delayed (a shipment cancel, SPEC 5.5). token: the order's
 * access token from a shopper, NULL for a key holder; a wrong one answers like an unknown
 * shipment. *order is the order after it. */
int delays_consent(struct store *st, const char *shipment_id, const char *token, bool accept,
                   struct order_rec *order, err_t *e);

struct sweep_result {
    date_t day;
    bool skipped; /* another server is sweeping (PostgreSQL) */
    size_t overdue, implied, cancelled;
    struct replan_report events; /* owned: each shipment and what happened to it */
};

/* The promise sweep on today's business date: flags overdue shipments (re-planned and
 * delayed once), sets IMPLIED where silence counts, cancels shipments whose required answer
 * did not come by respondBy. A second run on the same date changes nothing. */
int delays_sweep(struct store *st, struct sweep_result *out, err_t *e);
void delays_sweep_free(struct sweep_result *r);

#endif

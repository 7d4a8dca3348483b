/* Promises follow supply (SPEC 5.7): after a supply change, the open allocations of the SKUs
 * it touched are re-planned in the same transaction, so no position is left oversold and
 * freed units go to the orders that wait. The rules are core/replan's; this applies them to
 * the store: allocations, positions' allocatedQuantity, shipments split, merged or moved. */
#ifndef SELLAHEAD_APP_REPLAN_H
#define SELLAHEAD_APP_REPLAN_H

#include "store/store.h"

/* What the sweep did to one shipment. */
enum replan_action { REPLAN_OVERDUE, REPLAN_IMPLIED, REPLAN_CANCELLED };

struct replan_event {
    char shipment_id[ORDER_ID_MAX];
    char order_id[ORDER_ID_MAX];
    int action;
};

struct replan_report {
    struct replan_event *v; /* owned */
    size_t n, cap;
};

int replan_report_add(struct replan_report *r, const char *shipment_id, const char *order_id,
                      int action, err_t *e);

/* Re-plans every SKU whose positions import run changed a value of. Inside the caller's
 * write transaction. */
int replan_import(struct store *st, int64_t run, err_t *e);
/* A receipt (SPEC 5.2): qty units of the transit position key arrived at location `at`
 * (usually key's). The oldest orders' units on it move to that onhand position, splitting a
 * shipment that is covered in part; units beyond the position's quantity are surplus onhand
 * stock; then the SKU is re-planned, so freed units serve who waits. released: the
 * shipments that became READY (caller frees). */
int replan_receive(struct store *st, const struct position *key, const char *at, int64_t qty,
                   char (**released)[ORDER_ID_MAX], size_t *nreleased, int64_t *surplus,
                   err_t *e);
/* Re-plans one SKU (its positions are locked until the transaction ends). */
int replan_sku_now(struct store *st, const char *sku, err_t *e);
/* The sweep's first step (SPEC 5.8): the shipments on transit positions whose stock date
 * has passed and that are not flagged yet become overdue (undated: delayed once for it) and
 * their SKUs are re-planned. Inside the caller's write transaction; each flagged shipment
 * is added to report. */
int replan_overdue(struct store *st, const struct settings *s, date_t today,
                   struct replan_report *report, err_t *e);

#endif

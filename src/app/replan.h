/* Promises follow supply (SPEC 5.7): after a supply change, the open allocations of the SKUs
 * it touched are re-planned in the same transaction, so no position is left oversold and
 * freed units go to the orders that wait. The rules are core/replan's; this applies them to
 * the store: allocations, positions' allocatedQuantity, shipments split, merged or moved. */
#ifndef SELLAHEAD_APP_REPLAN_H
#define SELLAHEAD_APP_REPLAN_H

#include "store/store.h"

/* Re-plans every SKU whose positions import run changed a value of. Inside the caller's
 * write transaction. */
int replan_import(struct store *st, int64_t run, err_t *e);
/* Re-plans one SKU (its positions are locked until the transaction ends). */
int replan_sku_now(struct store *st, const char *sku, err_t *e);

#endif

/* Limits per (sku, location) (SPEC 9): set through PUT /v1/inventory/limits. A change is a
 * supply change (SPEC 5.7): the SKU is re-planned in the same transaction. */
#ifndef SELLAHEAD_APP_LIMITS_H
#define SELLAHEAD_APP_LIMITS_H

#include "store/store.h"

#define LIMITS_ROWS_MAX 500
#define LIMITS_VALUE_MAX 2147483647

/* One row of a request: the fields it names (set_) and their values (lim; a has_ flag
 * that is false clears the limit). Fields it does not name stay as they are. */
struct limits_row {
    char sku[ID_MAX + 1];
    char location_id[ID_MAX + 1];
    bool set_safety_stock, set_preorder_limit, set_backorder_limit, set_low_stock;
    struct limits lim;
};

/* Applies every row or none (rows may be reordered); each row's lim is then the stored
 * limits. ERR_INVALID (VALIDATION_FAILED) for an unknown location. */
int limits_apply(struct store *st, struct limits_row *rows, size_t n, err_t *e);

/* limits_apply's work inside the caller's write transaction (the inventory import's), on
 * rows sorted by (sku, location) whose locations exist: each row merged into the stored
 * limits (lim is then the stored limits), then each SKU re-planned. */
int limits_write(struct store *st, struct limits_row *rows, size_t n, err_t *e);

#endif

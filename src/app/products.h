/* Catalog rules that need the store: fabric's itemId (SPEC 9) names one product at most. */
#ifndef SELLAHEAD_APP_PRODUCTS_H
#define SELLAHEAD_APP_PRODUCTS_H

#include "core/catalog.h"
#include "core/err.h"
#include "store/store.h"

/* Inside the write transaction that saves p: ERR_CONFLICT when p's itemId already belongs
 * to another SKU (the message names it), else 0. A product without itemId passes. */
int products_item_id_free(struct store *st, const struct product *p, err_t *e);

/* The SKU a fabric itemId names: 0 and sku filled, ERR_NOTFOUND (message for a user) when
 * no product has it. */
int products_sku_of(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e);

#endif

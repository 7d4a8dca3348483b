/* Products (SPEC 5.3): saved from the API, read by the storefront; fabric's itemId
 * (SPEC 9) names one product at most. */
#ifndef SELLAHEAD_APP_PRODUCTS_H
#define SELLAHEAD_APP_PRODUCTS_H

#include "core/catalog.h"
#include "core/err.h"
#include "store/store.h"

/* Saves n valid products in one transaction: all or none (ERR_CONFLICT for an itemId
 * another SKU has). */
int products_save(struct store *st, const struct product *v, size_t n, err_t *e);
/* Up to limit products after sku `after`, by sku; only those whose sku or name contains q
 * when q is not NULL or empty. Caller frees *out. */
int products_page(struct store *st, const char *after, size_t limit, const char *q,
                  struct product **out, size_t *n, err_t *e);
/* ERR_NOTFOUND when no product has the SKU. */
int products_get(struct store *st, const char *sku, struct product *out, err_t *e);
/* Loads a catalog (sellahead demo): the location (kept when it exists) and the products,
 * in one transaction. A database that holds orders or inventory is left alone
 * (ERR_CONFLICT) unless force. */
int products_demo(struct store *st, const struct location *loc, const struct product *v,
                  size_t n, bool force, err_t *e);

/* Inside the write transaction that saves p: ERR_CONFLICT when p's itemId already belongs
 * to another SKU (the message names it), else 0. A product without itemId passes. */
int products_item_id_free(struct store *st, const struct product *p, err_t *e);

/* The SKU a fabric itemId names: 0 and sku filled, ERR_NOTFOUND (message for a user) when
 * no product has it. */
int products_sku_of(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e);

#endif

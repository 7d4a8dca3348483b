/* Products (SPEC 5.3): saved from the API, read by the storefront. */
#ifndef SELLAHEAD_APP_PRODUCTS_H
#define SELLAHEAD_APP_PRODUCTS_H

#include "store/store.h"

/* Saves n valid products in one transaction: all or none. */
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

#endif

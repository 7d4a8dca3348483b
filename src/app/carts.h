/* Carts: server-side lists of SKUs and quantities. A cart holds no stock; it is checked
 * against availability whenever it changes and shown with the promise for each line. */
#ifndef SELLAHEAD_CARTS_H
#define SELLAHEAD_CARTS_H

#include "core/order.h"
#include "store/store.h"

/* A line that would ask for more than is available. */
struct cart_refusal {
    char sku[ID_MAX + 1];
    int64_t requested, available_total;
};

int carts_create(struct store *st, char id[ORDER_ID_MAX], err_t *e);
/* Sets (add == false) or increases (add == true) a line; qty 0 with set removes it.
 * ERR_CONFLICT with *refusal filled when the result exceeds availableTotal; the cart is
 * then unchanged. */
int carts_put(struct store *st, const char *id, const char *sku, int64_t qty, bool add,
              struct cart_refusal *refusal, err_t *e);
/* The cart's lines; ERR_NOTFOUND for an unknown cart. Caller frees *out. */
int carts_lines(struct store *st, const char *id, struct shipment_item **out, size_t *n,
                err_t *e);

#endif

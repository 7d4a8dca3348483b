#include "app/carts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/tx.h"
#include "util/ids.h"

int carts_create(struct store *st, char id[ORDER_ID_MAX], err_t *e)
{
    ids_new("cart", id, ORDER_ID_MAX);
    return store_cart_create(st, id, e);
}

/* Whether the cart with sku at quantity want still has a total that fits in 64 bits and
 * only prices that can be charged: a cart that cannot become an order is refused now. */
static int total_fits(struct store *st, const struct shipment_item *items, size_t n,
                      const char *sku, int64_t want, err_t *e)
{
    int64_t total = 0;
    for (size_t i = 0; i <= n; i++) {
        const char *s = i < n ? items[i].sku : sku;
        int64_t qty = i < n ? items[i].quantity : want, amount;
        if (i < n && !strcmp(s, sku))
            continue;
        struct product p;
        int rc = store_product_get(st, s, &p, e);
        if (rc == ERR_NOTFOUND)
            continue; /* the caller reports sku; orders report a line gone since */
        if (rc)
            return rc;
        if (p.price < 0 || p.price > PRODUCT_PRICE_MAX)
            return err_set(e, ERR_INVALID,
                           "the price of %s (%lld minor units) is above the highest price, "
                           "%lld: correct it in the catalog",
                           s, (long long)p.price, (long long)PRODUCT_PRICE_MAX);
        if (__builtin_mul_overflow(qty, p.price, &amount) ||
            __builtin_add_overflow(total, amount, &total))
            return err_set(e, ERR_INVALID,
                           "the amount of %s or the cart total with it does not fit in 64 bits",
                           s);
    }
    return 0;
}

static int put_tx(struct store *st, const char *id, const char *sku, int64_t qty, bool add,
                  struct cart_refusal *refusal, err_t *e)
{
    struct shipment_item *items;
    size_t n;
    int rc = store_cart_lines(st, id, &items, &n, e);
    if (rc)
        return rc == ERR_NOTFOUND
                   ? err_named(e, ERR_NOTFOUND, "CART_NOT_FOUND", "no cart %s", id)
                   : rc;
    int64_t have = 0;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(items[i].sku, sku))
            have = items[i].quantity;
    int64_t want = add ? have + qty : qty;
    if (want == 0) {
        free(items);
        return store_cart_set(st, id, sku, 0, e);
    }
    if (!have && n >= ORDER_MAX_LINES)
        rc = err_set(e, ERR_INVALID, "a cart holds at most %d different items",
                     ORDER_MAX_LINES);
    else if (want > ORDER_QTY_MAX)
        rc = err_set(e, ERR_INVALID, "quantity must be from 1 to %d", ORDER_QTY_MAX);
    else
        rc = total_fits(st, items, n, sku, want, e);
    free(items);
    if (rc)
        return rc;
    struct product p;
    if ((rc = store_product_get(st, sku, &p, e)))
        return rc == ERR_NOTFOUND ? err_named(e, ERR_NOTFOUND, "SKU_NOT_FOUND",
                                              "SKU %s is not in the catalog", sku)
                                  : rc;
    struct position_list pl = {0};
    if ((rc = store_positions_by_sku(st, sku, &pl, e)))
        return rc;
    int64_t avail = position_available_total(pl.v, pl.n);
    position_list_free(&pl);
    if (want > avail) {
        snprintf(refusal->sku, sizeof refusal->sku, "%s", sku);
        refusal->requested = want;
        refusal->available_total = avail;
        return err_set(e, ERR_CONFLICT, "only %lld of %s can be ordered", (long long)avail,
                       sku);
    }
    return store_cart_set(st, id, sku, want, e);
}

struct put_ctx {
    const char *id, *sku;
    int64_t qty;
    bool add;
    struct cart_refusal *refusal;
};

static int put_attempt(struct store *st, void *arg, err_t *e)
{
    struct put_ctx *c = arg;
    return put_tx(st, c->id, c->sku, c->qty, c->add, c->refusal, e);
}

int carts_put(struct store *st, const char *id, const char *sku, int64_t qty, bool add,
              struct cart_refusal *refusal, err_t *e)
{
    struct put_ctx c = {id, sku, qty, add, refusal};
    return tx_run(st, put_attempt, &c, e);
}

int carts_lines(struct store *st, const char *id, struct shipment_item **out, size_t *n,
                err_t *e)
{
    return store_cart_lines(st, id, out, n, e);
}

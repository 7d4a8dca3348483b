#include "app/products.h"

#include <string.h>

#include "app/tx.h"

struct save {
    const struct product *v;
    size_t n;
};

static int save_tx(struct store *st, void *ctx, err_t *e)
{
    struct save *s = ctx;
    int rc = 0;
    for (size_t i = 0; !rc && i < s->n; i++) {
        rc = products_item_id_free(st, &s->v[i], e);
        if (!rc)
            rc = store_product_upsert(st, &s->v[i], e);
    }
    return rc;
}

int products_save(struct store *st, const struct product *v, size_t n, err_t *e)
{
    struct save s = {v, n};
    return tx_run(st, save_tx, &s, e);
}

int products_page(struct store *st, const char *after, size_t limit, const char *q,
                  struct product **out, size_t *n, err_t *e)
{
    return q && *q ? store_product_find(st, after, limit, q, out, n, e)
                   : store_product_page(st, after, limit, out, n, e);
}

int products_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    return store_product_get(st, sku, out, e);
}

struct demo {
    const struct location *loc;
    struct save products;
    bool force;
};

static int demo_tx(struct store *st, void *ctx, err_t *e)
{
    struct demo *d = ctx;
    bool orders = false, positions = false;
    int rc = store_holds_stock(st, &orders, &positions, e);
    if (!rc && (orders || positions) && !d->force)
        rc = err_set(e, ERR_CONFLICT,
                     "the database already holds %s; the demo would overwrite its stock "
                     "levels. Nothing was changed (--force loads it anyway)",
                     orders && positions ? "orders and inventory" : orders ? "orders"
                                                                           : "inventory");
    if (!rc && (rc = store_location_add(st, d->loc, e)) == ERR_CONFLICT)
        rc = 0; /* loading the demo twice refreshes it */
    return rc ? rc : save_tx(st, &d->products, e);
}

int products_demo(struct store *st, const struct location *loc, const struct product *v,
                  size_t n, bool force, err_t *e)
{
    struct demo d = {loc, {v, n}, force};
    return tx_run(st, demo_tx, &d, e);
}

int products_sku_of(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e)
{
    int rc = store_product_by_item(st, item_id, sku, e);
    if (rc == ERR_NOTFOUND)
        return err_set(e, ERR_NOTFOUND, "itemId %lld is unknown: no product has it",
                       (long long)item_id);
    return rc;
}

int products_item_id_free(struct store *st, const struct product *p, err_t *e)
{
    if (!p->item_id)
        return 0;
    char owner[ID_MAX + 1];
    int rc = store_product_by_item(st, p->item_id, owner, e);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (strcmp(owner, p->sku))
        return err_set(e, ERR_CONFLICT, "itemId %lld already belongs to product %s",
                       (long long)p->item_id, owner);
    return 0;
}

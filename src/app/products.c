/* Catalog rules that need the store (see products.h). */
#include "app/products.h"

#include <string.h>

int products_sku_of(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e)
{
    int rc = st->ops->product_by_item(st, item_id, sku, e);
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
    int rc = st->ops->product_by_item(st, p->item_id, owner, e);
    if (rc == ERR_NOTFOUND)
        return 0;
    if (rc)
        return rc;
    if (strcmp(owner, p->sku))
        return err_set(e, ERR_CONFLICT, "itemId %lld already belongs to product %s",
                       (long long)p->item_id, owner);
    return 0;
}

#include "app/lists.h"

int orders_page(struct store *st, const char *before, size_t limit, bool delayed,
                char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return delayed ? store_order_page_delayed(st, before, limit, ids, n, e)
                   : store_order_page(st, before, limit, ids, n, e);
}

int orders_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return store_order_get(st, id, o, e);
}

int imports_page(struct store *st, const char *before, size_t limit, struct import_job **out,
                 size_t *n, err_t *e)
{
    return store_import_list(st, before, limit, out, n, e);
}

int imports_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    return store_import_get(st, id, job, e);
}

int outbox_page(struct store *st, const char *before, size_t limit, struct email **out,
                size_t *n, err_t *e)
{
    return store_outbox_list(st, before, limit, out, n, e);
}

int inventory_page(struct store *st, const char *after, size_t limit, const char *q,
                   struct sku_entry **out, size_t *n, err_t *e)
{
    return store_sku_page(st, after, limit, q, out, n, e);
}

int inventory_count(struct store *st, const char *q, size_t cap, size_t *count, err_t *e)
{
    return store_sku_count(st, q, cap, count, e);
}

int inventory_positions(struct store *st, const char *sku, struct position_list *out,
                        err_t *e)
{
    return store_positions_by_sku(st, sku, out, e);
}

int inventory_scan(struct store *st, const char *after, size_t limit, struct position_list *out,
                   err_t *e)
{
    return store_positions_page(st, after, limit, out, e);
}

int inventory_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                          struct position_list *out, int64_t *count, int64_t *before, err_t *e)
{
    return store_positions_offset_page(st, loc, offset, limit, out, count, before, e);
}

int transit_search(struct store *st, const char *q, size_t limit, struct position_list *out,
                   err_t *e)
{
    return store_transit_search(st, q, limit, out, e);
}

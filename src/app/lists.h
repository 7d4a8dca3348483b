/* The merchant's lists, a page at a time (newest first for orders, imports and emails; by
 * key for SKUs and transit positions), and the single records they link to. Pages are
 * asked for with one row more than shown: that row tells whether another page follows. */
#ifndef SELLAHEAD_APP_LISTS_H
#define SELLAHEAD_APP_LISTS_H

#include "store/store.h"

/* Orders: ids older than `before` (NULL: the newest), only those with a delayed open
 * shipment when delayed; one order (ERR_NOTFOUND). */
int orders_page(struct store *st, const char *before, size_t limit, bool delayed,
                char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int orders_get(struct store *st, const char *id, struct order_rec *o, err_t *e);

/* Import jobs, without their errors; one job with them (ERR_NOTFOUND). */
int imports_page(struct store *st, const char *before, size_t limit, struct import_job **out,
                 size_t *n, err_t *e);
int imports_get(struct store *st, const char *id, struct import_job *job, err_t *e);

/* Emails in the outbox, without bodies. */
int outbox_page(struct store *st, const char *before, size_t limit, struct email **out,
                size_t *n, err_t *e);

/* SKUs after `after` matching q (see store_ops.sku_page), and how many match, counted up
 * to cap + 1 only. */
int inventory_page(struct store *st, const char *after, size_t limit, const char *q,
                   struct sku_entry **out, size_t *n, err_t *e);
int inventory_count(struct store *st, const char *q, size_t cap, size_t *count, err_t *e);
/* The SKU's positions, appended to out; the positions of up to limit SKUs after `after`,
 * by SKU (a full scan, page by page). */
int inventory_positions(struct store *st, const char *sku, struct position_list *out,
                        err_t *e);
int inventory_scan(struct store *st, const char *after, size_t limit, struct position_list *out,
                   err_t *e);
/* An offset page of positions counted in the store (store.h positions_offset_page). */
int inventory_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                          struct position_list *out, int64_t *count, int64_t *before, err_t *e);
/* Transit positions whose sku or transitRef starts with q; appended to out. */
int transit_search(struct store *st, const char *q, size_t limit, struct position_list *out,
                   err_t *e);

#endif

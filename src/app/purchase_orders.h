/* Purchase orders (SPEC 5.8): transit positions, each with the shipments that wait on it in
 * allocation order, and the SKUs' unsourced shipments: what the merchant needs to see who
 * waits on a PO and what they were promised. Read-only. */
#ifndef SELLAHEAD_APP_PURCHASE_ORDERS_H
#define SELLAHEAD_APP_PURCHASE_ORDERS_H

#include "store/store.h"

#define PO_WAITING_MAX 100 /* shipments listed per position; waiting_total counts them all */

struct po_wait {
    int64_t order_number;
    int64_t units;
    struct shipment_rec sh; /* without items */
};

struct po_entry {
    struct position pos; /* stock_type STOCK_UNSOURCED: a SKU's unsourced units */
    bool overdue;
    struct po_wait *waiting; /* owned */
    size_t nwaiting, waiting_total;
};

struct po_page {
    struct po_entry *items, *unsourced; /* owned */
    size_t nitems, nunsourced;
    bool more;
};

struct po_query {
    const char *sku;           /* one SKU, or NULL */
    bool overdue;              /* only positions whose stock date has passed */
    const struct position *after; /* the cursor's key, or NULL */
    size_t limit;
};

int po_list(struct store *st, const struct po_query *q, struct po_page *out, err_t *e);
void po_page_free(struct po_page *p);

#endif

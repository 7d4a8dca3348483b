/* fabric v3 backorder/preorder records (SPEC 9): recorded at placement, read with their live
 * fields (core/backorder.h), searched, and answered through the delay consent of SPEC 5.8. */
#ifndef SELLAHEAD_APP_BACKORDERS_H
#define SELLAHEAD_APP_BACKORDERS_H

#include <stdbool.h>

#include "core/backorder.h"
#include "core/order.h"
#include "store/store.h"

#define BO_LIMIT_DEFAULT 20
#define BO_LIMIT_MAX 100

/* In the placement's transaction, after its allocations: one record per line of the order
 * with units not served from onhand, typed and located by the source holding most of them. */
int backorders_record(struct store *st, const struct order_rec *o,
                      const struct order_plan *plan, err_t *e);

/* In the transaction of a shopper's answer to sh's delay (ACCEPT or DECLINE): the records
 * of its units note when it came (consentReceivedAt). */
int backorders_answered(struct store *st, const struct shipment_rec *sh, err_t *e);

struct bo_item {
    struct bo_record rec; /* owned */
    struct bo_live live;
};

void bo_item_free(struct bo_item *it);

/* Filters, each EQ; absent: sku NULL, order_number 0, type/status/consented -1. */
struct bo_query {
    const char *sku;
    int64_t order_number;
    int type, status, consented;
    size_t limit, offset;
};

struct bo_page {
    struct bo_item *v; /* owned */
    size_t n;
    size_t count; /* every record that matches */
};

/* The matching records by order number then line, offset..offset+limit of them. */
int backorders_search(struct store *st, const struct bo_query *q, struct bo_page *out,
                      err_t *e);
void bo_page_free(struct bo_page *p);

/* ERR_NOTFOUND (BACKORDER_NOT_FOUND) for an unknown id. */
int backorders_get(struct store *st, const char *id, struct bo_item *out, err_t *e);

/* The shopper's answer to the delay of the record's units, as SPEC 5.8's delay-consent for
 * each open delayed shipment holding them (ACCEPT: those whose delay is PENDING); 409 when
 * there is none, as 5.8 answers for a shipment. out: the record after it. */
int backorders_consent(struct store *st, const char *id, bool accept, struct bo_item *out,
                       err_t *e);

#endif

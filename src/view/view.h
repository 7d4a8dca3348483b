/* JSON documents of the external contract, built from the core's plain structs. Shared by the
 * HTTP handlers and the CLI so both print exactly the same document. */
#ifndef SELLAHEAD_VIEW_H
#define SELLAHEAD_VIEW_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/importrow.h"
#include "core/order.h"
#include "core/outbox.h"
#include "core/promise.h"
#include "store/store.h"

/* Everything needed to answer for one SKU, loaded in one place. */
struct item {
    char sku[ID_MAX + 1];
    bool found;
    struct position_list positions; /* in allocation order; owned */
    struct availability avail;
    int64_t item_id; /* the product's fabric itemId (SPEC 9); 0 when none or not loaded */
};

/* Loads positions and computes availability with the given settings and today, for channel
 * (0: every position; SPEC 9). */
int view_item_load(struct store *st, const char *sku, int64_t channel,
                   const struct settings *s, date_t today, struct item *out, err_t *e);
void view_item_free(struct item *it);

/* SPEC 5.1: the single-item document; quantity > 0 adds the promise. */
json_t *view_item(const struct item *it, int64_t quantity, const struct settings *s,
                  date_t today);
/* The item's positions as SPEC 5.1 lists them. */
json_t *view_positions(const struct item *it);
/* {"quantity","fulfillable","allocations"} for qty units over sorted positions. */
json_t *view_promise(const struct position *v, size_t n, int64_t quantity,
                     const struct settings *s, date_t today);
/* SPEC 5.5: the order document; the access token only when with_token. */
json_t *view_order(const struct order_rec *o, bool with_token);
json_t *view_shipment(const struct shipment_rec *sh);
json_t *view_email(const struct email *m);
/* {"from","to","message"} */
json_t *view_range(const struct range *r);
/* A shipment's delay (SPEC 5.8), or JSON null when it has none. */
json_t *view_delay(const struct shipment_rec *sh);
json_t *view_date(date_t d);
json_t *view_job(const struct import_job *job, bool with_errors);
json_t *view_settings(const struct settings *s);
json_t *view_product(const struct product *p, const struct item *it);
json_t *view_location(const struct location *l);

/* Prints compact JSON and a newline to stdout; 0 or ERR_IO. */
int view_print(json_t *doc);

/* SPEC 9: {"safetyStock", "preorderLimit", "backorderLimit", "lowStock"}, null for none. */
json_t *view_limits(const struct limits *l);
/* For key holders: [{"locationId", <view_limits>}] of each location of the item's positions
 * that has a limit, by location. */
json_t *view_item_limits(const struct item *it);

#endif

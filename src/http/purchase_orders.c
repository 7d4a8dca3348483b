/* Purchase orders (SPEC 5.8): GET /v1/purchase-orders?sku=&overdue=true&cursor=&limit=. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/purchase_orders.h"
#include "core/importrow.h"
#include "http/routes.h"
#include "view/view.h"

static json_t *waiting_json(const struct po_entry *en)
{
    json_t *a = json_array();
    for (size_t i = 0; i < en->nwaiting; i++) {
        const struct po_wait *w = &en->waiting[i];
        char number[24];
        snprintf(number, sizeof number, "%lld", (long long)w->order_number);
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:b, s:o}", "orderId", w->sh.order_id,
                         "orderNumber", number, "shipmentId", w->sh.id, "status",
                         order_shipment_status_name(w->sh.status), "units",
                         (json_int_t)w->units, "promisedDelivery", view_range(&w->sh.promised),
                         "expectedDelivery", view_range(&w->sh.expected), "overdue",
                         w->sh.overdue, "delay", view_delay(&w->sh)));
    }
    return a;
}

/* A cursor is the last row's key: "SKU.LOCATION.REF.CHANNEL" (ids are letters and digits;
 * channel 0 for none). */
static bool parse_cursor(const char *c, struct position *key)
{
    char sku[ID_MAX + 1], loc[ID_MAX + 1], ref[ID_MAX + 1], end;
    long long channel;
    if (sscanf(c, "%64[A-Za-z0-9].%64[A-Za-z0-9].%64[A-Za-z0-9].%lld%c", sku, loc, ref,
               &channel, &end) != 4 ||
        channel < 0)
        return false;
    memset(key, 0, sizeof *key);
    key->channel_id = channel;
    memcpy(key->sku, sku, sizeof sku);
    memcpy(key->location_id, loc, sizeof loc);
    memcpy(key->transit_ref, ref, sizeof ref);
    key->stock_type = STOCK_INTRANSIT;
    return true;
}

void h_purchase_orders_list(struct http_req *r, struct http_resp *out)
{
    struct po_query q = {.limit = 20};
    struct position after;
    const char *sku = http_query(r, "sku"), *overdue = http_query(r, "overdue");
    const char *cursor = http_query(r, "cursor"), *limit = http_query(r, "limit");
    err_t e;
    if (sku && *sku) {
        if (importrow_id(COL_SKU, sku, strlen(sku), &e)) {
            http_error(out, 422, "VALIDATION_FAILED", e.msg, NULL);
            return;
        }
        q.sku = sku;
    }
    if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false")) {
        http_error(out, 422, "VALIDATION_FAILED", "overdue must be true or false", NULL);
        return;
    }
    q.overdue = overdue && !strcmp(overdue, "true");
    if (cursor && *cursor) {
        if (!parse_cursor(cursor, &after)) {
            http_error(out, 422, "VALIDATION_FAILED", "cursor is not one this API gave",
                       NULL);
            return;
        }
        q.after = &after;
    }
    if (limit) {
        char *end;
        long v = strtol(limit, &end, 10);
        if (*end || v < 1 || v > 100) {
            http_error(out, 422, "VALIDATION_FAILED", "limit must be from 1 to 100",
                       NULL);
            return;
        }
        q.limit = (size_t)v;
    }
    struct po_page page;
    if (po_list(r->st, &q, &page, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *items = json_array(), *uns = json_array();
    for (size_t i = 0; i < page.nitems; i++) {
        const struct po_entry *en = &page.items[i];
        const struct position *p = &en->pos;
        json_t *o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:b, s:o, s:I}",
                              "sku", p->sku, "locationId", p->location_id, "transitRef",
                              p->transit_ref, "transitOrderDate", view_date(p->order_date),
                              "transitStockDate", view_date(p->stock_date), "quantity",
                              (json_int_t)p->quantity, "reservedQuantity",
                              (json_int_t)p->reserved, "allocatedQuantity",
                              (json_int_t)p->allocated, "available",
                              (json_int_t)position_available(p), "overdue", en->overdue,
                              "waiting", waiting_json(en), "waitingTotal",
                              (json_int_t)en->waiting_total);
        if (p->channel_id)
            json_object_set_new(o, "channelId", json_integer(p->channel_id));
        json_array_append_new(items, o);
    }
    for (size_t i = 0; i < page.nunsourced; i++)
        json_array_append_new(uns, json_pack("{s:s, s:o, s:I}", "sku", page.unsourced[i].pos.sku,
                                             "waiting", waiting_json(&page.unsourced[i]),
                                             "waitingTotal",
                                             (json_int_t)page.unsourced[i].waiting_total));
    json_t *next = json_null();
    if (page.more && page.nitems) {
        const struct position *p = &page.items[page.nitems - 1].pos;
        char c[3 * (ID_MAX + 1) + 24];
        snprintf(c, sizeof c, "%s.%s.%s.%lld", p->sku, p->location_id, p->transit_ref,
                 (long long)p->channel_id);
        next = json_string(c);
    }
    po_page_free(&page);
    http_json(out, 200, json_pack("{s:o, s:o, s:o}", "items", items, "unsourced", uns,
                                  "nextCursor", next));
}

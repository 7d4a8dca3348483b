/* Receipts: stock from a transit position arrived. */
#include <stdlib.h>
#include <string.h>

#include "app/orders.h"
#include "http/routes.h"

void h_receipts_create(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    struct position key = {0};
    char at[ID_MAX + 1] = "";
    const char *fields[4] = {"sku", "locationId", "transitRef", "receivedAt"};
    char *dst[4] = {key.sku, key.location_id, key.transit_ref, at};
    json_t *rat = json_object_get(body, "receivedAt");
    /* SPEC 9: channelId names a channel's transit position (absent or null: the one without
     * a channel); the units received stay in that channel. */
    json_t *channel = json_object_get(body, "channelId");
    bool ok = json_is_object(body) &&
              json_object_size(body) == (rat ? 5u : 4u) + (channel != NULL);
    if (ok && channel && !json_is_null(channel)) {
        ok = json_is_integer(channel) && json_integer_value(channel) >= 1 &&
             json_integer_value(channel) <= 2147483647;
        key.channel_id = ok ? json_integer_value(channel) : 0;
    }
    for (int i = 0; ok && i < (rat ? 4 : 3); i++) {
        json_t *v = json_object_get(body, fields[i]);
        err_t e;
        ok = json_is_string(v) &&
             importrow_id(i == 0 ? COL_SKU : i == 2 ? COL_TRANSIT_REF : COL_LOCATION_ID,
                          json_string_value(v), json_string_length(v), &e) == 0;
        if (ok)
            memcpy(dst[i], json_string_value(v), json_string_length(v) + 1);
    }
    json_t *q = json_object_get(body, "quantity");
    ok = ok && json_is_integer(q);
    json_int_t qty = ok ? json_integer_value(q) : 0;
    json_decref(body);
    if (!ok) {
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"sku\", \"locationId\", \"transitRef\", "
                   "\"quantity\"} and optionally \"receivedAt\" and \"channelId\", with "
                   "letters-and-digits ids, a whole quantity and a channelId from 1 to "
                   "2147483647",
                   NULL);
        return;
    }
    key.stock_type = STOCK_INTRANSIT;
    char(*released)[ORDER_ID_MAX];
    size_t n;
    int64_t surplus;
    err_t e;
    struct idem idem = {http_idem(r, out), r->idem_scope, r->body_fp};
    if (out->status)
        return; /* a bad Idempotency-Key header */
    if (orders_receive(r->st, &key, at, qty, &idem, &released, &n, &surplus, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(released[i]));
    free(released);
    http_json(out, 200, json_pack("{s:o, s:I}", "released", ids, "surplus",
                                  (json_int_t)surplus));
}

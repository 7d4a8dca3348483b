/* Receipts: stock from a transit position arrived. */
#include <stdlib.h>
#include <string.h>

#include "app/orders.h"
#include "http/routes.h"

int receipts_create_h(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return 0;
    struct position key = {0};
    const char *fields[3] = {"sku", "locationId", "transitRef"};
    char *dst[3] = {key.sku, key.location_id, key.transit_ref};
    bool ok = json_is_object(body) && json_object_size(body) == 4;
    for (int i = 0; ok && i < 3; i++) {
        json_t *v = json_object_get(body, fields[i]);
        char msg[256];
        ok = json_is_string(v) &&
             importrow_id(i == 0 ? COL_SKU : i == 1 ? COL_LOCATION_ID : COL_TRANSIT_REF,
                          json_string_value(v), json_string_length(v), msg, sizeof msg) == 0;
        if (ok)
            memcpy(dst[i], json_string_value(v), json_string_length(v) + 1);
    }
    json_t *q = json_object_get(body, "quantity");
    ok = ok && json_is_integer(q);
    json_int_t qty = ok ? json_integer_value(q) : 0;
    json_decref(body);
    if (!ok)
        return http_error(out, 422, "VALIDATION_FAILED",
                          "the body must be {\"sku\", \"locationId\", \"transitRef\", "
                          "\"quantity\"} with letters-and-digits ids and a whole quantity",
                          NULL);
    key.stock_type = STOCK_INTRANSIT;
    char(*released)[ORDER_ID_MAX];
    size_t n;
    err_t e;
    if (orders_receive(r->st, &key, qty, &released, &n, &e))
        return http_fail(out, &e);
    json_t *ids = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(ids, json_string(released[i]));
    free(released);
    return http_json(out, 200, json_pack("{s:o}", "released", ids));
}

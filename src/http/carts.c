/* Carts: lines with their current promise, split into what ships now and later. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "app/carts.h"
#include "app/orders.h"
#include "app/products.h"
#include "http/routes.h"
#include "view/view.h"

/* The cart document: every line with its promise, the shipments it would become, totals. */
static int cart_response(struct http_req *r, struct http_resp *out, const char *id,
                         unsigned status)
{
    err_t e;
    struct shipment_item *items;
    size_t n;
    int rc = carts_lines(r->st, id, &items, &n, &e);
    if (rc == ERR_NOTFOUND)
        return http_error(out, 404, "CART_NOT_FOUND", "no cart with this id", NULL);
    if (rc)
        return http_fail(out, &e);
    assert(n <= ORDER_MAX_LINES); /* carts_put never lets a cart grow past this */
    struct order_line lines[ORDER_MAX_LINES];
    struct position_list lists[ORDER_MAX_LINES] = {{0}};
    struct order_plan plan = {0};
    struct settings s;
    for (size_t i = 0; i < n; i++) {
        memset(&lines[i], 0, sizeof lines[i]);
        memcpy(lines[i].sku, items[i].sku, sizeof lines[i].sku);
        lines[i].quantity = items[i].quantity;
    }
    free(items);
    rc = orders_preview(r->st, lines, n, lists, &plan, &e);
    if (!rc)
        rc = http_settings(r, &s, &e);
    if (rc) {
        for (size_t i = 0; i < n; i++)
            position_list_free(&lists[i]);
        order_plan_free(&plan);
        return http_fail(out, &e);
    }
    date_t today = date_today();
    json_t *jl = json_array();
    int64_t subtotal = plan.total; /* checked by order_plan */
    for (size_t i = 0; i < n; i++) {
        int64_t avail = position_available_total(lists[i].v, lists[i].n);
        json_array_append_new(
            jl, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:o}", "sku", lines[i].sku,
                          "name", lines[i].name, "quantity", (json_int_t)lines[i].quantity,
                          "unitPrice", (json_int_t)lines[i].unit_price, "amount",
                          (json_int_t)lines[i].amount, "availableTotal", (json_int_t)avail,
                          "fulfillable", lines[i].quantity <= avail, "promise",
                          view_promise(lists[i].v, lists[i].n, lines[i].quantity, &s, today)));
        position_list_free(&lists[i]);
    }
    /* The shipments the order would become: "ships now" (READY) and "ships later". */
    json_t *js = json_array();
    for (size_t k = 0; k < plan.nshipments; k++) {
        struct shipment_rec sh = {0};
        const struct order_shipment *ps = &plan.shipments[k];
        struct shipment_item its[ORDER_MAX_LINES];
        sh.status = ps->status;
        sh.stock_type = ps->stock_type;
        memcpy(sh.location_id, ps->location_id, sizeof sh.location_id);
        memcpy(sh.transit_ref, ps->transit_ref, sizeof sh.transit_ref);
        sh.stock_date = ps->stock_date;
        sh.expected = ps->expected;
        sh.amount = ps->amount;
        sh.items = its;
        for (size_t i = 0; i < plan.nallocs && sh.nitems < ORDER_MAX_LINES; i++)
            if (plan.allocs[i].shipment == k) {
                memcpy(its[sh.nitems].sku, plan.allocs[i].pos.sku, sizeof its[0].sku);
                its[sh.nitems++].quantity = plan.allocs[i].quantity;
            }
        json_t *j = view_shipment(&sh);
        json_object_del(j, "id");
        json_object_del(j, "trackingNumber");
        json_object_del(j, "shippedAt");
        json_object_set_new(j, "shipsNow", json_boolean(ps->status == SHIP_READY));
        json_array_append_new(js, j);
    }
    int64_t now, later;
    order_charges(plan.shipments, plan.nshipments, s.capture_on, &now, &later);
    const char *currency = "USD";
    struct product p;
    if (n && products_get(r->st, lines[0].sku, &p, &e) == 0)
        currency = p.currency;
    json_t *doc = json_pack("{s:s, s:o, s:o, s:{s:I, s:s, s:I, s:I}}", "id", id, "lines", jl,
                            "shipments", js, "totals", "subtotal", (json_int_t)subtotal,
                            "currency", currency, "chargedNow", (json_int_t)now,
                            "chargedLater", (json_int_t)later);
    order_plan_free(&plan);
    return http_json(out, status, doc);
}

void h_carts_create(struct http_req *r, struct http_resp *out)
{
    char id[ORDER_ID_MAX];
    err_t e;
    if (carts_create(r->st, id, &e)) {
        http_fail(out, &e);
        return;
    }
    cart_response(r, out, id, 201);
}

void h_carts_get(struct http_req *r, struct http_resp *out)
{
    cart_response(r, out, r->params[0], 200);
}

/* Reads {"sku", "quantity"} (sku from the path when given). */
static int put_line(struct http_req *r, struct http_resp *out, const char *path_sku, bool add,
                    bool remove)
{
    const char *sku = path_sku;
    json_int_t qty = 0;
    json_t *body = NULL;
    if (!remove) {
        if (http_body_json(r, out, &body))
            return 0;
        json_t *q = json_object_get(body, "quantity");
        if (!path_sku)
            sku = json_string_value(json_object_get(body, "sku"));
        size_t expect = path_sku ? 1 : 2;
        qty = json_is_integer(q) ? json_integer_value(q) : -1;
        if (!json_is_object(body) || json_object_size(body) != expect || !sku ||
            qty < (add ? 1 : 0) || qty > ORDER_QTY_MAX) {
            json_decref(body);
            return http_error(out, 422, "VALIDATION_FAILED",
                              add ? "the body must be {\"sku\": \"...\", \"quantity\": N} with "
                                    "N from 1 to 1000000"
                                  : "the body must be {\"quantity\": N} with N from 0 to "
                                    "1000000 (0 removes the line)",
                              NULL);
        }
    }
    char skubuf[ID_MAX + 1];
    snprintf(skubuf, sizeof skubuf, "%s", sku);
    bool too_long = strlen(sku) > ID_MAX;
    json_decref(body);
    if (too_long)
        return http_error(out, 404, "SKU_NOT_FOUND", "no product with this SKU", NULL);
    struct cart_refusal no = {0};
    err_t e;
    int rc = carts_put(r->st, r->params[0], skubuf, qty, add, &no, &e);
    if (rc == ERR_CONFLICT && no.sku[0])
        return http_error(out, 409, "INSUFFICIENT_INVENTORY", e.msg,
                          json_pack("[{s:s, s:I, s:I}]", "sku", no.sku, "requested",
                                    (json_int_t)no.requested, "availableTotal",
                                    (json_int_t)no.available_total));
    if (rc)
        return http_fail(out, &e);
    return cart_response(r, out, r->params[0], 200);
}

void h_carts_add(struct http_req *r, struct http_resp *out)
{
    put_line(r, out, NULL, true, false);
}

void h_carts_set(struct http_req *r, struct http_resp *out)
{
    put_line(r, out, r->params[1], false, false);
}

void h_carts_remove(struct http_req *r, struct http_resp *out)
{
    put_line(r, out, r->params[1], false, true);
}

#include <string.h>

#include "app/delays.h"
#include "app/orders.h"
#include "http/routes.h"
#include "view/view.h"

void h_shipments_ship(struct http_req *r, struct http_resp *out)
{
    char tracking[TRACKING_MAX + 1] = "";
    if (r->body_len) {
        json_t *body;
        if (http_body_json(r, out, &body))
            return;
        json_t *t = json_object_get(body, "trackingNumber");
        bool ok = json_is_object(body) && json_object_size(body) <= 1 &&
                  (json_object_size(body) == 0 || json_is_string(t)) &&
                  (!t || json_string_length(t) <= TRACKING_MAX);
        if (ok && t)
            memcpy(tracking, json_string_value(t), json_string_length(t) + 1);
        json_decref(body);
        if (!ok) {
            http_error(out, 422, "VALIDATION_FAILED",
                       "the body must be {\"trackingNumber\": \"...\"} (at most 100 "
                       "characters)",
                       NULL);
            return;
        }
    }
    struct order_rec o;
    err_t e;
    if (orders_ship(r->st, r->params[0], tracking, &o, &e)) {
        http_fail(out, &e);
        return;
    }
    http_mail_wake();
    json_t *doc = NULL;
    for (size_t i = 0; i < o.nshipments; i++)
        if (!strcmp(o.shipments[i].id, r->params[0])) {
            doc = view_shipment(&o.shipments[i]);
            json_object_set_new(doc, "orderId", json_string(o.id));
            json_object_set_new(doc, "orderStatus", json_string(order_status_name(o.status)));
            json_object_set_new(doc, "captured", json_integer(o.payment.captured));
        }
    order_rec_free(&o);
    http_json(out, 200, doc);
}

void h_shipments_cancel(struct http_req *r, struct http_resp *out)
{
    if (r->body_len) {
        json_t *body;
        if (http_body_json(r, out, &body))
            return;
        bool ok = json_is_object(body) && json_object_size(body) == 0;
        json_decref(body);
        if (!ok) {
            http_error(out, 422, "VALIDATION_FAILED",
                       "cancelling a shipment takes no body (or {})", NULL);
            return;
        }
    }
    const char *token = NULL;
    if (!http_has_key(r) && !(token = http_query(r, "token"))) {
        http_error(out, 401, "UNAUTHORIZED",
                   "this shipment needs its order's access token (?token=) or an API key",
                   NULL);
        return;
    }
    struct order_rec o;
    err_t e;
    if (orders_cancel_shipment(r->st, r->params[0], token, &o, &e)) {
        http_fail(out, &e);
        return;
    }
    http_mail_wake();
    json_t *doc = view_order(&o, false);
    order_rec_free(&o);
    http_json(out, 200, doc);
}

/* SPEC 5.8: {"consent": "ACCEPT" | "DECLINE"} with the order's token or a key. */
void h_shipments_delay_consent(struct http_req *r, struct http_resp *out)
{
    bool accept;
    if (http_body_consent(r, out, &accept))
        return;
    const char *token = NULL;
    if (!http_has_key(r) && !(token = http_query(r, "token"))) {
        http_error(out, 401, "UNAUTHORIZED",
                   "this shipment needs its order's access token (?token=) or an API key",
                   NULL);
        return;
    }
    struct order_rec o;
    err_t e;
    if (delays_consent(r->st, r->params[0], token, accept, &o, &e)) {
        http_fail(out, &e);
        return;
    }
    http_mail_wake();
    json_t *doc = view_order(&o, false);
    order_rec_free(&o);
    http_json(out, 200, doc);
}

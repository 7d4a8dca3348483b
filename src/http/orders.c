/* Orders: placement, lookup (shopper token or key), listing and cancellation. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "app/lists.h"
#include "app/orders.h"
#include "http/routes.h"
#include "view/view.h"

/* Copies a string member into dst; a message when it is present but not a fitting string. */
static const char *take(json_t *obj, const char *key, char *dst, size_t cap)
{
    json_t *v = json_object_get(obj, key);
    dst[0] = '\0';
    if (!v || json_is_null(v))
        return NULL;
    if (!json_is_string(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return "must be a string of reasonable length";
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return NULL;
}

static bool only_keys(json_t *obj, const char *const *keys, size_t n, const char **bad)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        size_t i = 0;
        while (i < n && strcmp(keys[i], key))
            i++;
        if (i == n) {
            *bad = key;
            return false;
        }
    }
    return true;
}

/* The JSON body into a placement request; a 422 in out when it does not fit. */
static int parse_place(json_t *b, struct place_req *req, char *cart, struct http_resp *out)
{
    static const char *const top[] = {"cartId", "items", "email", "shippingAddress",
                                      "payment", "channelId"};
    static const char *const addr[] = {"name", "line1", "line2", "city", "postalCode",
                                       "country"};
    const char *bad = NULL, *m = NULL;
    char msg[200];
    if (!json_is_object(b))
        return http_error(out, 422, "VALIDATION_FAILED", "the body must be a JSON object",
                          NULL);
    if (!only_keys(b, top, 6, &bad)) {
        snprintf(msg, sizeof msg, "unknown field \"%.60s\"", bad);
        return http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
    }
    json_t *items = json_object_get(b, "items");
    json_t *cart_id = json_object_get(b, "cartId");
    if ((items && cart_id) || (!items && !cart_id))
        return http_error(out, 422, "VALIDATION_FAILED", "give either cartId or items", NULL);
    if (cart_id) {
        if (!json_is_string(cart_id) || json_string_length(cart_id) >= ORDER_ID_MAX)
            return http_error(out, 404, "CART_NOT_FOUND", "no cart with this id", NULL);
        memcpy(cart, json_string_value(cart_id), json_string_length(cart_id) + 1);
        req->cart_id = cart;
    } else {
        if (!json_is_array(items) || json_array_size(items) == 0 ||
            json_array_size(items) > ORDER_MAX_LINES)
            return http_error(out, 422, "VALIDATION_FAILED",
                              "items must be a list of 1 to 100 {\"sku\", \"quantity\"}", NULL);
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it) {
            struct order_line *l = &req->lines[i];
            json_t *q = json_object_get(it, "quantity");
            const char *sku = json_string_value(json_object_get(it, "sku"));
            if (!json_is_object(it) || json_object_size(it) != 2 || !sku ||
                strlen(sku) > ID_MAX || !json_is_integer(q)) {
                snprintf(msg, sizeof msg,
                         "items[%zu] must be {\"sku\": \"...\", \"quantity\": N}", i);
                return http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
            }
            memset(l, 0, sizeof *l);
            memcpy(l->sku, sku, strlen(sku) + 1);
            l->quantity = json_integer_value(q);
        }
        req->nlines = json_array_size(items);
    }
    json_t *em = json_object_get(b, "email");
    if (json_is_string(em) && json_string_length(em) > EMAIL_MAX)
        return http_error(out, 422, "VALIDATION_FAILED",
                          "email is too long: an email address has at most 254 characters",
                          NULL);
    if ((m = take(b, "email", req->email, sizeof req->email)))
        return http_error(out, 422, "VALIDATION_FAILED", "email must be a string", NULL);
    json_t *a = json_object_get(b, "shippingAddress");
    if (!json_is_object(a))
        return http_error(out, 422, "VALIDATION_FAILED",
                          "shippingAddress is required: {\"name\", \"line1\", \"line2\", "
                          "\"city\", \"postalCode\", \"country\"}",
                          NULL);
    if (!only_keys(a, addr, 6, &bad)) {
        snprintf(msg, sizeof msg, "unknown field shippingAddress.%.60s", bad);
        return http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
    }
    struct address *ad = &req->address;
    if (take(a, "name", ad->name, sizeof ad->name) ||
        take(a, "line1", ad->line1, sizeof ad->line1) ||
        take(a, "line2", ad->line2, sizeof ad->line2) ||
        take(a, "city", ad->city, sizeof ad->city) ||
        take(a, "postalCode", ad->postal_code, sizeof ad->postal_code) ||
        take(a, "country", ad->country, sizeof ad->country))
        return http_error(out, 422, "VALIDATION_FAILED",
                          "shippingAddress fields must be strings of at most 200 characters",
                          NULL);
    json_t *pay = json_object_get(b, "payment");
    if (!json_is_object(pay) || take(pay, "token", req->payment_token,
                                     sizeof req->payment_token))
        return http_error(out, 422, "VALIDATION_FAILED",
                          "payment is required: {\"token\": \"tok_visa\"}", NULL);
    return 0;
}

/* A placement between its steps (app/orders.h): the request, its result and the job. */
struct place_state {
    struct place_req req;
    char cart[ORDER_ID_MAX]; /* req.cart_id points here */
    struct place_result res;
    struct place_job job;
};

static void place_state_free(void *p)
{
    struct place_state *ps = p;
    orders_place_free(&ps->job);
    orders_result_free(&ps->res);
    free(ps);
}

static void place_call(struct http_req *r)
{
    struct place_state *ps = r->job;
    orders_place_call(r->st, &ps->job);
}

void h_orders_create(struct http_req *r, struct http_resp *out)
{
    struct place_state *ps = r->job;
    if (!ps) {
        json_t *body;
        if (http_body_json(r, out, &body))
            return;
        if (!(ps = calloc(1, sizeof *ps))) {
            json_decref(body);
            http_error(out, 500, "INTERNAL", "out of memory", NULL);
            return;
        }
        parse_place(body, &ps->req, ps->cart, out);
        if (!out->status)
            ps->req.channel_id = http_channel(r, json_object_get(body, "channelId"), NULL, out);
        json_decref(body);
        if (out->status) {
            free(ps);
            return;
        }
        ps->req.idem_key = http_idem(r, out);
        ps->req.idem_scope = r->idem_scope;
        ps->req.idem_fp = r->body_fp;
        if (out->status) {
            free(ps);
            return;
        }
        if (orders_place_init(&ps->job, &ps->req, &ps->res)) {
            free(ps);
            http_error(out, 500, "INTERNAL", "out of memory", NULL);
            return;
        }
        r->job = ps;
        r->job_free = place_state_free;
    }
    orders_place_step(r->st, &ps->job);
    if (ps->job.call_due) {
        out->after_commit = place_call;
        return;
    }
    struct place_result *res = &ps->res;
    err_t *e = &ps->job.err;
    int rc = ps->job.rc;
    if (rc == ERR_CONFLICT && res->nshortages) {
        json_t *details = json_array();
        for (size_t i = 0; i < res->nshortages; i++)
            json_array_append_new(details,
                                  json_pack("{s:s, s:I, s:I}", "sku", res->shortages[i].sku,
                                            "requested", (json_int_t)res->shortages[i].requested,
                                            "availableTotal",
                                            (json_int_t)res->shortages[i].available_total));
        http_error(out, 409, "INSUFFICIENT_INVENTORY", e->msg, details);
        return;
    }
    if (rc == ERR_CONFLICT && !e->name) {
        http_error(out, 409, "INSUFFICIENT_INVENTORY", e->msg, NULL);
        return;
    }
    if (rc) {
        http_fail(out, e);
        return;
    }
    http_mail_wake();
    http_json(out, 201, view_order(&res->order, true));
}

/* The shopper's token (query ?token=) or a key opens an order. Loads it into *o. */
static int open_order(struct http_req *r, struct http_resp *out, struct order_rec *o)
{
    err_t e;
    int rc = orders_get(r->st, r->params[0], o, &e);
    const char *token = http_query(r, "token");
    if (rc && rc != ERR_NOTFOUND) {
        http_fail(out, &e);
        return -1;
    }
    if (http_has_key(r)) {
        if (rc == ERR_NOTFOUND)
            http_error(out, 404, "ORDER_NOT_FOUND", "no order with this id", NULL);
        return rc ? -1 : 0;
    }
    if (!token) {
        if (!rc)
            order_rec_free(o);
        http_error(out, 401, "UNAUTHORIZED",
                   "this order needs its access token (?token=) or an API key", NULL);
        return -1;
    }
    /* An unknown order and a wrong token look the same, so ids cannot be probed. */
    if (rc || strlen(token) != strlen(o->access_token) ||
        sodium_memcmp(token, o->access_token, strlen(token)) != 0) {
        if (!rc)
            order_rec_free(o);
        http_error(out, 404, "ORDER_NOT_FOUND", "no order with this id and token", NULL);
        return -1;
    }
    return 0;
}

void h_orders_get(struct http_req *r, struct http_resp *out)
{
    struct order_rec o;
    if (open_order(r, out, &o))
        return;
    json_t *doc = view_order(&o, false);
    order_rec_free(&o);
    http_json(out, 200, doc);
}

void h_orders_list(struct http_req *r, struct http_resp *out)
{
    err_t e;
    size_t limit = http_limit(r, 50, 200), n;
    char(*ids)[ORDER_ID_MAX];
    const char *delayed = http_query(r, "delayed");
    if (delayed && strcmp(delayed, "true") && strcmp(delayed, "false")) {
        http_error(out, 422, "VALIDATION_FAILED", "delayed must be true or false", NULL);
        return;
    }
    /* One row more than the page tells whether another page follows. */
    if (orders_page(r->st, http_query(r, "cursor"), limit + 1,
                    delayed && !strcmp(delayed, "true"), &ids, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    bool more = n > limit;
    if (more)
        n = limit;
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct order_rec o;
        if (orders_get(r->st, ids[i], &o, &e)) {
            free(ids);
            json_decref(items);
            http_fail(out, &e);
            return;
        }
        json_array_append_new(items, view_order(&o, false));
        order_rec_free(&o);
    }
    json_t *next = more ? json_string(ids[n - 1]) : json_null();
    free(ids);
    http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

void h_orders_cancel(struct http_req *r, struct http_resp *out)
{
    struct order_rec o;
    if (open_order(r, out, &o))
        return;
    order_rec_free(&o);
    err_t e;
    if (orders_cancel(r->st, r->params[0], &o, &e)) {
        http_fail(out, &e);
        return;
    }
    http_mail_wake();
    json_t *doc = view_order(&o, false);
    order_rec_free(&o);
    http_json(out, 200, doc);
}

/* POST /v1/orders/{id}/payment {"token"}: a new card, by the shopper (?token=) or a key. */
void h_orders_payment(struct http_req *r, struct http_resp *out)
{
    struct order_rec o;
    if (open_order(r, out, &o))
        return;
    order_rec_free(&o);
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    json_t *t = json_object_get(body, "token");
    char token[64] = "";
    if (!json_is_object(body) || json_object_size(body) != 1 || !json_is_string(t) ||
        json_string_length(t) == 0 || json_string_length(t) >= sizeof token) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"token\": \"tok_visa\"}: the new card's token",
                   NULL);
        return;
    }
    snprintf(token, sizeof token, "%s", json_string_value(t));
    json_decref(body);
    err_t e;
    if (orders_new_card(r->st, r->params[0], token, &o, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *doc = view_order(&o, false);
    order_rec_free(&o);
    http_json(out, 200, doc);
}

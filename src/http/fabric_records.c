/* fabric v3 backorder/preorder records (SPEC 9, docs/fabric.md): search, get and
 * save-delay-consent over app/backorders.h, which reads the live fields from the shipments
 * and answers consent through SPEC 5.8's use case. This file only parses and renames. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/backorders.h"
#include "core/importrow.h"
#include "http/routes.h"

/* --- the record document --- */

static json_t *opt_str(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

static json_t *record_doc(const struct bo_item *it)
{
    const struct bo_record *r = &it->rec;
    const struct bo_live *l = &it->live;
    char number[24], notified[DATE_STRLEN] = "";
    snprintf(number, sizeof number, "%lld", (long long)r->order_number);
    if (l->notified != DATE_NONE)
        date_format(l->notified, notified);
    json_t *ships = json_array();
    for (size_t i = 0; i < r->npieces; i++)
        if (r->pieces[i].mine)
            json_array_append_new(
                ships, json_pack("{s:s, s:s, s:I}", "id", r->pieces[i].shipment_id, "status",
                                 order_shipment_status_name(r->pieces[i].status), "quantity",
                                 (json_int_t)r->pieces[i].mine));
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:s, s:o, s:I, s:s, s:s, s:I, s:b, s:o, s:o, s:s, s:o, s:o}",
        "id", r->id, "orderId", r->order_id, "orderNumber", number, "lineItemId",
        (json_int_t)(r->line + 1), "sku", r->sku, "itemId",
        r->item_id ? json_integer(r->item_id) : json_null(), "quantity",
        (json_int_t)r->quantity, "type", bo_type_name(l->type), "status",
        order_shipment_status_name(l->status), "releasedQuantity", (json_int_t)l->released,
        "isDelayConsented", l->consented, "consentReceivedAt", opt_str(r->consent_at),
        "lastNotifiedAt", opt_str(notified), "orderedAt", r->ordered_at, "locationId",
        opt_str(l->location_id), "shipments", ships);
}

/* --- search --- */

/* The 422 in out; -1. */
static int bad(struct http_resp *out, const char *msg)
{
    http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
    return -1;
}

static int status_parse(const char *s)
{
    for (int k = SHIP_AWAITING_STOCK; k <= SHIP_CANCELLED; k++)
        if (!strcmp(s, order_shipment_status_name(k)))
            return k;
    return -1;
}

/* A whole number from lo to hi, or absent (then *v is unchanged). */
static bool int_field(json_t *body, const char *name, int64_t lo, int64_t hi, int64_t *v)
{
    json_t *x = json_object_get(body, name);
    if (!x)
        return true;
    if (!json_is_integer(x) || json_integer_value(x) < lo || json_integer_value(x) > hi)
        return false;
    *v = json_integer_value(x);
    return true;
}

/* One filter into q; 0, or the 422 already in out. */
static int add_filter(json_t *f, size_t i, struct bo_query *q, unsigned *seen,
                      struct http_resp *out)
{
    static const char *const fields[] = {"sku", "orderNumber", "type", "status",
                                         "isDelayConsented"};
    char msg[300];
    const char *key;
    json_t *v;
    if (!json_is_object(f)) {
        snprintf(msg, sizeof msg,
                 "filters[%zu] must be an object {\"field\", \"condition\": \"EQ\", \"value\"}",
                 i);
        return bad(out, msg);
    }
    json_object_foreach(f, key, v) {
        if (strcmp(key, "field") && strcmp(key, "condition") && strcmp(key, "value")) {
            snprintf(msg, sizeof msg, "filters[%zu].%.40s is not a filter member: use field, "
                     "condition and value", i, key);
            return bad(out, msg);
        }
    }
    const char *field = json_string_value(json_object_get(f, "field"));
    const char *cond = json_string_value(json_object_get(f, "condition"));
    json_t *val = json_object_get(f, "value");
    size_t k = 0;
    while (field && k < 5 && strcmp(field, fields[k]))
        k++;
    if (!field || k == 5) {
        snprintf(msg, sizeof msg, "filters[%zu].field must be one of sku, orderNumber, type, "
                 "status, isDelayConsented", i);
        return bad(out, msg);
    }
    if (!cond || strcmp(cond, "EQ")) {
        snprintf(msg, sizeof msg, "filters[%zu].condition must be \"EQ\" (the only condition "
                 "supported)", i);
        return bad(out, msg);
    }
    if (*seen & (1u << k)) {
        snprintf(msg, sizeof msg, "filters[%zu]: %s is filtered on twice", i, field);
        return bad(out, msg);
    }
    *seen |= 1u << k;
    const char *s = json_string_value(val);
    bool ok = false;
    switch (k) {
    case 0:
        ok = s && !importrow_id(COL_SKU, s, strlen(s), &(err_t){0});
        q->sku = s;
        break;
    case 1: { /* "1001" as orders show it, or 1001 */
        json_int_t n = json_is_integer(val) ? json_integer_value(val) : 0;
        if (s && *s && strlen(s) <= 18 && strspn(s, "0123456789") == strlen(s))
            n = strtoll(s, NULL, 10);
        ok = n > 0;
        q->order_number = n;
        break;
    }
    case 2:
        ok = s && (q->type = bo_type_parse(s)) >= 0;
        break;
    case 3:
        ok = s && (q->status = status_parse(s)) >= 0;
        break;
    default:
        ok = json_is_boolean(val);
        q->consented = json_is_true(val);
        break;
    }
    if (ok)
        return 0;
    static const char *const want[] = {
        "a SKU ([A-Za-z0-9]{1,64})", "an order number (\"1001\" or 1001)",
        "\"PREORDER\" or \"BACKORDER\"",
        "\"AWAITING_STOCK\", \"READY\", \"SHIPPED\" or \"CANCELLED\"", "true or false"};
    snprintf(msg, sizeof msg, "filters[%zu].value for %s must be %s", i, field, want[k]);
    return bad(out, msg);
}

void h_fabric_records_search(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    struct bo_query q = {.type = -1, .status = -1, .consented = -1};
    int64_t limit = BO_LIMIT_DEFAULT, offset = 0;
    const char *key;
    json_t *v, *filters = json_object_get(body, "filters");
    unsigned seen = 0;
    char msg[200];
    if (!json_is_object(body)) {
        bad(out, "the body must be an object {\"filters\": [...], \"limit\", \"offset\"}");
        goto out;
    }
    json_object_foreach(body, key, v) {
        if (strcmp(key, "filters") && strcmp(key, "limit") && strcmp(key, "offset")) {
            snprintf(msg, sizeof msg, "%.40s is not a search member: use filters, limit, "
                     "offset", key);
            bad(out, msg);
            goto out;
        }
    }
    if (!int_field(body, "limit", 1, BO_LIMIT_MAX, &limit)) {
        snprintf(msg, sizeof msg, "limit must be a whole number from 1 to %d", BO_LIMIT_MAX);
        bad(out, msg);
        goto out;
    }
    if (!int_field(body, "offset", 0, 1000000000, &offset)) {
        bad(out, "offset must be a whole number from 0 to 1000000000");
        goto out;
    }
    if (filters && !json_is_array(filters) && !json_is_null(filters)) {
        bad(out, "filters must be an array of {\"field\", \"condition\": \"EQ\", \"value\"}");
        goto out;
    }
    size_t i;
    json_array_foreach(filters, i, v) {
        if (add_filter(v, i, &q, &seen, out))
            goto out;
    }
    q.limit = (size_t)limit;
    q.offset = (size_t)offset;
    struct bo_page pg;
    err_t e;
    if (backorders_search(r->st, &q, &pg, &e)) {
        http_fail(out, &e);
        goto out;
    }
    json_t *data = json_array();
    for (size_t k = 0; k < pg.n; k++)
        json_array_append_new(data, record_doc(&pg.v[k]));
    json_int_t count = (json_int_t)pg.count;
    bo_page_free(&pg);
    http_json(out, 200,
              json_pack("{s:{s:I, s:I, s:I}, s:o}", "pagination", "limit", (json_int_t)limit,
                        "offset", (json_int_t)offset, "count", count, "data", data));
out:
    json_decref(body); /* q's strings point into it */
}

/* --- one record --- */

void h_fabric_records_get(struct http_req *r, struct http_resp *out)
{
    struct bo_item it;
    err_t e;
    if (backorders_get(r->st, r->params[0], &it, &e)) {
        http_fail(out, &e);
        return;
    }
    http_json(out, 200, record_doc(&it));
    bo_item_free(&it);
}

void h_fabric_records_consent(struct http_req *r, struct http_resp *out)
{
    bool accept;
    if (http_body_consent(r, out, &accept))
        return;
    struct bo_item it;
    err_t e;
    if (backorders_consent(r->st, r->params[0], accept, &it, &e)) {
        http_fail(out, &e);
        return;
    }
    http_mail_wake();
    http_json(out, 200, record_doc(&it));
    bo_item_free(&it);
}

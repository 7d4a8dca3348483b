/* Availability: the single-item document, the batch query, the merchant's overview list and
 * the CSV template. */
#include <stdlib.h>
#include <string.h>

#include "app/lists.h"
#include "app/readmodel.h"
#include "http/routes.h"
#include "view/view.h"

#define QUERY_MAX_ITEMS 500
#define QUANTITY_MAX 2147483647

/* A positive whole quantity; 0 when absent. ERR_INVALID otherwise. */
static int parse_quantity(const char *v, int64_t *out, err_t *e)
{
    *out = 0;
    if (!v)
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < 1 || n > QUANTITY_MAX || v[0] == '+' || v[0] == ' ')
        return err_set(e, ERR_INVALID, "quantity must be a whole number from 1 to %d, not \"%s\"",
                       QUANTITY_MAX, v);
    *out = n;
    return 0;
}

/* Answers from the read model: no database on this path. */
void h_inventory_get(struct http_req *r, struct http_resp *out)
{
    err_t e;
    int64_t qty;
    if (parse_quantity(http_query(r, "quantity"), &qty, &e)) {
        http_fail(out, &e);
        return;
    }
    int64_t channel = http_channel(r, NULL, http_query(r, "channelId"), out);
    if (channel < 0)
        return;
    struct buf b = {0};
    bool found;
    if (readmodel_doc(r->params[0], qty, channel, date_today(), &b, &found, &e)) {
        buf_free(&b);
        http_fail(out, &e);
        return;
    }
    if (!found) {
        buf_free(&b);
        http_error(out, 404, "SKU_NOT_FOUND", "no product or inventory with this SKU",
                   NULL);
        return;
    }
    out->status = 200;
    out->content_type = "application/json; charset=utf-8";
    out->body = b.p;
    out->len = b.len;
    
}

void h_inventory_query(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    json_t *items = json_object_get(body, "items");
    json_t *field = json_object_get(body, "channelId");
    if (!json_is_array(items) || json_object_size(body) != 1 + (field != NULL)) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"items\": [{\"sku\": \"...\", \"quantity\": 1}]} "
                   "with an optional \"channelId\"",
                   NULL);
        return;
    }
    int64_t channel = http_channel(r, field, NULL, out);
    if (channel < 0) {
        json_decref(body);
        return;
    }
    if (json_array_size(items) > QUERY_MAX_ITEMS) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED", "at most 500 items per query", NULL);
        return;
    }
    date_t today = date_today();
    struct buf b = {0};
    buf_puts(&b, "{\"items\":[");
    size_t i;
    json_t *entry;
    json_array_foreach(items, i, entry) {
        const char *sku = json_string_value(json_object_get(entry, "sku"));
        json_t *q = json_object_get(entry, "quantity");
        json_int_t qty = q ? json_integer_value(q) : 0;
        if (!sku || (q && (!json_is_integer(q) || qty < 1 || qty > QUANTITY_MAX))) {
            buf_free(&b);
            json_decref(body);
            char msg[160];
            snprintf(msg, sizeof msg,
                     "items[%zu] needs a \"sku\" string and, if given, a \"quantity\" from 1 "
                     "to %d",
                     i, QUANTITY_MAX);
            http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
            return;
        }
        err_t e;
        bool found;
        if (i)
            buf_puts(&b, ",");
        if (readmodel_doc(sku, qty, channel, today, &b, &found, &e)) {
            buf_free(&b);
            json_decref(body);
            http_fail(out, &e);
            return;
        }
    }
    json_decref(body);
    buf_puts(&b, "]}");
    if (b.oom) {
        buf_free(&b);
        http_error(out, 500, "INTERNAL", "out of memory", NULL);
        return;
    }
    out->status = 200;
    out->content_type = "application/json; charset=utf-8";
    out->body = b.p;
    out->len = b.len;
    
}

static json_t *summary_row(const struct sku_entry *se, const struct item *it)
{
    int64_t onhand = 0, intransit = 0, reserved = 0, allocated = 0;
    bool oversold = false;
    for (size_t i = 0; i < it->positions.n; i++) {
        const struct position *p = &it->positions.v[i];
        if (p->stock_type == STOCK_ONHAND)
            onhand += p->quantity;
        else
            intransit += p->quantity;
        reserved += p->reserved;
        allocated += p->allocated;
        oversold |= position_oversold(p);
    }
    json_t *row = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:b, s:o}", "sku", se->sku, "name", se->name,
        "onhand", (json_int_t)onhand, "intransit", (json_int_t)intransit, "allocated",
        (json_int_t)allocated, "available", (json_int_t)it->avail.available_total, "status",
        promise_status_name(it->avail.status), "oversold", oversold, "positions",
        view_positions(it));
    json_object_set_new(row, "reserved", json_integer(reserved));
    json_object_set_new(row, "lowStock", json_boolean(it->avail.low_stock));
    json_object_set_new(row, "limits", view_item_limits(it));
    /* Only SKUs with a product are for sale (SPEC 5.3); a product always has a name. */
    json_object_set_new(row, "forSale", json_boolean(se->name[0] != '\0'));
    return row;
}

/* Counting every match of a search over 1M SKUs would cost a scan per page; past this many
 * the overview says "more than". */
#define LIST_COUNT_CAP 10000

/* A search term: at most STORE_QUERY_MAX bytes; NULL when absent or empty. */
static int parse_q(struct http_req *r, const char **q, err_t *e)
{
    *q = http_query(r, "q");
    if (*q && strlen(*q) > STORE_QUERY_MAX)
        return err_set(e, ERR_INVALID, "q must be at most %d characters", STORE_QUERY_MAX);
    if (*q && !**q)
        *q = NULL;
    return 0;
}

void h_inventory_list(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    const char *q;
    if (parse_q(r, &q, &e) || http_settings(r, &s, &e)) {
        http_fail(out, &e);
        return;
    }
    size_t limit = http_limit(r, 50, 500), count;
    struct sku_entry *skus;
    size_t n;
    /* One row more than the page tells whether another page follows. */
    if (inventory_page(r->st, http_query(r, "cursor"), limit + 1, q, &skus, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    bool more = n > limit;
    if (more)
        n = limit;
    if (inventory_count(r->st, q, LIST_COUNT_CAP, &count, &e)) {
        free(skus);
        http_fail(out, &e);
        return;
    }
    date_t today = date_today();
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct item it;
        if (view_item_load(r->st, skus[i].sku, 0, &s, today, &it, &e)) {
            free(skus);
            json_decref(items);
            http_fail(out, &e);
            return;
        }
        json_array_append_new(items, summary_row(&skus[i], &it));
        view_item_free(&it);
    }
    json_t *next = more ? json_string(skus[n - 1].sku) : json_null();
    free(skus);
    http_json(out, 200,
              json_pack("{s:o, s:o, s:I, s:b}", "items", items, "nextCursor", next, "total",
                        (json_int_t)(count > LIST_COUNT_CAP ? LIST_COUNT_CAP : count),
                        "totalExact", count <= LIST_COUNT_CAP));
}

/* The receipts form's search: transit positions by SKU or transitRef prefix, a few at a
 * time, never the whole list. */
void h_transit_positions_list(struct http_req *r, struct http_resp *out)
{
    err_t e;
    const char *q;
    if (parse_q(r, &q, &e)) {
        http_fail(out, &e);
        return;
    }
    size_t limit = http_limit(r, 20, 100);
    struct position_list l = {0};
    if (transit_search(r->st, q ? q : "", limit + 1, &l, &e)) {
        position_list_free(&l);
        http_fail(out, &e);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < l.n && i < limit; i++) {
        const struct position *p = &l.v[i];
        json_array_append_new(
            items, json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I}", "sku", p->sku,
                             "locationId", p->location_id, "transitRef", p->transit_ref,
                             "transitOrderDate", view_date(p->order_date), "transitStockDate",
                             view_date(p->stock_date), "quantity", (json_int_t)p->quantity,
                             "reservedQuantity", (json_int_t)p->reserved, "allocatedQuantity",
                             (json_int_t)p->allocated));
    }
    bool more = l.n > limit;
    position_list_free(&l);
    http_json(out, 200, json_pack("{s:o, s:b}", "items", items, "more", more));
}

void h_inventory_template(struct http_req *r, struct http_resp *out)
{
    (void)r;
    snprintf(out->header_name, sizeof out->header_name, "Content-Disposition");
    snprintf(out->header_value, sizeof out->header_value,
             "attachment; filename=\"inventory-template.csv\"");
    http_bytes(out, 200, "text/csv; charset=utf-8", importrow_template,
               strlen(importrow_template));
}

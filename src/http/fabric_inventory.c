/* fabric's inventory endpoints (SPEC 9, docs/fabric.md): fabric's names and shapes over
 * sellahead's own paths. Bulk insert is 5.2's bulk job; "Get inventories" is the read model
 * and promise of 5.1; the location and find lists read the store's positions. No figure is
 * computed here that those do not compute: this file only renames and regroups. */
#include <stdlib.h>
#include <string.h>

#include "app/lists.h"
#include "app/locations.h"
#include "app/products.h"
#include "app/readmodel.h"
#include "http/routes.h"
#include "ingest/import.h"
#include "view/view.h"

#define ITEMS_MAX 500 /* as POST /v1/inventory/query */
#define QUANTITY_MAX 2147483647

/* A position's channel as fabric shows it (SPEC 9): null for none. */
static json_t *channel_json(const struct position *p)
{
    return p->channel_id ? json_integer(p->channel_id) : json_null();
}

#define SCAN_SKUS 500 /* SKUs per store page while listing */

/* --- v1 bulk insert --- */

/* "line 2: sku: <message>", the job's errors as fabric's messages. An error without a
 * column is about a field that is none (its name is the value: "line 2: colour: unknown
 * field ...") or about the record as a whole ("line 4: record: ..."). */
static json_t *job_messages(const struct import_job *job)
{
    json_t *msgs = json_array();
    for (size_t i = 0; i < job->nerrors; i++) {
        const struct import_error *ie = &job->errors[i];
        const char *field = import_column_name(job->source, ie->col);
        if (!field)
            field = ie->has_value ? ie->value : "record";
        char m[sizeof ie->message + sizeof ie->value + 64];
        snprintf(m, sizeof m, "line %lld: %s: %s", (long long)ie->line, field, ie->message);
        json_array_append_new(msgs, json_string(m));
    }
    return msgs;
}

/* Distinct SKUs named in the records (SPEC 9 totalItems): a record's sku, or the SKU of its
 * itemId's product (the itemId itself when no product has it). */
static size_t distinct_items(struct store *st, json_t *records)
{
    json_t *seen = json_object();
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        const char *sku = json_string_value(json_object_get(rec, "sku"));
        json_t *id = json_object_get(rec, "itemId");
        char key[96], found[ID_MAX + 1];
        err_t e;
        if (!sku && json_is_integer(id) && json_integer_value(id) > 0 &&
            products_sku_of(st, json_integer_value(id), found, &e) == 0)
            sku = found;
        if (sku)
            snprintf(key, sizeof key, "s:%.64s", sku);
        else if (json_is_integer(id))
            snprintf(key, sizeof key, "i:%" JSON_INTEGER_FORMAT, json_integer_value(id));
        else
            continue;
        json_object_set_new(seen, key, json_true());
    }
    size_t n = json_object_size(seen);
    json_decref(seen);
    return n;
}

void h_fabric_bulk_insert(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    struct import_job job = {0};
    if (imports_bulk_run(r, body, out, true, &job) != 1) {
        json_decref(body);
        return;
    }
    bool done = job.status == IMPORT_COMPLETED;
    size_t items = distinct_items(r->st, body);
    json_decref(body);
    /* fabric clients read the job from a 200 whatever its status. */
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:s, s:s}", "_id", job.id, "type",
        "bulk-insert", "status", done ? "COMPLETED" : "FAILED", "totalRows",
        (json_int_t)job.total_rows, "totalRowsErrors", (json_int_t)job.total_errors,
        "totalItems", (json_int_t)items, "totalItemsUploaded", (json_int_t)(done ? items : 0),
        "messages", job_messages(&job), "createdAt", job.created_at, "updatedAt",
        job.finished_at);
    import_job_free(&job);
    http_json(out, 200, doc);
}

/* --- v1 Get inventories --- */

/* One item of fabric's answer from the item's positions and availability (read model) and
 * the 5.1 promise for qty: stockRequest is what that promise takes from each position. */
static json_t *inventories_item(const struct item *it, json_t *item_id, int64_t qty,
                                err_t *e)
{
    const struct position *v = it->positions.v;
    size_t n = it->positions.n;
    struct allocation *al = calloc(n ? n : 1, sizeof *al);
    int64_t *req = calloc(n ? n : 1, sizeof *req);
    if (!al || !req) {
        free(al);
        free(req);
        json_decref(item_id);
        err_set(e, ERR_NOMEM, "out of memory");
        return NULL;
    }
    size_t na = qty > 0 ? promise_allocate(v, n, qty, al, NULL) : 0;
    for (size_t i = 0; i < na; i++)
        req[al[i].pos] += al[i].quantity;
    json_t *stock = json_array(), *transit = json_array();
    int64_t from_stock = 0, from_transit = 0;
    for (size_t i = 0; i < n; i++) {
        const struct position *p = &v[i];
        json_t *row;
        if (p->stock_type == STOCK_ONHAND) {
            row = json_pack("{s:s, s:I, s:I, s:I, s:I, s:o}", "locationId", p->location_id,
                            "quantityReserved", (json_int_t)p->reserved, "quantityAllocated",
                            (json_int_t)p->allocated, "stockRemaining",
                            (json_int_t)position_available(p), "stockRequest",
                            (json_int_t)req[i], "channelId", channel_json(p));
            from_stock += req[i];
            json_array_append_new(stock, row);
        } else {
            row = json_pack("{s:s, s:s, s:I, s:I, s:I, s:o, s:o, s:I, s:I, s:o}", "locationId",
                            p->location_id, "inTransitRef", p->transit_ref, "orderQuantity",
                            (json_int_t)p->quantity, "quantityReserved", (json_int_t)p->reserved,
                            "quantityAllocated", (json_int_t)p->allocated, "orderDate",
                            view_date(p->order_date), "stockDate", view_date(p->stock_date),
                            "stockRemaining", (json_int_t)position_available(p),
                            "stockRequest", (json_int_t)req[i], "channelId", channel_json(p));
            from_transit += req[i];
            json_array_append_new(transit, row);
        }
    }
    free(al);
    free(req);
    const struct availability *a = &it->avail;
    return json_pack("{s:o, s:o, s:I, s:b, s:o, s:I, s:I, s:I, s:I, s:o, s:I, s:o}", "itemId",
                     item_id, "sku", it->sku[0] ? json_string(it->sku) : json_null(),
                     "quantityRequested", (json_int_t)qty, "inStock", a->in_stock, "stockDate",
                     view_date(a->stock_date), "availableStockQuantity",
                     (json_int_t)a->available_stock, "availableTransitQuantity",
                     (json_int_t)a->available_transit, "availableTotal",
                     (json_int_t)a->available_total, "fromStockQuantity",
                     (json_int_t)from_stock, "fromStock", stock, "fromTransitQuantity",
                     (json_int_t)from_transit, "fromTransit", transit);
}

static int items_invalid(struct http_resp *out, size_t i)
{
    char msg[200];
    snprintf(msg, sizeof msg,
             "items[%zu] needs a \"sku\" string or a positive whole \"itemId\", and, if given, "
             "a \"quantity\" from 1 to %d",
             i, QUANTITY_MAX);
    return http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
}

/* Checks one request item; fills its SKU (NULL when named by itemId alone) and quantity. */
static bool item_ok(json_t *entry, const char **sku, json_int_t *qty)
{
    if (!json_is_object(entry))
        return false;
    const char *key;
    json_t *v;
    json_object_foreach(entry, key, v) {
        if (strcmp(key, "sku") && strcmp(key, "itemId") && strcmp(key, "quantity"))
            return false;
    }
    json_t *s = json_object_get(entry, "sku"), *id = json_object_get(entry, "itemId"),
           *q = json_object_get(entry, "quantity");
    *sku = json_string_value(s);
    *qty = q ? json_integer_value(q) : 0;
    if ((s && (!*sku || !**sku)) || (id && !(json_is_integer(id) && json_integer_value(id) > 0)))
        return false;
    if (!s && !id)
        return false;
    return !q || (json_is_integer(q) && *qty >= 1 && *qty <= QUANTITY_MAX);
}

void h_fabric_get_inventories(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    json_t *items = json_object_get(body, "items");
    json_t *channel = json_object_get(body, "channelId");
    size_t known = (items != NULL) + (channel != NULL);
    if (!json_is_array(items) || json_object_size(body) != known) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"items\": [{\"sku\": \"...\" or \"itemId\": 1, "
                   "\"quantity\": 1}], \"channelId\": 1}",
                   NULL);
        return;
    }
    int64_t channel_id = http_channel(r, channel, NULL, out);
    if (channel_id < 0) {
        json_decref(body);
        return;
    }
    if (json_array_size(items) > ITEMS_MAX) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED", "at most 500 items per request", NULL);
        return;
    }
    date_t today = date_today();
    json_t *list = json_array();
    size_t i;
    json_t *entry;
    json_array_foreach(items, i, entry) {
        const char *sku;
        json_int_t qty;
        if (!item_ok(entry, &sku, &qty)) {
            json_decref(list);
            json_decref(body);
            items_invalid(out, i);
            return;
        }
        json_t *id = json_object_get(entry, "itemId");
        err_t e;
        char named[ID_MAX + 1];
        int rc = 0;
        if (id) {
            rc = products_sku_of(r->st, json_integer_value(id), named, &e);
            bool unknown = rc == ERR_NOTFOUND;
            if (sku && (unknown || (!rc && strcmp(sku, named)))) {
                json_decref(list);
                json_decref(body);
                http_error(out, 422, "VALIDATION_FAILED",
                           unknown ? e.msg
                                   : "an item's itemId and sku name different products",
                           json_pack("[{s:I}]", "index", (json_int_t)i));
                return;
            }
            if (!rc)
                sku = named;
            else if (unknown) /* an unknown item: zeros */
                rc = 0;
        }
        struct item it = {.found = false};
        if (!rc && sku)
            rc = readmodel_item(sku, channel_id, today, &it, &e);
        else if (!sku)
            it.avail = (struct availability){.status = STATUS_OUT_OF_STOCK,
                                             .stock_date = DATE_NONE};
        json_t *doc = NULL;
        if (!rc)
            doc = inventories_item(&it,
                                   id              ? json_incref(id)
                                   : it.item_id    ? json_integer(it.item_id)
                                                   : json_null(),
                                   qty, &e);
        view_item_free(&it);
        if (!doc) {
            json_decref(list);
            json_decref(body);
            http_fail(out, &e);
            return;
        }
        json_array_append_new(list, doc);
    }
    json_decref(body);
    http_json(out, 200, list);
}

/* --- lists over positions: v1 by location, v3 find --- */

/* ?limit=&offset= of an offset-paged list: limit absent is 10, else 1..100; offset absent is
 * 0, else a whole number from 0. Refused rather than clamped: a client that pages by
 * offset += the limit it asked would skip rows if it got fewer. */
static int parse_page(struct http_req *r, size_t *limit, size_t *off, err_t *e)
{
    const char *l = http_query(r, "limit"), *o = http_query(r, "offset");
    char *end;
    *limit = 10;
    *off = 0;
    if (l && *l) {
        long long n = strtoll(l, &end, 10);
        if (*end || n < 1 || n > 100 || l[0] < '0' || l[0] > '9')
            return err_set(e, ERR_INVALID, "limit must be a whole number from 1 to 100, not "
                           "\"%.40s\"", l);
        *limit = (size_t)n;
    }
    if (o && *o) {
        long long n = strtoll(o, &end, 10);
        if (*end || n < 0 || o[0] < '0' || o[0] > '9')
            return err_set(e, ERR_INVALID, "offset must be a whole number from 0, not "
                           "\"%.40s\"", o);
        *off = (size_t)n;
    }
    return 0;
}

/* Called with one SKU's positions in allocation order; 0 or an error code (e filled). */
typedef int (*sku_fn)(void *ctx, const struct position *v, size_t n, err_t *e);

/* The product's itemId as JSON: null without a product or an itemId. */
static int item_id_json(struct store *st, const char *sku, json_t **out, err_t *e)
{
    struct product p;
    int rc = products_get(st, sku, &p, e);
    if (rc && rc != ERR_NOTFOUND)
        return rc;
    *out = !rc && p.item_id ? json_integer(p.item_id) : json_null();
    return 0;
}

/* Calls fn with each SKU's positions of l (by SKU), in allocation order. */
static int each_sku(struct position_list *l, sku_fn fn, void *ctx, err_t *e)
{
    int rc = 0;
    for (size_t start = 0, i = 1; i <= l->n && !rc; i++) {
        if (i == l->n || strcmp(l->v[i].sku, l->v[start].sku)) {
            position_sort(l->v + start, i - start);
            rc = fn(ctx, l->v + start, i - start, e);
            start = i;
        }
    }
    return rc;
}

/* Every SKU's positions in SKU order, a store page at a time: the whole table is read,
 * without holding more than one page (find by locationNumbers alone). */
static int scan_skus(struct store *st, sku_fn fn, void *ctx, err_t *e)
{
    char after[ID_MAX + 1] = "";
    for (;;) {
        struct position_list l = {0};
        if (inventory_scan(st, after, SCAN_SKUS, &l, e)) {
            position_list_free(&l);
            return e->code;
        }
        if (!l.n)
            return 0;
        int rc = each_sku(&l, fn, ctx, e);
        snprintf(after, sizeof after, "%s", l.v[l.n - 1].sku);
        position_list_free(&l);
        if (rc)
            return rc;
    }
}

struct page {
    struct store *st;
    size_t offset, limit, count;
    json_t *data;
};

/* Counts a match; true when it falls on the requested page. */
static bool page_take(struct page *pg)
{
    size_t k = pg->count++;
    return k >= pg->offset && k - pg->offset < pg->limit;
}

struct by_location {
    struct page pg;
    const char *loc;
};

/* One SKU's entry at the location: raw quantities, as fabric lists them. */
static int location_sku(void *ctx, const struct position *v, size_t n, err_t *e)
{
    struct by_location *c = ctx;
    int64_t in_stock = 0;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].location_id, c->loc))
            continue;
        any = true;
        if (v[i].stock_type == STOCK_ONHAND)
            in_stock += v[i].quantity;
    }
    json_t *item_id;
    if (!any || !page_take(&c->pg))
        return 0;
    int rc = item_id_json(c->pg.st, v[0].sku, &item_id, e);
    if (rc)
        return rc;
    json_t *transit = json_array(), *channel = json_array();
    for (size_t i = 0; i < n; i++) {
        const struct position *p = &v[i];
        if (strcmp(p->location_id, c->loc))
            continue;
        /* One entry per onhand position: its channel (null: it serves every channel). */
        if (p->stock_type == STOCK_ONHAND) {
            json_array_append_new(channel,
                                  json_pack("{s:o, s:I}", "channelId", channel_json(p),
                                            "quantityReserved", (json_int_t)p->reserved));
            continue;
        }
        json_array_append_new(
            transit, json_pack("{s:s, s:I, s:I, s:o, s:o}", "inTransitRef", p->transit_ref,
                               "orderQuantity", (json_int_t)p->quantity, "quantityReserved",
                               (json_int_t)p->reserved, "orderDate", view_date(p->order_date),
                               "stockDate", view_date(p->stock_date)));
    }
    json_t *row = json_pack("{s:o, s:s, s:s, s:I, s:o, s:o}", "itemId", item_id, "sku", v[0].sku,
                            "location", c->loc, "inStock", (json_int_t)in_stock,
                            "inTransit", transit,
                            "channel", channel);
    if (!row || json_array_append_new(c->pg.data, row))
        return err_set(e, ERR_NOMEM, "out of memory");
    return 0;
}

static bool location_exists(struct store *st, const char *id, bool *found, err_t *e)
{
    struct location *v;
    size_t n;
    if (locations_list(st, &v, &n, e))
        return false;
    *found = false;
    for (size_t i = 0; i < n && !*found; i++)
        *found = !strcmp(v[i].id, id);
    free(v);
    return true;
}

void h_fabric_location_inventory(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct by_location c = {.pg.st = r->st, .loc = r->params[0]};
    bool found;
    if (parse_page(r, &c.pg.limit, &c.pg.offset, &e) ||
        !location_exists(r->st, c.loc, &found, &e)) {
        http_fail(out, &e);
        return;
    }
    if (!found) {
        http_error(out, 404, "LOCATION_NOT_FOUND", "no location with this locationId",
                   NULL);
        return;
    }
    /* The store counts the location's SKUs and reads the page's alone. */
    struct position_list l = {0};
    int64_t count, before;
    size_t offset = c.pg.offset;
    c.pg.data = json_array();
    c.pg.offset = 0; /* every SKU of the store's page is on this page */
    int rc = inventory_offset_page(r->st, c.loc, offset, c.pg.limit, &l, &count, &before, &e);
    if (!rc)
        rc = each_sku(&l, location_sku, &c, &e);
    position_list_free(&l);
    if (rc) {
        json_decref(c.pg.data);
        http_fail(out, &e);
        return;
    }
    http_json(out, 200,
              json_pack("{s:{s:I, s:I, s:I}, s:o}", "query", "limit",
                        (json_int_t)c.pg.limit, "offset", (json_int_t)offset,
                        "count", (json_int_t)count, "inventories", c.pg.data));
}

struct find {
    struct page pg;
    json_t *locations; /* locationNumbers as a set of strings, or NULL for all */
};

static const char *fabric_type(const struct position *p)
{
    if (p->stock_type == STOCK_ONHAND)
        return "ONHAND";
    return position_is_preorder(p) ? "PREORDER" : "BACKORDER";
}

/* One row per position (fabric's inventory record). Stamps are not stored yet: null. */
static int find_sku(void *ctx, const struct position *v, size_t n, err_t *e)
{
    struct find *c = ctx;
    json_t *item_id = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct position *p = &v[i];
        if (c->locations && !json_object_get(c->locations, p->location_id))
            continue;
        if (!page_take(&c->pg))
            continue;
        int rc = item_id ? 0 : item_id_json(c->pg.st, p->sku, &item_id, e);
        if (rc)
            return rc;
        char id[3 * ID_MAX + 32], channel[24] = "";
        if (p->channel_id) /* the channel is part of the key */
            snprintf(channel, sizeof channel, ":c%lld", (long long)p->channel_id);
        if (p->stock_type == STOCK_ONHAND)
            snprintf(id, sizeof id, "%s:%s%s", p->sku, p->location_id, channel);
        else
            snprintf(id, sizeof id, "%s:%s:%s%s", p->sku, p->location_id, p->transit_ref,
                     channel);
        bool pre = p->stock_type == STOCK_INTRANSIT && position_is_preorder(p);
        json_t *row = json_pack(
            "{s:s, s:s, s:O, s:s, s:o, s:s, s:o, s:o, s:n, s:n, s:n, s:n, s:n, "
            "s:{s:I, s:I, s:I, s:I}, s:n, s:n}",
            "inventoryId", id, "sku", p->sku, "itemId", item_id, "locationNumber",
            p->location_id,
            "channelId", channel_json(p), "type", fabric_type(p), "transitRef",
            p->stock_type == STOCK_ONHAND ? json_null() : json_string(p->transit_ref),
            "preorderShipmentAt", pre ? view_date(p->stock_date) : json_null(),
            "backorderShipmentAt", "safetyStock", "preorderLimit", "backorderLimit",
            "lowStock", "counters", "quantity", (json_int_t)p->quantity, "reserved",
            (json_int_t)p->reserved, "allocated", (json_int_t)p->allocated, "available",
            (json_int_t)position_available(p), "createdAt", "updatedAt");
        json_t *lim = row ? view_limits(&p->lim) : NULL; /* SPEC 9: the (sku, location)'s */
        if (lim)
            json_object_update(row, lim);
        json_decref(lim);
        if (!row || json_array_append_new(c->pg.data, row)) {
            json_decref(item_id);
            return err_set(e, ERR_NOMEM, "out of memory");
        }
    }
    json_decref(item_id);
    return 0;
}

/* An optional list: absent or an array whose every element passes ok. */
static bool list_ok(json_t *v, bool (*ok)(json_t *))
{
    if (!v)
        return true;
    if (!json_is_array(v))
        return false;
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x) {
        if (!ok(x))
            return false;
    }
    return true;
}

static bool is_sku(json_t *x)
{
    return json_is_string(x) && json_string_length(x) >= 1 && json_string_length(x) <= ID_MAX;
}

static bool is_item_id(json_t *x)
{
    return json_is_integer(x) && json_integer_value(x) > 0;
}

static bool is_location(json_t *x)
{
    return is_sku(x) || (json_is_integer(x) && json_integer_value(x) >= 0);
}

/* One named SKU's rows, once (seen): through the same per-SKU rows as the scan. */
static int find_one(struct store *st, const char *sku, json_t *seen, struct find *c, err_t *e)
{
    if (json_object_get(seen, sku))
        return 0;
    json_object_set_new(seen, sku, json_true());
    struct position_list l = {0};
    int rc = inventory_positions(st, sku, &l, e);
    if (!rc) {
        position_sort(l.v, l.n);
        rc = find_sku(c, l.v, l.n, e);
    }
    position_list_free(&l);
    return rc;
}

/* The items named by skus, then by itemIds (an unknown itemId names nothing), each once. */
static int find_named(struct store *st, json_t *skus, json_t *ids, struct find *c, err_t *e)
{
    json_t *seen = json_object();
    size_t i;
    json_t *x;
    int rc = 0;
    json_array_foreach(skus, i, x) {
        if ((rc = find_one(st, json_string_value(x), seen, c, e)))
            break;
    }
    json_array_foreach(ids, i, x) {
        char sku[ID_MAX + 1];
        if (rc)
            break;
        rc = products_sku_of(st, json_integer_value(x), sku, e);
        if (!rc)
            rc = find_one(st, sku, seen, c, e);
        else if (rc == ERR_NOTFOUND)
            rc = 0;
    }
    json_decref(seen);
    return rc;
}

/* Every position, the page's read alone: the store counts them and finds the SKU holding the
 * offset-th; page_take skips that SKU's positions before it. */
static int find_all(struct store *st, struct find *c, err_t *e)
{
    struct position_list l = {0};
    int64_t count, before;
    int rc = inventory_offset_page(st, NULL, c->pg.offset, c->pg.limit, &l, &count, &before, e);
    c->pg.count = (size_t)before;
    if (!rc)
        rc = each_sku(&l, find_sku, c, e);
    position_list_free(&l);
    c->pg.count = (size_t)count;
    return rc;
}

void h_fabric_find(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct find c = {.pg.st = r->st};
    if (parse_page(r, &c.pg.limit, &c.pg.offset, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    json_t *skus = json_object_get(body, "skus"), *ids = json_object_get(body, "itemIds"),
           *locs = json_object_get(body, "locationNumbers");
    size_t known = (skus != NULL) + (ids != NULL) + (locs != NULL);
    if (!json_is_object(body) || json_object_size(body) != known || !list_ok(skus, is_sku) ||
        !list_ok(ids, is_item_id) || !list_ok(locs, is_location)) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"skus\": [\"...\"], \"itemIds\": [1], "
                   "\"locationNumbers\": [\"...\" or 1]}, each list optional",
                   NULL);
        return;
    }
    if (locs) {
        c.locations = json_object();
        size_t i;
        json_t *x;
        json_array_foreach(locs, i, x) {
            char num[24];
            if (json_is_integer(x))
                snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
            json_object_set_new(c.locations, json_is_integer(x) ? num : json_string_value(x),
                                json_true());
        }
    }
    c.pg.data = json_array();
    int rc;
    /* Items named by sku or itemId: only those; otherwise every SKU. */
    if (skus || ids)
        rc = find_named(r->st, skus, ids, &c, &e);
    else if (locs)
        rc = scan_skus(r->st, find_sku, &c, &e);
    else
        rc = find_all(r->st, &c, &e);
    json_decref(body);
    json_decref(c.locations);
    if (rc) {
        json_decref(c.pg.data);
        http_fail(out, &e);
        return;
    }
    http_json(out, 200,
              json_pack("{s:{s:I, s:I, s:I}, s:o}", "pagination", "limit",
                        (json_int_t)c.pg.limit, "offset", (json_int_t)c.pg.offset,
                        "count", (json_int_t)c.pg.count, "data", c.pg.data));
}

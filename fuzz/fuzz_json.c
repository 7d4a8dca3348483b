/* libFuzzer target for the JSON request bodies of every endpoint that takes one. The first
 * byte picks the endpoint, the rest is the body, handed to the real handler over an
 * SQLite store in a temporary file with a little data (a location, products, stock, a cart,
 * an order) and the availability read model the server runs on it (a file, since the read
 * model has a connection of its own); there is no connection, so no headers and no query
 * string. Every answer must carry a status below 500 and, when JSON, parse; the store is
 * made again now and then so it does not grow without end.
 *
 *   make fuzz   (builds build-fuzz/fuzz_json and runs it over fuzz/corpus/json) */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "app/readmodel.h"
#include "http/routes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static char cart_id[64], order_id[64], shipment_id[64];

static const struct endpoint {
    const char *method, *url;
    http_handler handler;
    const char *param0, *param1; /* a '$' names one of the ids above */
} endpoints[] = {
    {"POST", "/v1/inventory/query", h_inventory_query, NULL, NULL},
    {"POST", "/v1/inventory/bulk", h_imports_bulk, NULL, NULL},
    {"POST", "/v1/inventory/receipts", h_receipts_create, NULL, NULL},
    {"POST", "/v1/locations", h_locations_create, NULL, NULL},
    {"POST", "/v1/products", h_products_upsert, NULL, NULL},
    {"POST", "/v1/carts/$cart/items", h_carts_add, "$cart", NULL},
    {"PUT", "/v1/carts/$cart/items/MUG3", h_carts_set, "$cart", "MUG3"},
    {"POST", "/v1/orders", h_orders_create, NULL, NULL},
    {"POST", "/v1/orders/$order/cancel", h_orders_cancel, "$order", NULL},
    {"POST", "/v1/shipments/$shipment/ship", h_shipments_ship, "$shipment", NULL},
    {"POST", "/v1/session", h_session_create, NULL, NULL},
    {"PUT", "/v1/settings", h_settings_put, NULL, NULL},
};
#define NENDPOINTS (sizeof endpoints / sizeof endpoints[0])

static struct store *st;
static struct http_config cfg = {.db_url = ":memory:", .host = "127.0.0.1", .threads = 1};

static const char *param(const char *p)
{
    if (!p || p[0] != '$')
        return p;
    return !strcmp(p, "$cart") ? cart_id : !strcmp(p, "$order") ? order_id : shipment_id;
}

static void call(const struct endpoint *ep, const char *body, size_t len, struct http_resp *out)
{
    struct http_req r = {.method = ep->method, .url = ep->url, .st = st, .cfg = &cfg};
    const char *p[2] = {param(ep->param0), param(ep->param1)};
    for (size_t i = 0; i < 2 && p[i]; i++)
        CHECK((r.params[r.nparams++] = strdup(p[i])));
    r.body = malloc(len + 1);
    CHECK(r.body);
    memcpy(r.body, body, len);
    r.body[len] = '\0';
    r.body_len = len;
    memset(out, 0, sizeof *out);
    ep->handler(&r, out);
    if (!out->status && r.slow_fn) {
        /* A login hands its password check over; the second pass is run here as if the
         * check had failed (its result starts false), without the costly hashing. */
        r.slow_done = true;
        ep->handler(&r, out);
    }
    /* A placement steps through its provider call as the server runs it: the call after
     * the commit, then the handler again (http_run, src/http/router.c). */
    while (!out->status && out->after_commit) {
        void (*after)(struct http_req *) = out->after_commit;
        out->after_commit = NULL;
        store_rollback(st);
        after(&r);
        ep->handler(&r, out);
    }
    store_rollback(st); /* as the server does after every handler */
    if (r.job_free)
        r.job_free(r.job);
    for (size_t i = 0; i < r.nparams; i++)
        free(r.params[i]);
    free(r.body);
    free(r.slow_arg); /* a login's password check is not run here */
}

/* Calls an endpoint with a fixed body; copies "key" of the answer (or of its first
 * shipment) into id. */
static void seed(size_t ep, const char *body, const char *key, char *id, size_t cap)
{
    struct http_resp out;
    call(&endpoints[ep], body, strlen(body), &out);
    CHECK(out.status >= 200 && out.status < 300);
    if (key) {
        json_t *doc = json_loadb(out.body, out.len, 0, NULL);
        json_t *from = !strcmp(key, "shipment")
                           ? json_array_get(json_object_get(doc, "shipments"), 0)
                           : doc;
        const char *v = json_string_value(json_object_get(from, "id"));
        CHECK(v);
        snprintf(id, cap, "%s", v);
        json_decref(doc);
    }
    free(out.body);
}

static char db_path[64];

static void remove_db(void)
{
    static const char *const ends[] = {"", "-wal", "-shm"};
    for (size_t i = 0; db_path[0] && i < 3; i++) {
        char f[80];
        snprintf(f, sizeof f, "%s%s", db_path, ends[i]);
        unlink(f);
    }
}

static void reset(void)
{
    err_t e;
    if (st) {
        readmodel_stop();
        st->ops->close(st);
        remove_db();
    } else {
        snprintf(db_path, sizeof db_path, "/tmp/sellahead-fuzz-json-%ld.db", (long)getpid());
        atexit(remove_db);
    }
    CHECK(store_open(db_path, &st, &e) == 0);
    CHECK(readmodel_start(db_path, &e) == 0);
    seed(3, "{\"locationId\": \"WH1\", \"name\": \"Main\"}", NULL, NULL, 0);
    seed(4, "[{\"sku\": \"MUG3\", \"name\": \"Mug\", \"price\": 1200, \"currency\": \"USD\"}]",
         NULL, NULL, 0);
    seed(1,
         "[{\"sku\": \"MUG3\", \"locationId\": \"WH1\", \"type\": \"Stock\", "
         "\"totalQuantity\": 1000000}]",
         NULL, NULL, 0);
    struct http_resp out = {0};
    struct http_req r = {.method = "POST", .url = "/v1/carts", .st = st, .cfg = &cfg};
    h_carts_create(&r, &out);
    json_t *doc = json_loadb(out.body, out.len, 0, NULL);
    snprintf(cart_id, sizeof cart_id, "%s", json_string_value(json_object_get(doc, "id")));
    json_decref(doc);
    free(out.body);
    static const char order[] =
        "{\"items\": [{\"sku\": \"MUG3\", \"quantity\": 1}], \"email\": \"a@example.com\", "
        "\"shippingAddress\": {\"name\": \"A\", \"line1\": \"1 Road\", \"city\": \"Town\", "
        "\"postalCode\": \"12345\", \"country\": \"US\"}, \"payment\": {\"token\": \"tok_visa\"}}";
    seed(7, order, "id", order_id, sizeof order_id);
    seed(7, order, "shipment", shipment_id, sizeof shipment_id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned long runs;
    if (!st || ++runs % 20000 == 0)
        reset();
    if (size < 1)
        return 0;
    const struct endpoint *ep = &endpoints[data[0] % NENDPOINTS];
    struct http_resp out;
    call(ep, (const char *)data + 1, size - 1, &out);
    if (out.status >= 500)
        fprintf(stderr, "%s %s -> %u %.*s\n", ep->method, ep->url, out.status, (int)out.len,
                out.body);
    CHECK(out.status >= 200 && out.status < 500);
    if (out.content_type && !strncmp(out.content_type, "application/json", 16)) {
        json_t *doc = json_loadb(out.body, out.len, 0, NULL);
        CHECK(doc);
        json_decref(doc);
    }
    free(out.body);
    return 0;
}

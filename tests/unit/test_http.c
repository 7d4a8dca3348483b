/* Handlers in-process (http_loopback): routing, what the headers decide, body parsing and
 * real handlers on a temporary SQLite store, checked by status and JSON body, no socket. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "app/readmodel.h"
#include "app/users.h"
#include "http/http.h"

struct fx {
    char dir[64], path[128];
    struct store *st;
    struct http_config cfg;
    char key[APIKEY_MAX];
    char auth[APIKEY_MAX + 16];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/sellahead-http-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/test.db", f->dir);
    err_t e = {0};
    assert_int_equal(store_open(f->path, &f->st, &e), 0);
    assert_int_equal(keys_create(f->st, "test", f->key, &e), 0);
    snprintf(f->auth, sizeof f->auth, "Bearer %s", f->key);
    f->cfg = (struct http_config){.db_url = f->path, .host = "127.0.0.1", .threads = 1};
    assert_int_equal(readmodel_start(f->path, &e), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    readmodel_stop();
    store_close(f->st);
    char p[160];
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Runs one request; returns its JSON body (caller decrefs) and checks its status. */
static json_t *run(struct fx *f, const char *method, const char *target, bool key,
                   const char *body, unsigned status)
{
    const char *with_key[] = {"Authorization", f->auth, "Content-Type", "application/json",
                              NULL};
    const char *plain[] = {"Content-Type", "application/json", NULL};
    struct http_loopback req = {method, target, key ? with_key : plain, body,
                                body ? strlen(body) : 0};
    struct http_resp out;
    assert_int_equal(http_loopback(f->st, &f->cfg, &req, &out), 0);
    json_error_t je;
    json_t *doc = json_loadb(out.body, out.len, 0, &je);
    if (out.status != status)
        fail_msg("%s %s: status %u, want %u: %.*s", method, target, out.status, status,
                 (int)out.len, out.body);
    assert_non_null(doc);
    free(out.body);
    return doc;
}

static const char *error_code(json_t *doc)
{
    return json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
}

static void test_routing(void **state)
{
    struct fx *f = *state;
    json_t *doc = run(f, "GET", "/v1/nothing-here", false, NULL, 404);
    assert_string_equal(error_code(doc), "NOT_FOUND");
    json_decref(doc);
    doc = run(f, "DELETE", "/v1/locations", true, NULL, 405);
    assert_string_equal(error_code(doc), "METHOD_NOT_ALLOWED");
    json_decref(doc);
}

static void test_key_required(void **state)
{
    struct fx *f = *state;
    json_t *doc = run(f, "POST", "/v1/locations", false,
                      "{\"locationId\": \"WH1\", \"name\": \"Main\"}", 401);
    assert_string_equal(error_code(doc), "UNAUTHORIZED");
    json_decref(doc);
    /* nothing was written */
    doc = run(f, "GET", "/v1/locations", false, NULL, 200);
    assert_int_equal(json_array_size(json_object_get(doc, "items")), 0);
    json_decref(doc);
}

static void test_bad_input(void **state)
{
    struct fx *f = *state;
    json_t *doc = run(f, "POST", "/v1/locations", true, "{\"locationId\": \"WH 1\"}", 422);
    assert_string_equal(error_code(doc), "VALIDATION_FAILED");
    json_decref(doc);
    doc = run(f, "PUT", "/v1/settings", true, "{\"inStockMinDays\": -1}", 422);
    assert_string_equal(error_code(doc), "VALIDATION_FAILED");
    json_t *d = json_array_get(json_object_get(json_object_get(doc, "error"), "details"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "field")), "inStockMinDays");
    json_decref(doc);
    doc = run(f, "POST", "/v1/locations", true, "{\"locationId\": ", 400);
    assert_string_equal(error_code(doc), "MALFORMED_JSON");
    json_decref(doc);
}

static void test_inventory_get(void **state)
{
    struct fx *f = *state;
    json_decref(run(f, "POST", "/v1/locations", true,
                    "{\"locationId\": \"WH1\", \"name\": \"Main warehouse\"}", 201));
    json_decref(run(f, "POST", "/v1/inventory/bulk", true,
                    "[{\"sku\": \"MUG3\", \"locationId\": \"WH1\", \"stockType\": \"onhand\", "
                    "\"quantity\": 40, \"reservedQuantity\": 5}]",
                    201));
    json_t *doc = run(f, "GET", "/v1/inventory/MUG3", false, NULL, 200);
    assert_string_equal(json_string_value(json_object_get(doc, "sku")), "MUG3");
    assert_string_equal(json_string_value(json_object_get(doc, "status")), "IN_STOCK");
    /* 40 on hand, 5 of them reserved */
    assert_int_equal(json_integer_value(json_object_get(doc, "availableStockQuantity")), 35);
    json_decref(doc);
    doc = run(f, "GET", "/v1/inventory/NOPE9", false, NULL, 404);
    assert_string_equal(error_code(doc), "SKU_NOT_FOUND");
    json_decref(doc);
    doc = run(f, "GET", "/v1/inventory/MUG3?quantity=zero", false, NULL, 422);
    assert_string_equal(error_code(doc), "VALIDATION_FAILED");
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_routing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_required, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inventory_get, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

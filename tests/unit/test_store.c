/* struct store_ops as a contract: every test here runs once per backend, as the cmocka
 * groups "sqlite" (a file in a temporary directory, always) and "postgres" (a database of
 * its own on the server SELLAHEAD_TEST_PG_URL names, skipped without it), e.g.
 *   URL=$(scripts/pg-test start $(mktemp -d))
 *   SELLAHEAD_TEST_PG_URL=$URL build/tests/test_store
 * What only one backend shows lives in test_sqlite.c and test_store_pg.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"

#include "store_test.h"

/* A group's backend. cmocka hands a group's state to no test, so setup finds it in cur. */
struct backend {
    const char *name;                       /* what store_open's ops->name must say */
    void (*reset)(const struct backend *b); /* empties the database before each test */
    char url[2048];
    char dir[64];      /* sqlite */
    char server[1024]; /* postgres: SELLAHEAD_TEST_PG_URL */
    char db[64];       /* postgres: this run's database */
};

static struct backend *cur;

/* --- sqlite: one file, removed with its companions before each test --- */

static void sqlite_remove(const struct backend *b) { sqlite_remove_files(b->url); }

static int sqlite_group_setup(void **state)
{
    static struct backend b = {.name = "sqlite", .reset = sqlite_remove};
    *state = &b; /* before anything can fail: cmocka runs the teardown even then */
    snprintf(b.dir, sizeof b.dir, "/tmp/sellahead-test-XXXXXX");
    if (!mkdtemp(b.dir))
        return -1;
    snprintf(b.url, sizeof b.url, "%s/test.db", b.dir);
    cur = &b;
    return 0;
}

static int sqlite_group_teardown(void **state)
{
    struct backend *b = *state;
    if (b->url[0]) { /* created */
        sqlite_remove(b);
        rmdir(b->dir);
    }
    return 0;
}

/* --- postgres: a database created for the group, its schema emptied before each test --- */

static void pg_reset(const struct backend *b) { pg_reset_schema(b->url); }

static int pg_group_setup(void **state)
{
    static struct backend b = {.name = "postgres", .reset = pg_reset};
    *state = &b; /* before anything can fail: cmocka runs the teardown even then */
    snprintf(b.server, sizeof b.server, "%s", getenv("SELLAHEAD_TEST_PG_URL"));
    snprintf(b.db, sizeof b.db, "sellahead_store_%ld", (long)getpid());
    pg_create_db(b.server, b.db, b.url, sizeof b.url);
    cur = &b;
    return 0;
}

static int pg_group_teardown(void **state)
{
    struct backend *b = *state;
    if (b->url[0]) /* created */
        pg_drop_db(b->server, b->db);
    return 0;
}

/* --- each test: an empty database with location WH1 --- */

static int setup(void **state)
{
    cur->reset(cur);
    *state = fixture_new(cur->url, cur->name);
    return 0;
}

/* Collects the lines an import run reports as duplicates; a line reported twice fails. */
struct dups {
    int64_t lines[8];
    size_t n;
};

static void note_duplicate(void *ctx, int64_t line, const struct position *p)
{
    struct dups *d = ctx;
    for (size_t i = 0; i < d->n; i++)
        if (d->lines[i] == line)
            fail_msg("line %lld reported twice: %s", (long long)line, p->sku);
    assert_true(d->n < 8);
    d->lines[d->n++] = line;
}

/* Imports rows[i] at line i + 1 of `run` and flushes it, inside the caller's transaction.
 * store.h lets a backend report a duplicate inline (*duplicate: SQLite) or at import_flush
 * (PostgreSQL), so the run's duplicates are the union of both. */
static void import_run(struct fixture *fx, int64_t run, const struct position *rows, size_t n,
                       struct dups *d)
{
    err_t e = {0};
    for (size_t i = 0; i < n; i++) {
        bool dup = false;
        int rc = ops(fx)->position_import(fx->st, &rows[i], run, (int64_t)i + 1, &dup, &e);
        if (rc)
            fail_msg("position_import: %s", e.msg);
        if (dup)
            note_duplicate(d, (int64_t)i + 1, &rows[i]);
    }
    int rc = ops(fx)->import_flush(fx->st, run, note_duplicate, d, &e);
    if (rc)
        fail_msg("import_flush: %s", e.msg);
}

/* --- reopening --- */

static void test_reopen_keeps_data(void **state)
{
    struct fixture *fx = *state;
    ops(fx)->close(fx->st);
    fx->st = open_url(fx->url); /* a second open changes nothing */
    struct location l = {.id = "WH1", .name = "again"};
    err_t e = {0};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "location WH1 already exists");
    struct location *v = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->location_list(fx->st, &v, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "Main warehouse");
    free(v);
}

/* An order with two lines and two shipments (onhand, then the PO1 pre-order); the record
 * points into this struct, so it is never passed to order_rec_free. */
struct order_fx {
    struct order_rec o;
    struct order_line lines[2];
    struct shipment_rec sh[2];
    struct shipment_item items[2][2];
};

static void make_order(struct fixture *fx, struct order_fx *f, const char *tag)
{
    memset(f, 0, sizeof *f);
    struct order_rec *o = &f->o;
    err_t e = {0};
    snprintf(o->id, sizeof o->id, "ord_%s", tag);
    assert_int_equal(ops(fx)->order_next_number(fx->st, &o->number, &e), 0);
    snprintf(o->access_token, sizeof o->access_token, "tok%s", tag);
    o->status = ORDER_PLACED;
    snprintf(o->email, sizeof o->email, "%s@example.com", tag);
    snprintf(o->currency, sizeof o->currency, "USD");
    o->total = 9000;
    snprintf(o->address.name, sizeof o->address.name, "Ada %s", tag);
    snprintf(o->address.line1, sizeof o->address.line1, "1 Main St");
    snprintf(o->address.city, sizeof o->address.city, "Springfield");
    snprintf(o->address.postal_code, sizeof o->address.postal_code, "12345");
    snprintf(o->address.country, sizeof o->address.country, "US");
    snprintf(o->created_at, sizeof o->created_at, "2026-11-27T10:00:00Z");

    f->lines[0] = (struct order_line){.sku = "TSHIRT1", .name = "T-shirt", .quantity = 3,
                                      .unit_price = 2000, .amount = 6000};
    f->lines[1] = (struct order_line){.sku = "HOODIE2", .name = "Hoodie", .quantity = 1,
                                      .unit_price = 3000, .amount = 3000};
    o->lines = f->lines;
    o->nlines = 2;

    struct shipment_rec *a = &f->sh[0], *b = &f->sh[1];
    snprintf(a->id, sizeof a->id, "shp_%s1", tag);
    a->status = SHIP_READY;
    a->stock_type = STOCK_ONHAND;
    snprintf(a->location_id, sizeof a->location_id, "WH1");
    a->stock_date = DATE_NONE;
    a->expected.from = date_from_ymd(2026, 11, 28);
    a->expected.to = date_from_ymd(2026, 12, 2);
    snprintf(a->expected.message, sizeof a->expected.message, "In stock");
    a->amount = 5000;
    f->items[0][0] = (struct shipment_item){.sku = "TSHIRT1", .quantity = 2};
    f->items[0][1] = (struct shipment_item){.sku = "HOODIE2", .quantity = 1};
    a->items = f->items[0];
    a->nitems = 2;

    snprintf(b->id, sizeof b->id, "shp_%s2", tag);
    b->status = SHIP_AWAITING_STOCK;
    b->stock_type = STOCK_INTRANSIT;
    snprintf(b->location_id, sizeof b->location_id, "WH1");
    snprintf(b->transit_ref, sizeof b->transit_ref, "PO1");
    b->stock_date = date_from_ymd(2026, 12, 15);
    b->expected.from = date_from_ymd(2026, 12, 17);
    b->expected.to = date_from_ymd(2026, 12, 20);
    snprintf(b->expected.message, sizeof b->expected.message, "Backorder");
    b->amount = 4000;
    f->items[1][0] = (struct shipment_item){.sku = "TSHIRT1", .quantity = 1};
    b->items = f->items[1];
    b->nitems = 1;
    o->shipments = f->sh;
    o->nshipments = 2;

    snprintf(o->payment.provider, sizeof o->payment.provider, "test");
    snprintf(o->payment.ref, sizeof o->payment.ref, "auth_%s", tag);
    o->payment.authorized = 9000;
}

/* A payment intent already settled, as the ledger of an order holds it. */
static void add_intent(struct fixture *fx, const char *id, const char *order_id, int kind,
                       int status, int64_t amount)
{
    struct pay_intent in = {.kind = kind, .status = status, .amount = amount,
                            .currency = "USD", .provider = "test", .created = 1};
    snprintf(in.id, sizeof in.id, "%s", id);
    snprintf(in.order_id, sizeof in.order_id, "%s", order_id);
    err_t e = {0};
    int rc = ops(fx)->intent_add(fx->st, &in, &e);
    if (rc)
        fail_msg("intent_add: %s", e.msg);
}

static void insert_order(struct fixture *fx, struct order_fx *f, const char *tag)
{
    err_t e = {0};
    begin(fx);
    make_order(fx, f, tag);
    int rc = ops(fx)->order_insert(fx->st, &f->o, &e);
    if (rc)
        fail_msg("order_insert: %s", e.msg);
    char id[ORDER_ID_MAX];
    snprintf(id, sizeof id, "pi_auth_%s", tag);
    add_intent(fx, id, f->o.id, INTENT_AUTHORIZE, INTENT_SUCCEEDED, f->o.payment.authorized);
    commit(fx);
    /* The shipments' seqs as stored (order_insert need not hand them back). */
    struct order_rec got;
    assert_int_equal(ops(fx)->order_get(fx->st, f->o.id, &got, &e), 0);
    assert_int_equal(got.nshipments, 2);
    for (size_t k = 0; k < 2; k++)
        f->sh[k].seq = got.shipments[k].seq;
    order_rec_free(&got);
}

/* --- positions --- */

static void test_import_and_duplicates(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 25, 2, DATE_NONE);
    put_position(fx, "TSHIRT1", "PO1", 100, 0, date_from_ymd(2026, 12, 15));

    struct position k = key("TSHIRT1", NULL);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 25);
    assert_int_equal(p.reserved, 2);
    assert_int_equal(p.allocated, 0);
    assert_int_equal(p.order_date, DATE_NONE);
    assert_int_equal(p.stock_date, DATE_NONE);
    k = key("TSHIRT1", "PO1");
    p = get_position(fx, &k);
    assert_int_equal(p.quantity, 100);
    assert_int_equal(p.order_date, date_from_ymd(2026, 11, 20));
    assert_int_equal(p.stock_date, date_from_ymd(2026, 12, 15));

    /* A run naming a position twice reports it once, at the later line, whether the
     * backend finds it at once or at import_flush. */
    err_t e = {0};
    struct dups d = {0};
    struct position rows[2] = {key("CAP3", NULL), key("CAP3", NULL)};
    rows[0].quantity = 4;
    begin(fx);
    import_run(fx, 77, rows, 1, &d);
    assert_int_equal(d.n, 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, 77, &e), 0);
    commit(fx);
    begin(fx);
    rows[0].quantity = 5;
    rows[1].quantity = 6;
    import_run(fx, 78, rows, 2, &d);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.lines[0], 2);
    ops(fx)->rollback(fx->st);
    d.n = 0;
    begin(fx);
    rows[0].quantity = 6;
    import_run(fx, 79, rows, 1, &d);
    assert_int_equal(d.n, 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, 79, &e), 0);
    k = key("CAP3", NULL);
    assert_int_equal(get_position(fx, &k).quantity, 6); /* applied inside the transaction */
    ops(fx)->rollback(fx->st); /* all or nothing: a rolled-back import leaves no trace */
    assert_int_equal(get_position(fx, &k).quantity, 4);

    bool exists = false;
    assert_int_equal(ops(fx)->sku_exists(fx->st, "CAP3", &exists, &e), 0);
    assert_true(exists);
    assert_int_equal(ops(fx)->sku_exists(fx->st, "NOPE", &exists, &e), 0);
    assert_false(exists);
}

static void test_allocate_refuses_past_available(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 10, 2, DATE_NONE); /* 8 available */
    struct position k = key("TSHIRT1", NULL);
    err_t e = {0};

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 5, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 4, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "not enough stock of TSHIRT1 at WH1"));
    commit(fx); /* a refused allocation leaves the transaction usable */
    assert_int_equal(get_position(fx, &k).allocated, 5);

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 3, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 1, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 0, &e), ERR_INVALID);
    struct position unknown = key("NOSUCH", NULL);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &unknown, 1, &e), ERR_CONFLICT);
    commit(fx);

    struct position p = get_position(fx, &k);
    assert_int_equal(p.allocated, 8);
    assert_int_equal(p.quantity, 10);
    assert_int_equal(p.reserved, 2);
}

static void test_adjust_creates_onhand_and_refuses_negatives(void **state)
{
    struct fixture *fx = *state;
    struct position k = key("NEW1", NULL);
    err_t e = {0};

    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 7, 3, &e), 0);
    commit(fx);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 7);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(p.allocated, 3);

    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, -8, 0, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "NEW1 at WH1"));
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 0, -4, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, -2, -3, &e), 0);
    commit(fx);
    p = get_position(fx, &k);
    assert_int_equal(p.quantity, 5);
    assert_int_equal(p.allocated, 0);

    /* Never created below zero, and only onhand positions are created. */
    struct position k2 = key("NEW2", NULL), t = key("NEW2", "PO9");
    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k2, -1, 0, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &t, 5, 0, &e), ERR_NOTFOUND);
    commit(fx);
    assert_false(find_position(fx->st, &k2, NULL));
    assert_false(find_position(fx->st, &t, NULL));
}

/* --- catalog pages, settings, keys --- */

static void test_catalog_settings_keys(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct product pr = {.sku = "b1", .name = "Lower", .price = 100, .currency = "USD"};
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    pr = (struct product){.sku = "A2", .name = "Upper Hat", .price = 250, .currency = "USD",
                          .description = "warm", .image_url = "/a.png"};
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    pr.price = 300;
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    put_position(fx, "Z9", NULL, 1, 0, DATE_NONE);

    struct product got;
    assert_int_equal(ops(fx)->product_get(fx->st, "A2", &got, &e), 0);
    assert_int_equal(got.price, 300);
    assert_string_equal(got.description, "warm");
    assert_int_equal(ops(fx)->product_get(fx->st, "nope", &got, &e), ERR_NOTFOUND);
    assert_string_equal(e.msg, "no product with SKU nope");

    /* Bytewise order on both backends: upper case first. */
    struct product *pv = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->product_page(fx->st, NULL, 10, &pv, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(pv[0].sku, "A2");
    assert_string_equal(pv[1].sku, "b1");
    free(pv);
    assert_int_equal(ops(fx)->product_page(fx->st, "A2", 10, &pv, &n, &e), 0);
    assert_int_equal(n, 1);
    free(pv);

    struct sku_entry *sv = NULL;
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, NULL, &sv, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(sv[0].sku, "A2");
    assert_string_equal(sv[0].name, "Upper Hat");
    assert_string_equal(sv[1].sku, "Z9");
    assert_string_equal(sv[1].name, "");
    assert_string_equal(sv[2].sku, "b1");
    free(sv);
    /* Prefixes: of the name in any case, of the SKU as typed or in capitals. */
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, "upper h", &sv, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sv[0].sku, "A2");
    free(sv);
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, "HAT", &sv, &n, &e), 0);
    assert_int_equal(n, 0);
    free(sv);
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, "z", &sv, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sv[0].sku, "Z9");
    free(sv);
    size_t count;
    assert_int_equal(ops(fx)->sku_count(fx->st, NULL, 10, &count, &e), 0);
    assert_int_equal(count, 3);
    assert_int_equal(ops(fx)->sku_count(fx->st, NULL, 1, &count, &e), 0);
    assert_int_equal(count, 2); /* more than the cap of 1 */
    assert_int_equal(ops(fx)->sku_count(fx->st, "b", 10, &count, &e), 0);
    assert_int_equal(count, 1);

    /* Transit positions by SKU or reference prefix, never onhand ones. */
    put_position(fx, "A2", "ZREF1", 5, 0, date_from_ymd(2026, 12, 15));
    put_position(fx, "b1", "PO7", 6, 0, DATE_NONE);
    struct position_list tl = {0};
    assert_int_equal(ops(fx)->transit_search(fx->st, "z", 10, &tl, &e), 0);
    assert_int_equal(tl.n, 1);
    assert_string_equal(tl.v[0].transit_ref, "ZREF1");
    position_list_free(&tl);
    tl = (struct position_list){0};
    assert_int_equal(ops(fx)->transit_search(fx->st, "", 1, &tl, &e), 0);
    assert_int_equal(tl.n, 1);
    assert_string_equal(tl.v[0].sku, "A2");
    position_list_free(&tl);
    assert_int_equal(ops(fx)->sku_page(fx->st, "A2", 1, "", &sv, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sv[0].sku, "Z9");
    free(sv);

    struct settings s;
    assert_int_equal(ops(fx)->settings_get(fx->st, &s, &e), 0);
    s.in_stock_max_days = 9;
    s.nholidays = 2;
    s.holidays[0] = date_from_ymd(2026, 12, 25);
    s.holidays[1] = date_from_ymd(2027, 1, 1);
    s.capture_on = CAPTURE_ORDER;
    snprintf(s.store_name, sizeof s.store_name, "Shop \"quoted\" 'name'; DROP TABLE x");
    assert_int_equal(ops(fx)->settings_put(fx->st, &s, &e), 0);
    struct settings t;
    assert_int_equal(ops(fx)->settings_get(fx->st, &t, &e), 0);
    assert_int_equal(t.in_stock_max_days, 9);
    assert_int_equal(t.nholidays, 2);
    assert_int_equal(t.holidays[1], date_from_ymd(2027, 1, 1));
    assert_int_equal(t.capture_on, CAPTURE_ORDER);
    assert_string_equal(t.store_name, s.store_name);

    unsigned char hash[APIKEY_HASH_LEN], back[APIKEY_HASH_LEN];
    for (int i = 0; i < APIKEY_HASH_LEN; i++)
        hash[i] = (unsigned char)(i * 37 + 200); /* zero bytes and high bytes included */
    hash[3] = 0;
    assert_int_equal(ops(fx)->apikey_add(fx->st, "key_1", "ci", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "key_1", back, &e), 0);
    assert_memory_equal(hash, back, APIKEY_HASH_LEN);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "key_2", back, &e), ERR_NOTFOUND);

    char *res;
    assert_int_equal(ops(fx)->idem_get(fx->st, "order", "k", &res, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->idem_put(fx->st, "order", "k", "ord_1", &e), 0);
    assert_int_equal(ops(fx)->idem_get(fx->st, "order", "k", &res, &e), 0);
    assert_string_equal(res, "ord_1");
    free(res);
    assert_int_equal(ops(fx)->idem_get(fx->st, "import", "k", &res, &e), ERR_NOTFOUND);
}

/* --- imports --- */

static void test_import_jobs(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct import_error errs[2] = {
        {.line = 3, .col = COL_QUANTITY, .has_value = true, .value = "-1",
         .message = "quantity must be 0 or more"},
        {.line = 0, .col = -1, .has_value = false, .message = "the file is empty"},
    };
    struct import_job a = {.id = "imp_a", .source = IMPORT_CSV, .file_name = "stock.csv",
                           .status = IMPORT_FAILED, .total_rows = 5, .total_errors = 2,
                           .errors = errs, .nerrors = 2, .created_at = "2026-11-27T10:00:00Z",
                           .finished_at = "2026-11-27T10:00:01Z"};
    struct import_job b = {.id = "imp_b", .source = IMPORT_API, .status = IMPORT_COMPLETED,
                           .total_rows = 7, .rows_applied = 7,
                           .created_at = "2026-11-27T11:00:00Z",
                           .finished_at = "2026-11-27T11:00:00Z"};
    begin(fx);
    assert_int_equal(ops(fx)->import_save(fx->st, &a, &e), 0);
    assert_int_equal(ops(fx)->import_save(fx->st, &b, &e), 0);
    commit(fx);

    struct import_job got;
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_a", &got, &e), 0);
    assert_string_equal(got.file_name, "stock.csv");
    assert_int_equal(got.status, IMPORT_FAILED);
    assert_int_equal(got.nerrors, 2);
    assert_int_equal(got.errors[0].line, 3);
    assert_int_equal(got.errors[0].col, COL_QUANTITY);
    assert_true(got.errors[0].has_value);
    assert_string_equal(got.errors[0].value, "-1");
    assert_int_equal(got.errors[1].col, -1);
    assert_false(got.errors[1].has_value);
    assert_string_equal(got.errors[1].message, "the file is empty");
    import_job_free(&got);
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_b", &got, &e), 0);
    assert_string_equal(got.file_name, "");
    assert_int_equal(got.rows_applied, 7);
    assert_int_equal(got.nerrors, 0);
    import_job_free(&got);
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_x", &got, &e), ERR_NOTFOUND);

    struct import_job *list = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->import_list(fx->st, NULL, 10, &list, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "imp_b"); /* newest first */
    assert_string_equal(list[1].id, "imp_a");
    free(list);
}

/* --- orders --- */

static void test_order_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    assert_int_equal(a.o.number, 1001);
    assert_int_equal(b.o.number, 1002);
    assert_true(a.sh[0].seq > 0);
    assert_true(a.sh[1].seq > a.sh[0].seq);
    assert_true(b.sh[0].seq > a.sh[1].seq);
    assert_true(b.sh[1].seq > b.sh[0].seq);

    struct order_rec o;
    err_t e = {0};
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_a", &o, &e), 0);
    assert_string_equal(o.id, "ord_a");
    assert_int_equal(o.number, 1001);
    assert_string_equal(o.access_token, "toka");
    assert_int_equal(o.status, ORDER_PLACED);
    assert_string_equal(o.email, "a@example.com");
    assert_string_equal(o.currency, "USD");
    assert_int_equal(o.total, 9000);
    assert_string_equal(o.address.name, "Ada a");
    assert_string_equal(o.address.line2, "");
    assert_string_equal(o.address.country, "US");
    assert_string_equal(o.created_at, "2026-11-27T10:00:00Z");
    assert_int_equal(o.nlines, 2);
    assert_string_equal(o.lines[0].sku, "TSHIRT1");
    assert_string_equal(o.lines[0].name, "T-shirt");
    assert_int_equal(o.lines[0].quantity, 3);
    assert_int_equal(o.lines[0].unit_price, 2000);
    assert_int_equal(o.lines[0].amount, 6000);
    assert_string_equal(o.lines[1].sku, "HOODIE2");

    assert_int_equal(o.nshipments, 2);
    const struct shipment_rec *s0 = &o.shipments[0], *s1 = &o.shipments[1];
    assert_string_equal(s0->id, "shp_a1");
    assert_string_equal(s0->order_id, "ord_a");
    assert_int_equal(s0->seq, a.sh[0].seq);
    assert_int_equal(s0->status, SHIP_READY);
    assert_int_equal(s0->stock_type, STOCK_ONHAND);
    assert_string_equal(s0->transit_ref, "");
    assert_int_equal(s0->stock_date, DATE_NONE);
    assert_int_equal(s0->expected.from, date_from_ymd(2026, 11, 28));
    assert_int_equal(s0->expected.to, date_from_ymd(2026, 12, 2));
    assert_string_equal(s0->expected.message, "In stock");
    assert_int_equal(s0->amount, 5000);
    assert_int_equal(s0->nitems, 2);
    assert_string_equal(s0->items[0].sku, "TSHIRT1");
    assert_int_equal(s0->items[0].quantity, 2);
    assert_string_equal(s0->items[1].sku, "HOODIE2");
    assert_string_equal(s1->id, "shp_a2");
    assert_int_equal(s1->status, SHIP_AWAITING_STOCK);
    assert_int_equal(s1->stock_type, STOCK_INTRANSIT);
    assert_string_equal(s1->transit_ref, "PO1");
    assert_int_equal(s1->stock_date, date_from_ymd(2026, 12, 15));
    assert_int_equal(s1->nitems, 1);

    assert_string_equal(o.payment.provider, "test");
    assert_string_equal(o.payment.ref, "auth_a");
    assert_int_equal(o.payment.authorized, 9000);
    assert_int_equal(o.payment.captured, 0);
    assert_int_equal(o.payment.status, PAY_AUTHORIZED);
    order_rec_free(&o);

    assert_int_equal(ops(fx)->order_get(fx->st, "ord_nope", &o, &e), ERR_NOTFOUND);
    assert_int_equal(o.nlines, 0);

    /* An empty created_at takes the database's clock. */
    struct order_fx c;
    begin(fx);
    make_order(fx, &c, "c");
    c.o.created_at[0] = '\0';
    assert_int_equal(ops(fx)->order_insert(fx->st, &c.o, &e), 0);
    commit(fx);
    assert_int_equal(strlen(c.o.created_at), 20);
    assert_int_equal(c.o.created_at[10], 'T');
    assert_int_equal(c.o.created_at[19], 'Z');

    /* A second connection (another server) numbers on from the same sequences. */
    struct fixture other = {.st = open_url(fx->url)};
    struct order_fx d;
    insert_order(&other, &d, "d");
    ops(&other)->close(other.st);
    assert_int_equal(d.o.number, 1004);
    struct order_rec rc_, rd;
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_c", &rc_, &e), 0);
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_d", &rd, &e), 0);
    assert_true(rc_.shipments[0].seq < rc_.shipments[1].seq); /* in the order's own order */
    assert_true(rd.shipments[0].seq > rc_.shipments[1].seq);
    order_rec_free(&rc_);
    order_rec_free(&rd);
}

/* Text that an array literal must quote (PostgreSQL writes an order's rows from arrays):
 * quotes, backslashes, commas, braces, the word NULL, an empty string, non-ASCII; and
 * missing dates beside given ones. Each comes back as it went in. */
static void test_order_insert_odd_text(void **state)
{
    struct fixture *fx = *state;
    static const char *const odd[] = {"say \"hi\"", "back\\slash\\", "a,b", "{x}", "NULL",
                                      "", "Ünïcødé ✓", "\\\""};
    const size_t n = sizeof odd / sizeof odd[0];
    for (size_t i = 0; i < n; i++) {
        struct order_fx f;
        char tag[16];
        snprintf(tag, sizeof tag, "odd%zu", i);
        begin(fx);
        make_order(fx, &f, tag);
        snprintf(f.lines[0].name, sizeof f.lines[0].name, "%s", odd[i]);
        snprintf(f.lines[1].name, sizeof f.lines[1].name, "%s%s", odd[i], odd[(i + 1) % n]);
        snprintf(f.sh[0].expected.message, sizeof f.sh[0].expected.message, "%s", odd[i]);
        snprintf(f.sh[1].promised.message, sizeof f.sh[1].promised.message, "%s", odd[i]);
        f.sh[1].expected.from = DATE_NONE;
        err_t e = {0};
        assert_int_equal(ops(fx)->order_insert(fx->st, &f.o, &e), 0);
        commit(fx);
        struct order_rec o;
        assert_int_equal(ops(fx)->order_get(fx->st, f.o.id, &o, &e), 0);
        assert_int_equal(o.nlines, 2);
        assert_string_equal(o.lines[0].name, f.lines[0].name);
        assert_string_equal(o.lines[1].name, f.lines[1].name);
        assert_int_equal(o.lines[1].unit_price, 3000);
        assert_int_equal(o.nshipments, 2);
        assert_string_equal(o.shipments[0].expected.message, odd[i]);
        assert_string_equal(o.shipments[1].promised.message, odd[i]);
        assert_int_equal(o.shipments[0].stock_date, DATE_NONE);
        assert_int_equal(o.shipments[1].stock_date, date_from_ymd(2026, 12, 15));
        assert_int_equal(o.shipments[1].expected.from, DATE_NONE);
        assert_int_equal(o.shipments[1].expected.to, date_from_ymd(2026, 12, 20));
        assert_int_equal(o.shipments[0].nitems, 2);
        assert_string_equal(o.shipments[0].items[1].sku, "HOODIE2");
        assert_int_equal(o.shipments[0].items[0].quantity, 2);
        assert_int_equal(o.payment.authorized, 9000);
        order_rec_free(&o);
    }
}

/* Re-planning's read: the order, its lines and shipments as order_get has them, no money. */
static void test_order_get_light(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a;
    insert_order(fx, &a, "a");
    struct order_rec full, light;
    err_t e = {0};
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_a", &full, &e), 0);
    assert_int_equal(ops(fx)->order_get_light(fx->st, "ord_a", &light, &e), 0);
    assert_string_equal(light.access_token, full.access_token);
    assert_int_equal(light.number, full.number);
    assert_int_equal(light.total, full.total);
    assert_int_equal(light.nlines, 2);
    assert_int_equal(light.lines[1].unit_price, full.lines[1].unit_price);
    assert_int_equal(light.nshipments, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_string_equal(light.shipments[i].id, full.shipments[i].id);
        assert_int_equal(light.shipments[i].stock_date, full.shipments[i].stock_date);
        assert_int_equal(light.shipments[i].nitems, full.shipments[i].nitems);
        assert_int_equal(light.shipments[i].items[0].quantity, full.shipments[i].items[0].quantity);
    }
    assert_string_equal(full.payment.provider, "test");
    assert_string_equal(light.payment.provider, "");
    assert_int_equal(light.payment.authorized, 0);
    assert_int_equal(light.nevents, 0);
    order_rec_free(&full);
    order_rec_free(&light);
    assert_int_equal(ops(fx)->order_get_light(fx->st, "ord_nope", &light, &e), ERR_NOTFOUND);
    assert_int_equal(light.nshipments, 0);
}

static void test_order_page_and_updates(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b, c;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    insert_order(fx, &c, "c");
    err_t e = {0};

    char(*ids)[ORDER_ID_MAX] = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->order_page(fx->st, NULL, 10, &ids, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(ids[0], "ord_c");
    assert_string_equal(ids[1], "ord_b");
    assert_string_equal(ids[2], "ord_a");
    free(ids);
    assert_int_equal(ops(fx)->order_page(fx->st, "ord_c", 1, &ids, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "ord_b");
    free(ids);
    assert_int_equal(ops(fx)->order_page(fx->st, "ord_a", 10, &ids, &n, &e), 0);
    assert_int_equal(n, 0);
    free(ids);

    char oid[ORDER_ID_MAX];
    assert_int_equal(ops(fx)->order_by_shipment(fx->st, "shp_b2", oid, &e), 0);
    assert_string_equal(oid, "ord_b");
    assert_int_equal(ops(fx)->order_by_shipment(fx->st, "shp_x", oid, &e), ERR_NOTFOUND);

    begin(fx);
    assert_int_equal(ops(fx)->order_set_status(fx->st, "ord_a", ORDER_PARTIALLY_SHIPPED, &e),
                     0);
    assert_int_equal(ops(fx)->order_set_status(fx->st, "ord_x", ORDER_SHIPPED, &e),
                     ERR_NOTFOUND);
    struct shipment_rec sh = a.sh[0];
    sh.status = SHIP_SHIPPED;
    snprintf(sh.tracking_number, sizeof sh.tracking_number, "1Z999");
    snprintf(sh.shipped_at, sizeof sh.shipped_at, "2026-11-28T09:00:00Z");
    assert_int_equal(ops(fx)->shipment_update(fx->st, &sh, &e), 0);
    struct payment p = a.o.payment;
    p.captured = 5000;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_a", &p, &e), 0);
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_x", &p, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", "shp_a1", 5000, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", NULL, 0, &e), 0);
    commit(fx);

    struct shipment_rec got;
    assert_int_equal(ops(fx)->shipment_get(fx->st, "shp_a1", &got, &e), 0);
    assert_int_equal(got.status, SHIP_SHIPPED);
    assert_string_equal(got.tracking_number, "1Z999");
    assert_string_equal(got.shipped_at, "2026-11-28T09:00:00Z");
    assert_string_equal(got.order_id, "ord_a");
    assert_int_equal(got.seq, a.sh[0].seq);
    assert_int_equal(got.nitems, 2);
    assert_string_equal(got.items[1].sku, "HOODIE2");
    free(got.items);
    assert_int_equal(ops(fx)->shipment_get(fx->st, "shp_x", &got, &e), ERR_NOTFOUND);

    struct order_rec o;
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_a", &o, &e), 0);
    assert_int_equal(o.status, ORDER_PARTIALLY_SHIPPED);
    assert_int_equal(o.payment.captured, 5000);
    assert_int_equal(o.payment.status, PAY_PARTIALLY_CAPTURED);
    assert_int_equal(o.shipments[0].status, SHIP_SHIPPED);
    order_rec_free(&o);
}

/* --- allocations --- */

static void test_alloc_add_and_list(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", "PO1", 100, 0, date_from_ymd(2026, 12, 15));
    struct order_fx a, b;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    struct position k = key("TSHIRT1", "PO1"), onhand = key("TSHIRT1", NULL);
    err_t e = {0};

    begin(fx);
    /* The newer shipment first, so the listing order must come from seq. */
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_b2", &k, 4, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, 2, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &onhand, 5, &e), 0);
    commit(fx);

    struct alloc_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, &k, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].shipment_id, "shp_a2");
    assert_int_equal(rows[0].shipment_seq, a.sh[1].seq);
    assert_int_equal(rows[0].quantity, 3);
    assert_string_equal(rows[0].pos.transit_ref, "PO1");
    assert_int_equal(rows[0].pos.stock_type, STOCK_INTRANSIT);
    assert_string_equal(rows[1].shipment_id, "shp_b2");
    assert_int_equal(rows[1].shipment_seq, b.sh[1].seq);
    assert_int_equal(rows[1].quantity, 4);
    free(rows);

    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_a2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].pos.stock_type, STOCK_ONHAND);
    assert_int_equal(rows[0].quantity, 5);
    assert_int_equal(rows[1].pos.stock_type, STOCK_INTRANSIT);
    assert_int_equal(rows[1].quantity, 3);
    free(rows);

    begin(fx);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -3, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -2, &e), 0); /* reaches 0 */
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -1, &e), ERR_CONFLICT);
    commit(fx);
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, &k, &rows, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].shipment_id, "shp_b2");
    free(rows);

    begin(fx);
    assert_int_equal(ops(fx)->alloc_delete(fx->st, "shp_a2", &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_a2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 0);
    free(rows);
    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_b2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 1);
    free(rows);
    /* A failed list leaves its outputs empty, so a caller's free() is always safe. */
    rows = (struct alloc_row *)&n;
    n = 7;
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, NULL, &rows, &n, &e), ERR_INVALID);
    assert_null(rows);
    assert_int_equal(n, 0);
}

/* --- carts --- */

static void test_cart_lifecycle(void **state)
{
    struct fixture *fx = *state;
    struct shipment_item *lines = NULL;
    size_t n = 99;
    err_t e = {0};

    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_x", &lines, &n, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_x", "A", 1, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), 0);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 0);
    free(lines);

    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 2, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ALPHA", 1, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 5, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "GONE", 0, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", -1, &e), ERR_INVALID);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(lines[0].sku, "ZED"); /* insertion order, not by sku */
    assert_int_equal(lines[0].quantity, 5);
    assert_string_equal(lines[1].sku, "ALPHA");
    assert_int_equal(lines[1].quantity, 1);
    free(lines);

    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 0, &e), 0);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0].sku, "ALPHA");
    free(lines);

    /* A conflict inside a transaction leaves it usable. */
    begin(fx);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_2", &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_2", &lines, &n, &e), 0);
    free(lines);
}

static void test_outbox_claim_lease_update_list(void **state)
{
    struct fixture *fx = *state;
    queue_email(fx, "eml_1", "ord_a", 100);
    queue_email(fx, "eml_2", "", 200);
    struct email m;
    err_t e = {0};

    assert_int_equal(ops(fx)->outbox_claim(fx->st, 50, 60, &m, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 150, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_1");
    assert_string_equal(m.order_id, "ord_a");
    assert_string_equal(m.text, "text of eml_1");
    assert_string_equal(m.html, "<p>eml_1</p>");
    assert_int_equal(m.next_attempt_at, 210);
    assert_true(m.created_at[0] != '\0');
    email_free(&m);

    /* Leased until 210: a second worker at 150 finds nothing, at 205 only eml_2. */
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 150, 60, &m, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 205, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    assert_string_equal(m.order_id, "");
    email_free(&m);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 215, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_1"); /* its lease has passed */

    m.status = EMAIL_SENT;
    m.attempts = 1;
    assert_int_equal(ops(fx)->outbox_update(fx->st, &m, &e), 0);
    email_free(&m);

    /* Inside the caller's transaction the claim joins it: a rollback undoes the lease. */
    begin(fx);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    email_free(&m);
    ops(fx)->rollback(fx->st);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    m.status = EMAIL_FAILED;
    m.attempts = EMAIL_MAX_ATTEMPTS;
    snprintf(m.last_error, sizeof m.last_error, "connection refused");
    assert_int_equal(ops(fx)->outbox_update(fx->st, &m, &e), 0);
    email_free(&m);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000000, 60, &m, &e), ERR_NOTFOUND);

    struct email unknown = {.id = "eml_x"};
    assert_int_equal(ops(fx)->outbox_update(fx->st, &unknown, &e), ERR_NOTFOUND);

    struct email *list = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->outbox_list(fx->st, NULL, 10, &list, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "eml_2");
    assert_int_equal(list[0].status, EMAIL_FAILED);
    assert_int_equal(list[0].attempts, EMAIL_MAX_ATTEMPTS);
    assert_string_equal(list[0].last_error, "connection refused");
    assert_null(list[0].text);
    assert_null(list[0].html);
    assert_string_equal(list[1].id, "eml_1");
    assert_int_equal(list[1].status, EMAIL_SENT);
    assert_string_equal(list[1].subject, "Order eml_1");
    free(list);
    assert_int_equal(ops(fx)->outbox_list(fx->st, NULL, 1, &list, &n, &e), 0);
    assert_int_equal(n, 1);
    free(list);
}

/* The mail worker's batches: oldest due first, leased, bodies included; outcomes saved in
 * one go, any text in last_error kept as it is (PostgreSQL passes them as arrays). */
static void test_outbox_claim_update_many(void **state)
{
    struct fixture *fx = *state;
    queue_email(fx, "eml_3", "", 300);
    queue_email(fx, "eml_1", "ord_a", 100);
    queue_email(fx, "eml_2", "", 200);
    struct email *v = NULL;
    size_t n = 0;
    err_t e = {0};

    begin(fx);
    assert_int_equal(store_outbox_claim_many(fx->st, 50, 60, 10, &v, &n, &e), 0);
    assert_int_equal(n, 0);
    free(v);
    assert_int_equal(store_outbox_claim_many(fx->st, 250, 60, 10, &v, &n, &e), 0);
    commit(fx);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].id, "eml_1");
    assert_string_equal(v[0].order_id, "ord_a");
    assert_string_equal(v[0].text, "text of eml_1");
    assert_string_equal(v[0].html, "<p>eml_1</p>");
    assert_int_equal(v[0].next_attempt_at, 310);
    assert_string_equal(v[1].id, "eml_2");

    v[0].status = EMAIL_SENT;
    v[0].attempts = 1;
    v[1].attempts = 1;
    v[1].next_attempt_at = 350;
    snprintf(v[1].last_error, sizeof v[1].last_error, "550 \"no\" \\ {such, user}");
    begin(fx);
    assert_int_equal(store_outbox_update_many(fx->st, v, 2, &e), 0);
    commit(fx);
    for (size_t i = 0; i < n; i++)
        email_free(&v[i]);
    free(v);

    /* Leased until 310: at 300 only eml_3 is due; at 400 eml_2 (due 350) before eml_3
     * (leased until 360). At most max. */
    begin(fx);
    assert_int_equal(store_outbox_claim_many(fx->st, 300, 60, 10, &v, &n, &e), 0);
    commit(fx);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "eml_3");
    email_free(&v[0]);
    free(v);
    begin(fx);
    assert_int_equal(store_outbox_claim_many(fx->st, 400, 60, 1, &v, &n, &e), 0);
    commit(fx);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "eml_2");
    assert_int_equal(v[0].attempts, 1);
    assert_string_equal(v[0].last_error, "550 \"no\" \\ {such, user}");
    email_free(&v[0]);
    free(v);

    struct email unknown = {.id = "eml_x"};
    begin(fx);
    assert_int_equal(store_outbox_update_many(fx->st, &unknown, 1, &e), ERR_NOTFOUND);
    ops(fx)->rollback(fx->st);
}

/* --- users and sessions --- */

static void test_users(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", hash, &e), 0);
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", hash, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "user alice already exists");

    char got[128];
    assert_int_equal(ops(fx)->user_hash(fx->st, "alice", got, sizeof got, &e), 0);
    assert_string_equal(got, hash);
    assert_int_equal(ops(fx)->user_hash(fx->st, "bob", got, sizeof got, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->user_hash(fx->st, "alice", got, 8, &e), ERR_STORE);
}

static void test_sessions(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    unsigned char h1[SESSION_HASH_LEN], h2[SESSION_HASH_LEN], h3[SESSION_HASH_LEN];
    for (int i = 0; i < SESSION_HASH_LEN; i++) {
        h1[i] = (unsigned char)i;
        h2[i] = (unsigned char)(255 - i);
        h3[i] = (unsigned char)(i ^ 0x5a);
    }
    const char *csrf = "0123456789abcdef0123456789abcdef";
    assert_int_equal(ops(fx)->session_add(fx->st, h1, "alice", csrf, 1000, &e), 0);
    assert_int_equal(ops(fx)->session_add(fx->st, h2, "bob", csrf, 50, &e), 0);
    assert_int_equal(ops(fx)->session_add(fx->st, h3, "carol", csrf, 2000, &e), 0);

    char user[ID_MAX + 1], tok[SESSION_CSRF_LEN + 1];
    int64_t exp = 0;
    assert_int_equal(ops(fx)->session_get(fx->st, h1, user, tok, &exp, &e), 0);
    assert_string_equal(user, "alice");
    assert_string_equal(tok, csrf);
    assert_int_equal(exp, 1000);

    /* Ending h1 at 100 also drops h2, expired at 50; h3 stays. */
    assert_int_equal(ops(fx)->session_delete(fx->st, h1, 100, &e), 0);
    assert_int_equal(ops(fx)->session_get(fx->st, h1, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->session_get(fx->st, h2, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->session_get(fx->st, h3, user, tok, &exp, &e), 0);
    assert_string_equal(user, "carol");
}

/* --- managing users and keys (sellahead user / apikey) --- */

static void test_user_and_key_management(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    bool orders = true, positions = true;
    assert_int_equal(ops(fx)->holds_stock(fx->st, &orders, &positions, &e), 0);
    assert_false(orders);
    assert_false(positions);
    struct position k = key("NEW1", NULL);
    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 7, 0, &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->holds_stock(fx->st, &orders, &positions, &e), 0);
    assert_false(orders);
    assert_true(positions);

    assert_int_equal(ops(fx)->user_add(fx->st, "bob", "h1", &e), 0);
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", "h1", &e), 0);
    struct store_named *list = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->user_list(fx->st, &list, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "alice");
    assert_string_equal(list[1].name, "bob");
    assert_int_equal(strlen(list[0].created_at), 20);
    free(list);

    /* A new password or a removal ends the user's sessions, and only theirs. */
    unsigned char ha[SESSION_HASH_LEN], hb[SESSION_HASH_LEN];
    memset(ha, 1, sizeof ha);
    memset(hb, 2, sizeof hb);
    const char *csrf = "0123456789abcdef0123456789abcdef";
    assert_int_equal(ops(fx)->session_add(fx->st, ha, "alice", csrf, 1000, &e), 0);
    assert_int_equal(ops(fx)->session_add(fx->st, hb, "bob", csrf, 1000, &e), 0);
    assert_int_equal(ops(fx)->user_set_hash(fx->st, "alice", "h2", &e), 0);
    char got[16], user[ID_MAX + 1], tok[SESSION_CSRF_LEN + 1];
    int64_t exp;
    assert_int_equal(ops(fx)->user_hash(fx->st, "alice", got, sizeof got, &e), 0);
    assert_string_equal(got, "h2");
    assert_int_equal(ops(fx)->session_get(fx->st, ha, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->session_get(fx->st, hb, user, tok, &exp, &e), 0);
    assert_int_equal(ops(fx)->user_set_hash(fx->st, "carol", "h2", &e), ERR_NOTFOUND);
    assert_string_equal(e.msg, "no user carol");
    assert_int_equal(ops(fx)->user_remove(fx->st, "bob", &e), 0);
    assert_int_equal(ops(fx)->session_get(fx->st, hb, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->user_hash(fx->st, "bob", got, sizeof got, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->user_remove(fx->st, "bob", &e), ERR_NOTFOUND);

    unsigned char hash[APIKEY_HASH_LEN] = {0};
    assert_int_equal(ops(fx)->apikey_add(fx->st, "sk_1", "ci", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_add(fx->st, "sk_2", "ci", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_add(fx->st, "sk_3", "app", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_list(fx->st, &list, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(list[0].name, "app");
    assert_string_equal(list[2].name, "ci");
    free(list);
    assert_int_equal(ops(fx)->apikey_revoke(fx->st, "ci", &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "sk_1", hash, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "sk_3", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_revoke(fx->st, "ci", &n, &e), ERR_NOTFOUND);
    assert_string_equal(e.msg, "no API key named ci");
}

/* --- check --- */

/* One order whose books balance: 2 T-shirts allocated onhand for shipment a1, one on PO1
 * for a2, the first shipment captured, the confirmation queued. */
static void consistent_order(struct fixture *fx, struct order_fx *a)
{
    put_position(fx, "TSHIRT1", NULL, 10, 0, DATE_NONE);
    put_position(fx, "HOODIE2", NULL, 10, 0, DATE_NONE);
    put_position(fx, "TSHIRT1", "PO1", 10, 0, date_from_ymd(2026, 12, 15));
    insert_order(fx, a, "a");
    struct position t = key("TSHIRT1", NULL), h = key("HOODIE2", NULL),
                    po = key("TSHIRT1", "PO1");
    err_t e = {0};
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &t, 2, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a1", &t, 2, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &h, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a1", &h, 1, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &po, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &po, 1, &e), 0);
    struct payment p = a->o.payment;
    p.captured = 5000;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_a", &p, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", "shp_a1", 5000, &e), 0);
    add_intent(fx, "pi_cap_a", "ord_a", INTENT_CAPTURE, INTENT_SUCCEEDED, 5000);
    commit(fx);
    queue_email(fx, "eml_a", "ord_a", 0);
}

static void test_check_consistent_database(void **state)
{
    struct fixture *fx = *state;
    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 0); /* empty */
    struct order_fx a;
    consistent_order(fx, &a);
    assert_int_equal(run_check(fx, &r), 0);
    if (r.n)
        fail_msg("unexpected: %s", r.all);
    /* Inside the caller's read transaction, as `sellahead check` runs it. */
    err_t e = {0};
    assert_int_equal(ops(fx)->begin(fx->st, false, &e), 0);
    assert_int_equal(run_check(fx, &r), 0);
    ops(fx)->rollback(fx->st);
}

static void test_check_finds_planted_mismatch(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a;
    consistent_order(fx, &a);
    put_position(fx, "TSHIRT1", "PO2", 10, 0, date_from_ymd(2027, 1, 15));
    struct position po2 = key("TSHIRT1", "PO2");
    err_t e = {0};
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &po2, 2, &e), 0); /* no alloc row */
    commit(fx);

    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 1);
    assert_non_null(strstr(r.first, "TSHIRT1 at WH1 (intransit PO2)"));
    assert_non_null(strstr(r.first, "allocatedQuantity 2"));
    assert_non_null(strstr(r.first, "add up to 0"));
}

static void test_check_reports_each_kind(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b;
    consistent_order(fx, &a);
    insert_order(fx, &b, "b"); /* no confirmation email */
    err_t e = {0};
    begin(fx);
    struct shipment_rec sh = a.sh[0];
    sh.status = SHIP_SHIPPED; /* its allocations stay behind */
    assert_int_equal(ops(fx)->shipment_update(fx->st, &sh, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", NULL, 1000, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_b", NULL, 9500, &e), 0);
    struct payment p = b.o.payment;
    p.captured = 9500;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_b", &p, &e), 0);
    commit(fx);
    /* An allocation on a position that does not exist (no foreign key, by design). */
    struct position ghost = key("GHOST", NULL), ghost7 = key("GHOST7", NULL);
    ghost7.channel_id = 7; /* named with its channel, part of its key */
    begin(fx);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_b1", &ghost, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_b1", &ghost7, 1, &e), 0);
    commit(fx);

    struct report r = {0};
    /* 2 allocations of a shipped shipment, a's captured figure (5000 vs 6000), b's
     * captures above its authorization, b's missing confirmation, the ghosts' allocations,
     * b's captured figure that no payment event tells of. */
    assert_int_equal(run_check(fx, &r), 8);
    assert_non_null(strstr(r.all, "order 1002 (ord_b) records authorized 9000, captured 9500, "
                                  "voided 0, refunded 0 but its payment events add up to "
                                  "9000, 0, 0, 0"));
    assert_non_null(strstr(r.all, "shipment shp_a1 is SHIPPED but still holds 2 units of "
                                  "TSHIRT1 at WH1 (onhand)"));
    assert_non_null(strstr(r.all, "order 1001 (ord_a) records 5000 captured but its "
                                  "captures add up to 6000"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has captures of 9500 in all, more "
                                  "than the 9000 authorized"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has no order_confirmation email"));
    assert_non_null(strstr(r.all, "shipment shp_b1 holds 1 units of GHOST at WH1 (onhand), a "
                                  "position that does not exist"));
    assert_non_null(strstr(r.all, "shipment shp_b1 holds 1 units of GHOST7 at WH1 (onhand) in "
                                  "channel 7, a position that does not exist"));

    /* A callback asking to stop ends the check after that problem. */
    struct report first = {.stop_after = 1};
    assert_int_equal(run_check(fx, &first), 1);
}

/* --- payment intents --- */

static void test_intents_and_test_provider(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    begin(fx);
    add_intent(fx, "pi_1", "ord_x", INTENT_AUTHORIZE, INTENT_PENDING, 700);
    commit(fx);
    struct pay_intent *v = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->intent_pending(fx->st, 0, &v, &n, &e), 0);
    assert_int_equal(n, 0); /* created at 1: not yet at or before 0 */
    free(v);
    assert_int_equal(ops(fx)->intent_pending(fx->st, 1, &v, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].id, "pi_1");
    assert_int_equal(v[0].kind, INTENT_AUTHORIZE);
    assert_int_equal(v[0].amount, 700);
    v[0].status = INTENT_SUCCEEDED;
    snprintf(v[0].ref, sizeof v[0].ref, "auth_1");
    begin(fx);
    assert_int_equal(ops(fx)->intent_settle(fx->st, &v[0], &e), 0);
    commit(fx);
    begin(fx);
    assert_int_equal(ops(fx)->intent_settle(fx->st, &v[0], &e), ERR_CONFLICT); /* settled */
    ops(fx)->rollback(fx->st);
    free(v);
    assert_int_equal(ops(fx)->intent_pending(fx->st, 1, &v, &n, &e), 0);
    assert_int_equal(n, 0);
    free(v);

    /* The first answer to a key wins. */
    int code = 0;
    char ref[64] = "auth_first", msg[256] = "";
    assert_int_equal(ops(fx)->testpay_record(fx->st, "k1", "authorize", 700, &code, ref, msg,
                                             &e), 0);
    code = ERR_PAYMENT;
    snprintf(ref, sizeof ref, "auth_second");
    snprintf(msg, sizeof msg, "declined");
    assert_int_equal(ops(fx)->testpay_record(fx->st, "k1", "authorize", 700, &code, ref, msg,
                                             &e), 0);
    assert_int_equal(code, 0);
    assert_string_equal(ref, "auth_first");
    assert_string_equal(msg, "");
}

/* --- the change log and the full scan (the availability read model) --- */

struct changes {
    int64_t seq[64];
    char sku[64][ID_MAX + 1];
    size_t n;
};

static int note_change(void *ctx, int64_t seq, const char *sku)
{
    struct changes *c = ctx;
    assert_true(c->n < 64);
    c->seq[c->n] = seq;
    snprintf(c->sku[c->n], sizeof c->sku[0], "%s", sku);
    c->n++;
    return 0;
}

static struct changes changes_after(struct fixture *fx, int64_t after, size_t limit)
{
    struct changes c = {0};
    int64_t xmin, xmax;
    err_t e = {0};
    assert_int_equal(ops(fx)->changes_since(fx->st, after, limit, note_change, &c, &xmin,
                                            &xmax, &e),
                     0);
    assert_true(xmin <= xmax);
    return c;
}

static void test_change_log(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    int64_t head0, head1;
    assert_int_equal(ops(fx)->changes_head(fx->st, &head0, &e), 0);

    /* Every write of a position, product or the settings is logged with its SKU ("" for the
     * settings), in seq order, in the writing transaction. */
    put_position(fx, "CL1", NULL, 5, 0, DATE_NONE);
    struct product pr = {.sku = "CL2", .name = "Two", .price = 100, .currency = "USD"};
    begin(fx);
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    commit(fx);
    struct settings s;
    assert_int_equal(ops(fx)->settings_get(fx->st, &s, &e), 0);
    s.in_stock_max_days++;
    begin(fx);
    assert_int_equal(ops(fx)->settings_put(fx->st, &s, &e), 0);
    commit(fx);
    struct position k = key("CL1", NULL);
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 2, &e), 0);
    ops(fx)->rollback(fx->st); /* rolled back: not logged */
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 1, &e), 0);
    commit(fx);

    /* A backend may log one write as several rows (one per row or per statement). */
    struct changes c = changes_after(fx, head0, 64);
    char runs[8][ID_MAX + 1];
    size_t nruns = 0;
    for (size_t i = 0; i < c.n; i++) {
        assert_true(c.seq[i] > (i ? c.seq[i - 1] : head0));
        if (!nruns || strcmp(runs[nruns - 1], c.sku[i])) {
            assert_true(nruns < 8);
            snprintf(runs[nruns++], sizeof runs[0], "%s", c.sku[i]);
        }
    }
    assert_int_equal(nruns, 4);
    assert_string_equal(runs[0], "CL1");
    assert_string_equal(runs[1], "CL2");
    assert_string_equal(runs[2], "");
    assert_string_equal(runs[3], "CL1");
    assert_int_equal(ops(fx)->changes_head(fx->st, &head1, &e), 0);
    assert_true(head1 >= c.seq[c.n - 1]);

    /* limit, after, prune */
    struct changes one = changes_after(fx, head0, 1);
    assert_int_equal(one.n, 1);
    assert_int_equal(one.seq[0], c.seq[0]);
    assert_int_equal(changes_after(fx, c.seq[c.n - 1], 32).n, 0);
    assert_int_equal(ops(fx)->changes_prune(fx->st, c.seq[c.n - 2], &e), 0);
    struct changes left = changes_after(fx, 0, 32);
    assert_int_equal(left.n, 1);
    assert_int_equal(left.seq[0], c.seq[c.n - 1]);
}

static void test_positions_page(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "PA", NULL, 1, 0, DATE_NONE);
    put_position(fx, "PA", "PO1", 2, 0, DATE_NONE);
    put_position(fx, "PB", NULL, 3, 0, DATE_NONE);
    put_position(fx, "PC", NULL, 4, 0, DATE_NONE);
    err_t e = {0};
    /* Whole SKUs: a page of 2 SKUs holds all 3 positions of PA and PB, by SKU. */
    struct position_list l = {0};
    assert_int_equal(ops(fx)->positions_page(fx->st, "", 2, &l, &e), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0].sku, "PA");
    assert_string_equal(l.v[1].sku, "PA");
    assert_string_equal(l.v[2].sku, "PB");
    assert_int_equal(l.v[2].quantity, 3);
    l.n = 0;
    assert_int_equal(ops(fx)->positions_page(fx->st, "PB", 2, &l, &e), 0);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.v[0].sku, "PC");
    l.n = 0;
    assert_int_equal(ops(fx)->positions_page(fx->st, "PC", 2, &l, &e), 0);
    assert_int_equal(l.n, 0);
    position_list_free(&l);
}

/* Every test of the contract, run by each group. */
#define STORE_TEST(t) cmocka_unit_test_setup_teardown(t, setup, fixture_teardown)
static const struct CMUnitTest tests[] = {
    STORE_TEST(test_reopen_keeps_data),
    STORE_TEST(test_import_and_duplicates),
    STORE_TEST(test_allocate_refuses_past_available),
    STORE_TEST(test_adjust_creates_onhand_and_refuses_negatives),
    STORE_TEST(test_catalog_settings_keys),
    STORE_TEST(test_import_jobs),
    STORE_TEST(test_order_round_trip),
    STORE_TEST(test_order_get_light),
    STORE_TEST(test_order_insert_odd_text),
    STORE_TEST(test_order_page_and_updates),
    STORE_TEST(test_alloc_add_and_list),
    STORE_TEST(test_cart_lifecycle),
    STORE_TEST(test_outbox_claim_lease_update_list),
    STORE_TEST(test_outbox_claim_update_many),
    STORE_TEST(test_users),
    STORE_TEST(test_sessions),
    STORE_TEST(test_check_consistent_database),
    STORE_TEST(test_check_finds_planted_mismatch),
    STORE_TEST(test_check_reports_each_kind),
    STORE_TEST(test_user_and_key_management),
    STORE_TEST(test_intents_and_test_provider),
    STORE_TEST(test_change_log),
    STORE_TEST(test_positions_page),
};

int main(void)
{
    if (ids_init())
        return 1;
    printf("test_store: sqlite\n");
    int failed = cmocka_run_group_tests_name("sqlite", tests, sqlite_group_setup,
                                             sqlite_group_teardown);
    const char *url = getenv("SELLAHEAD_TEST_PG_URL");
    if (url && *url) {
        printf("test_store: postgres\n");
        failed |= cmocka_run_group_tests_name("postgres", tests, pg_group_setup,
                                              pg_group_teardown);
    } else
        printf("test_store: postgres skipped (set SELLAHEAD_TEST_PG_URL, e.g. to the URL "
               "scripts/pg-test start DIR prints)\n");
    return failed != 0;
}

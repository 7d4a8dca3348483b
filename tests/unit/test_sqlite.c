/* The SQLite backend, through struct store_ops only: positions, the oversell guard, orders,
 * allocations, carts, the outbox, users, check, and migrating an older file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"

struct fixture {
    char dir[64];
    char path[128];
    struct store *st;
};

/* An import run that must find no duplicate. */
static void no_duplicate(void *ctx, int64_t line, const struct position *p)
{
    (void)ctx;
    fail_msg("unexpected duplicate at line %lld: %s", (long long)line, p->sku);
}

static const struct store_ops *ops(const struct fixture *fx) { return fx->st->ops; }

static void remove_db(const struct fixture *fx)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", fx->path, suffixes[i]);
        unlink(p);
    }
    rmdir(fx->dir);
}

static void open_store(struct fixture *fx)
{
    err_t e = {0};
    int rc = store_sqlite_open(fx->path, &fx->st, &e);
    if (rc)
        fail_msg("open: %s", e.msg);
}

/* An empty temporary directory for the file; no database yet. */
static int setup_dir(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ids_init(), 0);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/sellahead-test-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->path, sizeof fx->path, "%s/test.db", fx->dir);
    *state = fx;
    return 0;
}

/* A fresh database with location WH1. */
static int setup(void **state)
{
    setup_dir(state);
    struct fixture *fx = *state;
    open_store(fx);
    struct location l = {.id = "WH1", .name = "Main warehouse"};
    err_t e = {0};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), 0);
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->st)
        ops(fx)->close(fx->st);
    remove_db(fx);
    free(fx);
    return 0;
}

static void begin(struct fixture *fx)
{
    err_t e = {0};
    assert_int_equal(ops(fx)->begin(fx->st, true, &e), 0);
}

static void commit(struct fixture *fx)
{
    err_t e = {0};
    int rc = ops(fx)->commit(fx->st, &e);
    if (rc)
        fail_msg("commit: %s", e.msg);
}

static struct position key(const char *sku, const char *ref)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "%s", sku);
    snprintf(p.location_id, sizeof p.location_id, "WH1");
    p.stock_type = ref ? STOCK_INTRANSIT : STOCK_ONHAND;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref ? ref : "");
    p.order_date = p.stock_date = DATE_NONE;
    return p;
}

/* Imports one position (onhand when ref is NULL; a pre-order when stock is set). */
static void put_position(struct fixture *fx, const char *sku, const char *ref, int64_t qty,
                         int64_t reserved, date_t stock)
{
    struct position p = key(sku, ref);
    if (ref) {
        p.order_date = date_from_ymd(2026, 11, 20);
        p.stock_date = stock;
    }
    p.quantity = qty;
    p.reserved = reserved;
    bool dup = true;
    err_t e = {0};
    int64_t run = ids_random64();
    begin(fx);
    assert_int_equal(ops(fx)->position_import(fx->st, &p, run, 1, &dup, &e), 0);
    assert_false(dup);
    assert_int_equal(ops(fx)->import_flush(fx->st, run, no_duplicate, NULL, &e), 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, run, &e), 0);
    commit(fx);
}

/* Reads one position back; fails the test when it is absent. */
static struct position get_position(struct fixture *fx, const struct position *k)
{
    struct position_list l = {0};
    err_t e = {0};
    assert_int_equal(ops(fx)->positions_by_sku(fx->st, k->sku, &l, &e), 0);
    for (size_t i = 0; i < l.n; i++)
        if (!strcmp(l.v[i].location_id, k->location_id) &&
            l.v[i].stock_type == k->stock_type && !strcmp(l.v[i].transit_ref, k->transit_ref)) {
            struct position p = l.v[i];
            position_list_free(&l);
            return p;
        }
    position_list_free(&l);
    fail_msg("no position %s/%s", k->sku, k->transit_ref);
    return *k;
}

static bool has_position(struct fixture *fx, const struct position *k)
{
    struct position_list l = {0};
    err_t e = {0};
    assert_int_equal(ops(fx)->positions_by_sku(fx->st, k->sku, &l, &e), 0);
    bool found = false;
    for (size_t i = 0; i < l.n; i++)
        found |= l.v[i].stock_type == k->stock_type &&
                 !strcmp(l.v[i].transit_ref, k->transit_ref);
    position_list_free(&l);
    return found;
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

static void insert_order(struct fixture *fx, struct order_fx *f, const char *tag)
{
    err_t e = {0};
    begin(fx);
    make_order(fx, f, tag);
    int rc = ops(fx)->order_insert(fx->st, &f->o, &e);
    if (rc)
        fail_msg("order_insert: %s", e.msg);
    commit(fx);
}

/* --- positions --- */

static void test_import_and_read_positions(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 25, 2, DATE_NONE);
    put_position(fx, "TSHIRT1", "PO1", 100, 0, date_from_ymd(2026, 12, 15));

    struct position k = key("TSHIRT1", NULL);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 25);
    assert_int_equal(p.reserved, 2);
    assert_int_equal(p.allocated, 0);
    assert_int_equal(p.stock_date, DATE_NONE);

    k = key("TSHIRT1", "PO1");
    p = get_position(fx, &k);
    assert_int_equal(p.quantity, 100);
    assert_int_equal(p.order_date, date_from_ymd(2026, 11, 20));
    assert_int_equal(p.stock_date, date_from_ymd(2026, 12, 15));
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
    commit(fx);
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
    assert_false(has_position(fx, &k2));
    assert_false(has_position(fx, &t));
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
}

/* --- outbox --- */

static void queue_email(struct fixture *fx, const char *id, const char *order_id,
                        int64_t due)
{
    struct email m;
    memset(&m, 0, sizeof m);
    snprintf(m.id, sizeof m.id, "%s", id);
    snprintf(m.kind, sizeof m.kind, "order_confirmation");
    snprintf(m.order_id, sizeof m.order_id, "%s", order_id);
    snprintf(m.from, sizeof m.from, "shop@example.com");
    snprintf(m.to, sizeof m.to, "ada@example.com");
    snprintf(m.subject, sizeof m.subject, "Order %s", id);
    char text[64], html[64];
    snprintf(text, sizeof text, "text of %s", id);
    snprintf(html, sizeof html, "<p>%s</p>", id);
    m.text = text;
    m.html = html;
    m.status = EMAIL_PENDING;
    m.next_attempt_at = due;
    err_t e = {0};
    assert_int_equal(ops(fx)->outbox_add(fx->st, &m, &e), 0);
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
    assert_int_equal(ops(fx)->outbox_list(fx->st, 10, &list, &n, &e), 0);
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
    assert_int_equal(ops(fx)->outbox_list(fx->st, 1, &list, &n, &e), 0);
    assert_int_equal(n, 1);
    free(list);
}

/* --- users --- */

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

/* --- check --- */

struct report {
    size_t n;
    char first[1024];
    char all[4096];
    size_t stop_after; /* 0: never stop */
};

static int collect(void *ctx, const char *problem)
{
    struct report *r = ctx;
    if (!r->n)
        snprintf(r->first, sizeof r->first, "%s", problem);
    size_t used = strlen(r->all);
    snprintf(r->all + used, sizeof r->all - used, "%s\n", problem);
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

static size_t run_check(struct fixture *fx, struct report *r)
{
    size_t problems = 0;
    err_t e = {0};
    int rc = ops(fx)->check(fx->st, collect, r, &problems, &e);
    if (rc)
        fail_msg("check: %s", e.msg);
    assert_int_equal(problems, r->n);
    return problems;
}

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

    struct report r = {0};
    /* 2 allocations of a shipped shipment, a's captured figure (5000 vs 6000), b's
     * captures above its authorization, b's missing confirmation. */
    assert_int_equal(run_check(fx, &r), 5);
    assert_non_null(strstr(r.all, "shipment shp_a1 is SHIPPED but still holds 2 units of "
                                  "TSHIRT1 at WH1 (onhand)"));
    assert_non_null(strstr(r.all, "order 1001 (ord_a) records 5000 captured but its "
                                  "captures add up to 6000"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has captures of 9500 in all, more "
                                  "than the 9000 authorized"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has no order_confirmation email"));

    /* A callback asking to stop ends the check after that problem. */
    struct report first = {.stop_after = 1};
    assert_int_equal(run_check(fx, &first), 1);
}

/* --- migrations --- */

/* The schema exactly as version 1 of sellahead wrote it. */
static const char v1_schema[] =
    "CREATE TABLE locations(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE products(sku TEXT PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,"
    "  currency TEXT NOT NULL, description TEXT NOT NULL, image_url TEXT NOT NULL);"
    "CREATE TABLE positions(sku TEXT NOT NULL, location_id TEXT NOT NULL,"
    "  stock_type INTEGER NOT NULL, transit_ref TEXT NOT NULL, order_date INTEGER,"
    "  stock_date INTEGER, quantity INTEGER NOT NULL CHECK (quantity >= 0),"
    "  reserved INTEGER NOT NULL CHECK (reserved >= 0),"
    "  allocated INTEGER NOT NULL CHECK (allocated >= 0), import_run INTEGER,"
    "  PRIMARY KEY(sku, location_id, stock_type, transit_ref)) WITHOUT ROWID;"
    "CREATE TABLE imports(id TEXT PRIMARY KEY, source INTEGER NOT NULL, file_name TEXT,"
    "  status INTEGER NOT NULL, total_rows INTEGER NOT NULL, rows_applied INTEGER NOT NULL,"
    "  total_errors INTEGER NOT NULL, created_at TEXT NOT NULL, finished_at TEXT NOT NULL);"
    "CREATE TABLE import_errors(import_id TEXT NOT NULL, n INTEGER NOT NULL,"
    "  line INTEGER NOT NULL, col INTEGER, value TEXT, message TEXT NOT NULL,"
    "  PRIMARY KEY(import_id, n)) WITHOUT ROWID;"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, hash BLOB NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE idempotency(scope TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  PRIMARY KEY(scope, key));"
    "INSERT INTO locations(id, name) VALUES('WH1', 'Main');"
    "INSERT INTO positions VALUES('OLD1', 'WH1', 0, '', NULL, NULL, 12, 1, 3, 42);"
    "PRAGMA user_version = 1;";

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void test_migrates_v1_file(void **state)
{
    struct fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(user_version(fx->path), 1);

    open_store(fx);
    struct position k = key("OLD1", NULL);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 12);
    assert_int_equal(p.reserved, 1);
    assert_int_equal(p.allocated, 3);

    err_t e = {0};
    int64_t number = 0;
    begin(fx);
    assert_int_equal(ops(fx)->order_next_number(fx->st, &number, &e), 0);
    commit(fx);
    assert_int_equal(number, 1001);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), 0);
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", "h", &e), 0);
    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 1); /* v1 data: allocated 3 with no allocations */
    assert_non_null(strstr(r.first, "OLD1 at WH1 (onhand) has allocatedQuantity 3"));

    /* Reopening the upgraded file changes nothing. */
    ops(fx)->close(fx->st);
    fx->st = NULL;
    assert_int_equal(user_version(fx->path), 2);
    open_store(fx);
    struct shipment_item *lines = NULL;
    size_t n = 9;
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 0);
    free(lines);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_and_read_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocate_refuses_past_available, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adjust_creates_onhand_and_refuses_negatives,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_page_and_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_add_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cart_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_claim_lease_update_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_consistent_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_finds_planted_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_reports_each_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrates_v1_file, setup_dir, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

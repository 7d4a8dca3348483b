/* fabric backorder/preorder records (SPEC 9): which of a line's units are the record's once
 * shipments split, merge, ship and are cancelled, and the live fields that follow. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/backorder.h"
#include "core/replan.h"

static struct bo_piece piece(const char *id, int status, int stock_type, int64_t qty)
{
    struct bo_piece p = {.status = status, .stock_type = stock_type, .quantity = qty,
                         .stock_date = DATE_NONE, .notified = DATE_NONE};
    strcpy(p.shipment_id, id);
    strcpy(p.location_id, "WH1");
    return p;
}

/* A line of line_qty units, qty of them not served from onhand at placement. */
static struct bo_record record(int64_t line_qty, int64_t qty, struct bo_piece *v, size_t n)
{
    struct bo_record r = {.quantity = qty, .line_quantity = line_qty, .type = BO_PREORDER,
                          .pieces = v, .npieces = n};
    strcpy(r.location_id, "WH1");
    return r;
}

static void test_onhand_part_counts_first(void **state)
{
    (void)state;
    struct bo_piece v[] = {piece("onhand", SHIP_READY, STOCK_ONHAND, 2),
                           piece("po", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, 3)};
    v[1].stock_date = 100;
    struct bo_record r = record(5, 3, v, 2);
    struct bo_live l;
    bo_live(&r, &l);
    assert_int_equal(l.main, 1);
    assert_int_equal(l.status, SHIP_AWAITING_STOCK);
    assert_int_equal(l.type, BO_PREORDER);
    assert_int_equal(l.released, 0);
    assert_int_equal(v[0].mine, 0);
    assert_int_equal(v[1].mine, 3);
}

static void test_partly_received_and_shipped(void **state)
{
    (void)state;
    /* 2 onhand at placement shipped with 1 received unit; 1 received READY; 1 waits. */
    struct bo_piece v[] = {piece("a", SHIP_SHIPPED, STOCK_ONHAND, 3),
                           piece("b", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, 1),
                           piece("c", SHIP_READY, STOCK_ONHAND, 1)};
    struct bo_record r = record(5, 3, v, 3);
    struct bo_live l;
    bo_live(&r, &l);
    assert_int_equal(l.released, 2);
    assert_int_equal(v[0].mine + v[1].mine + v[2].mine, 3);
    assert_int_equal(l.main, 0); /* ties: the first in the order counted */
    assert_int_equal(l.status, SHIP_SHIPPED);
    assert_int_equal(l.type, BO_PREORDER); /* onhand now: the type sold */
}

static void test_cancelled_onhand_part_is_not_the_records(void **state)
{
    (void)state;
    struct bo_piece v[] = {piece("onhand", SHIP_CANCELLED, STOCK_ONHAND, 2),
                           piece("po", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, 3)};
    struct bo_record r = record(5, 3, v, 2);
    struct bo_live l;
    bo_live(&r, &l);
    assert_int_equal(l.status, SHIP_AWAITING_STOCK);
    assert_int_equal(l.type, BO_BACKORDER); /* undated transit now */
}

static void test_declined_part_is_the_records(void **state)
{
    (void)state;
    struct bo_piece v[] = {piece("onhand", SHIP_READY, STOCK_ONHAND, 2),
                           piece("po", SHIP_CANCELLED, STOCK_INTRANSIT, 3)};
    v[1].consent = CONSENT_DECLINED;
    v[1].notified = 42;
    struct bo_record r = record(5, 3, v, 2);
    struct bo_live l;
    bo_live(&r, &l);
    assert_int_equal(l.status, SHIP_CANCELLED);
    assert_int_equal(l.released, 0);
    assert_false(l.consented);
    assert_int_equal(l.notified, 42);
}

static void test_unsourced_is_backorder_and_consent_counts(void **state)
{
    (void)state;
    struct bo_piece v[] = {piece("po", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, 1),
                           piece("u", SHIP_AWAITING_STOCK, STOCK_UNSOURCED, 3)};
    v[0].stock_date = 100;
    v[1].location_id[0] = '\0';
    v[1].consent = CONSENT_IMPLIED;
    struct bo_record r = record(4, 4, v, 2);
    struct bo_live l;
    bo_live(&r, &l);
    assert_int_equal(l.main, 1);
    assert_int_equal(l.type, BO_BACKORDER);
    assert_true(l.consented);
    assert_string_equal(l.location_id, "WH1"); /* the location sold from */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onhand_part_counts_first),
        cmocka_unit_test(test_partly_received_and_shipped),
        cmocka_unit_test(test_cancelled_onhand_part_is_not_the_records),
        cmocka_unit_test(test_declined_part_is_the_records),
        cmocka_unit_test(test_unsourced_is_backorder_and_consent_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

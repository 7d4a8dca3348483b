/* Orders in the domain core: planning into shipments, charges, statuses, receipts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/order.h"

static date_t d(const char *s)
{
    date_t out = DATE_NONE;
    date_parse(s, strlen(s), &out);
    return out;
}

static struct position pos(const char *sku, const char *loc, int type, const char *ref,
                           const char *stock, int64_t qty)
{
    struct position p = {0};
    snprintf(p.sku, sizeof p.sku, "%s", sku);
    snprintf(p.location_id, sizeof p.location_id, "%s", loc);
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.stock_type = type;
    p.order_date = type == STOCK_INTRANSIT ? d("2026-11-20") : DATE_NONE;
    p.stock_date = stock ? d(stock) : DATE_NONE;
    p.quantity = qty;
    return p;
}

static struct order_line line(const char *sku, int64_t qty, int64_t price)
{
    struct order_line l = {0};
    snprintf(l.sku, sizeof l.sku, "%s", sku);
    l.quantity = qty;
    l.unit_price = price;
    return l;
}

static void test_mixed_order_splits_into_onhand_and_transit_shipments(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position a[] = {pos("TSHIRT1", "WH1", STOCK_ONHAND, "", NULL, 25),
                           pos("TSHIRT1", "WH1", STOCK_INTRANSIT, "PO1001", "2026-12-15", 100)};
    struct position b[] = {pos("HOODIE2", "WH1", STOCK_INTRANSIT, "ADV2", NULL, 50)};
    struct order_line lines[] = {line("TSHIRT1", 30, 1000), line("HOODIE2", 2, 500)};
    struct order_stock stock[] = {{a, 2}, {b, 1}};
    struct order_plan p;
    assert_int_equal(order_plan(lines, 2, stock, &s, d("2026-11-27"), &p), 0);
    assert_int_equal(p.nshortages, 0);
    assert_int_equal(p.total, 31000);
    assert_int_equal(p.nshipments, 3);
    /* onhand first; one shipment per transit position */
    assert_int_equal(p.shipments[0].stock_type, STOCK_ONHAND);
    assert_int_equal(p.shipments[0].status, SHIP_READY);
    assert_int_equal(p.shipments[0].amount, 25000);
    assert_string_equal(p.shipments[1].transit_ref, "PO1001");
    assert_int_equal(p.shipments[1].status, SHIP_AWAITING_STOCK);
    assert_int_equal(p.shipments[1].amount, 5000);
    assert_int_equal(p.shipments[1].stock_date, d("2026-12-15"));
    assert_string_equal(p.shipments[1].expected.message,
                        "Backorder: expected delivery Dec 17\xE2\x80\x93" "Dec 20");
    assert_string_equal(p.shipments[2].transit_ref, "ADV2");
    assert_int_equal(p.shipments[2].amount, 1000);
    int64_t now, later;
    order_charges(p.shipments, p.nshipments, CAPTURE_SHIPMENT, &now, &later);
    assert_int_equal(now, 25000);
    assert_int_equal(later, 6000);
    order_charges(p.shipments, p.nshipments, CAPTURE_ORDER, &now, &later);
    assert_int_equal(now, 31000);
    assert_int_equal(later, 0);
    order_plan_free(&p);
}

static void test_two_onhand_lines_at_one_location_share_a_shipment(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position a[] = {pos("A", "WH1", STOCK_ONHAND, "", NULL, 5)};
    struct position b[] = {pos("B", "WH1", STOCK_ONHAND, "", NULL, 5),
                           pos("B", "WH2", STOCK_ONHAND, "", NULL, 5)};
    struct order_line lines[] = {line("A", 1, 100), line("B", 7, 10)};
    struct order_stock stock[] = {{a, 1}, {b, 2}};
    struct order_plan p;
    assert_int_equal(order_plan(lines, 2, stock, &s, d("2026-11-27"), &p), 0);
    assert_int_equal(p.nshipments, 2); /* WH1 (A + 5 B) and WH2 (2 B) */
    assert_string_equal(p.shipments[0].location_id, "WH1");
    assert_int_equal(p.shipments[0].amount, 150);
    assert_string_equal(p.shipments[1].location_id, "WH2");
    assert_int_equal(p.shipments[1].amount, 20);
    order_plan_free(&p);
}

/* What ships later is listed soonest first across lines: the first line's PO arrives last. */
static void test_later_shipments_sorted_by_expected_delivery(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position a[] = {pos("A", "WH1", STOCK_INTRANSIT, "POA", "2027-01-10", 5)};
    struct position b[] = {pos("B", "WH1", STOCK_INTRANSIT, "ADVB", NULL, 5)};
    struct position c[] = {pos("C", "WH1", STOCK_ONHAND, "", NULL, 1),
                           pos("C", "WH1", STOCK_INTRANSIT, "POC", "2026-12-01", 5)};
    struct order_line lines[] = {line("A", 1, 100), line("B", 1, 100), line("C", 2, 100)};
    struct order_stock stock[] = {{a, 1}, {b, 1}, {c, 2}};
    struct order_plan p;
    assert_int_equal(order_plan(lines, 3, stock, &s, d("2026-11-27"), &p), 0);
    assert_int_equal(p.nshipments, 4);
    assert_int_equal(p.shipments[0].stock_type, STOCK_ONHAND);
    /* POC: Dec 3-6; ADVB (backorder): Dec 11-25; POA: Jan 12-15. */
    assert_string_equal(p.shipments[1].transit_ref, "POC");
    assert_string_equal(p.shipments[2].transit_ref, "ADVB");
    assert_string_equal(p.shipments[3].transit_ref, "POA");
    for (size_t i = 0; i < p.nallocs; i++)
        assert_string_equal(p.allocs[i].pos.transit_ref,
                            p.shipments[p.allocs[i].shipment].transit_ref);
    order_plan_free(&p);
}

static void test_short_line_is_listed_and_nothing_allocated_for_it(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position a[] = {pos("A", "WH1", STOCK_ONHAND, "", NULL, 3)};
    a[0].allocated = 1;
    struct order_line lines[] = {line("A", 3, 100)};
    struct order_stock stock[] = {{a, 1}};
    struct order_plan p;
    assert_int_equal(order_plan(lines, 1, stock, &s, d("2026-11-27"), &p), 0);
    assert_int_equal(p.nshortages, 1);
    assert_string_equal(p.shortages[0].sku, "A");
    assert_int_equal(p.shortages[0].requested, 3);
    assert_int_equal(p.shortages[0].available_total, 2);
    assert_int_equal(p.nallocs, 0);
    order_plan_free(&p);
}

static void test_merge_lines_adds_quantities_of_the_same_sku(void **state)
{
    (void)state;
    struct order_line lines[] = {line("A", 1, 1), line("B", 2, 1), line("A", 3, 1)};
    assert_int_equal(order_merge_lines(lines, 3), 2);
    assert_string_equal(lines[0].sku, "A");
    assert_int_equal(lines[0].quantity, 4);
    assert_string_equal(lines[1].sku, "B");
}

static void test_order_status_follows_shipments(void **state)
{
    (void)state;
    struct shipment_rec placed[] = {{.status = SHIP_READY}, {.status = SHIP_AWAITING_STOCK}};
    struct shipment_rec partial[] = {{.status = SHIP_SHIPPED}, {.status = SHIP_AWAITING_STOCK}};
    struct shipment_rec shipped[] = {{.status = SHIP_SHIPPED}, {.status = SHIP_SHIPPED}};
    struct shipment_rec cancelled[] = {{.status = SHIP_CANCELLED}, {.status = SHIP_CANCELLED}};
    struct shipment_rec rest_cancelled[] = {{.status = SHIP_SHIPPED},
                                            {.status = SHIP_CANCELLED}};
    assert_int_equal(order_status(placed, 2), ORDER_PLACED);
    assert_int_equal(order_status(partial, 2), ORDER_PARTIALLY_SHIPPED);
    assert_int_equal(order_status(shipped, 2), ORDER_SHIPPED);
    assert_int_equal(order_status(cancelled, 2), ORDER_CANCELLED);
    assert_int_equal(order_status(rest_cancelled, 2), ORDER_SHIPPED);
    assert_string_equal(order_status_name(ORDER_PARTIALLY_SHIPPED), "PARTIALLY_SHIPPED");
    assert_string_equal(order_shipment_status_name(SHIP_AWAITING_STOCK), "AWAITING_STOCK");
}

static void test_receipt_releases_oldest_first_and_may_cover_in_part(void **state)
{
    (void)state;
    struct receipt_claim claims[] = {{1, 3}, {2, 4}, {3, 2}};
    int64_t moved[3];
    assert_int_equal(order_receipt(claims, 3, 5, moved), 5);
    assert_int_equal(moved[0], 3);
    assert_int_equal(moved[1], 2); /* split: 2 onhand, 2 still in transit */
    assert_int_equal(moved[2], 0);
    /* more than claimed: the rest becomes free onhand stock */
    assert_int_equal(order_receipt(claims, 3, 20, moved), 9);
    assert_int_equal(moved[2], 2);
}

/* 4611686018427387905 x 4 wraps to 4 in 64 bits: refused, naming the line, nothing planned;
 * two lines that fit alone but not together name the second. */
static void test_amounts_that_do_not_fit_in_64_bits_are_refused(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position a[] = {pos("BIG", "WH1", STOCK_ONHAND, "", NULL, 10)};
    struct order_line lines[] = {line("BIG", 4, 4611686018427387905LL)};
    struct order_stock stock[] = {{a, 1}};
    struct order_plan p;
    assert_int_equal(order_plan(lines, 1, stock, &s, d("2026-11-27"), &p), ERR_INVALID);
    assert_string_equal(p.overflow_sku, "BIG");
    assert_null(p.allocs);
    assert_int_equal(p.total, 0);
    order_plan_free(&p);

    struct position b[] = {pos("B2", "WH1", STOCK_ONHAND, "", NULL, 10)};
    struct order_line two[] = {line("BIG", 1, INT64_MAX - 5), line("B2", 1, 6)};
    struct order_stock st2[] = {{a, 1}, {b, 1}};
    assert_int_equal(order_plan(two, 2, st2, &s, d("2026-11-27"), &p), ERR_INVALID);
    assert_string_equal(p.overflow_sku, "B2");
    order_plan_free(&p);
    two[1].unit_price = 5;
    assert_int_equal(order_plan(two, 2, st2, &s, d("2026-11-27"), &p), 0);
    assert_int_equal(p.total, INT64_MAX);
    order_plan_free(&p);
}

static void test_payment_status_from_amounts(void **state)
{
    (void)state;
    struct payment p = {.authorized = 100};
    assert_int_equal(order_payment_status(&p), PAY_AUTHORIZED);
    p.captured = 40;
    assert_int_equal(order_payment_status(&p), PAY_PARTIALLY_CAPTURED);
    p.voided = 60;
    assert_int_equal(order_payment_status(&p), PAY_CAPTURED);
    p.captured = 0;
    p.voided = 100;
    assert_int_equal(order_payment_status(&p), PAY_VOIDED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mixed_order_splits_into_onhand_and_transit_shipments),
        cmocka_unit_test(test_two_onhand_lines_at_one_location_share_a_shipment),
        cmocka_unit_test(test_short_line_is_listed_and_nothing_allocated_for_it),
        cmocka_unit_test(test_merge_lines_adds_quantities_of_the_same_sku),
        cmocka_unit_test(test_order_status_follows_shipments),
        cmocka_unit_test(test_receipt_releases_oldest_first_and_may_cover_in_part),
        cmocka_unit_test(test_payment_status_from_amounts),
        cmocka_unit_test(test_later_shipments_sorted_by_expected_delivery),
        cmocka_unit_test(test_amounts_that_do_not_fit_in_64_bits_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

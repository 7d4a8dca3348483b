/* SPEC section 1: positions, availability arithmetic and the allocation order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/position.h"

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    if (s)
        assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static struct position onhand(const char *loc, int64_t qty)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "TSHIRT1");
    snprintf(p.location_id, sizeof p.location_id, "%s", loc);
    p.stock_type = STOCK_ONHAND;
    p.order_date = p.stock_date = DATE_NONE;
    p.quantity = qty;
    return p;
}

/* stock == NULL makes a backorder position. */
static struct position transit(const char *loc, const char *ref, const char *ordered,
                               const char *stock, int64_t qty)
{
    struct position p = onhand(loc, qty);
    p.stock_type = STOCK_INTRANSIT;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.order_date = D(ordered);
    p.stock_date = D(stock);
    return p;
}

static void assert_before(const struct position *a, const struct position *b)
{
    assert_true(position_cmp(a, b) < 0);
    assert_true(position_cmp(b, a) > 0);
}

static void test_available_is_quantity_minus_reserved_minus_allocated(void **state)
{
    (void)state;
    struct position p = onhand("WH1", 25);
    assert_int_equal(position_available(&p), 25);
    p.reserved = 5;
    p.allocated = 7;
    assert_int_equal(position_available(&p), 13);
    p.allocated = 20;
    assert_int_equal(position_available(&p), 0);
}

/* SPEC 5.8: only a dated transit position whose stock date is before today is overdue. */
static void test_overdue(void **state)
{
    (void)state;
    date_t today = D("2026-12-08");
    assert_true(position_overdue(STOCK_INTRANSIT, D("2026-12-07"), today));
    assert_false(position_overdue(STOCK_INTRANSIT, D("2026-12-08"), today));
    assert_false(position_overdue(STOCK_INTRANSIT, DATE_NONE, today));
    assert_false(position_overdue(STOCK_ONHAND, D("2026-12-07"), today));
}

static void test_available_is_never_negative(void **state)
{
    (void)state;
    struct position p = onhand("WH1", 10);
    p.allocated = 15; /* an import shrank the position below its allocations */
    assert_int_equal(position_available(&p), 0);
    p.allocated = 0;
    p.reserved = 11;
    assert_int_equal(position_available(&p), 0);
    p.quantity = 0;
    p.reserved = 2147483647;
    p.allocated = 2147483647;
    assert_int_equal(position_available(&p), 0);
}

static void test_oversold_when_allocated_exceeds_quantity_minus_reserved(void **state)
{
    (void)state;
    struct position p = onhand("WH1", 10);
    p.reserved = 3;
    p.allocated = 7; /* exactly all of it: not oversold */
    assert_false(position_oversold(&p));
    p.allocated = 8;
    assert_true(position_oversold(&p));
    /* reservations above quantity break no promise while nothing is allocated */
    p.allocated = 0;
    p.reserved = 12;
    assert_false(position_oversold(&p));
    p.allocated = 1;
    assert_true(position_oversold(&p));
}

static void test_preorder_is_transit_with_stock_date(void **state)
{
    (void)state;
    struct position oh = onhand("WH1", 1);
    struct position po = transit("WH1", "PO1", "2026-11-20", "2026-12-15", 1);
    struct position bo = transit("WH1", "ADV2", "2026-11-20", NULL, 1);
    assert_false(position_is_preorder(&oh));
    assert_true(position_is_preorder(&po));
    assert_false(position_is_preorder(&bo));
}

static void test_stock_type_names(void **state)
{
    (void)state;
    assert_string_equal(position_stock_type_name(STOCK_ONHAND), "onhand");
    assert_string_equal(position_stock_type_name(STOCK_INTRANSIT), "intransit");
}

static void test_position_list_grows_by_doubling_and_frees(void **state)
{
    (void)state;
    struct position_list l = {0};
    for (int i = 0; i < 100; i++) {
        struct position p = onhand("WH1", i);
        assert_int_equal(position_list_push(&l, &p), 0);
        assert_true(l.cap >= l.n);
        assert_int_equal(l.cap & (l.cap - 1), 0); /* a power of two */
    }
    assert_int_equal(l.n, 100);
    assert_int_equal(l.cap, 128);
    for (int i = 0; i < 100; i++)
        assert_int_equal(l.v[i].quantity, i);
    position_list_free(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.cap, 0);
    position_list_free(&l); /* freeing twice is harmless */
}

static void test_allocation_order_all_onhand_before_any_transit(void **state)
{
    (void)state;
    struct position oh = onhand("WH9", 1);
    struct position po = transit("WH1", "PO1", "2020-01-01", "2020-01-02", 1);
    struct position bo = transit("WH1", "ADV1", "2020-01-01", NULL, 1);
    assert_before(&oh, &po);
    assert_before(&oh, &bo);
}

static void test_allocation_order_onhand_by_location_then_sku(void **state)
{
    (void)state;
    struct position a = onhand("WH1", 1), b = onhand("WH2", 1);
    assert_before(&a, &b);
    assert_int_equal(position_cmp(&a, &a), 0);
    /* several SKUs in one location still sort the same way every time */
    struct position c = onhand("WH1", 1);
    snprintf(c.sku, sizeof c.sku, "HOODIE2");
    assert_before(&c, &a);
    assert_before(&c, &b);
}

static void test_allocation_order_preorders_by_earliest_stock_date(void **state)
{
    (void)state;
    /* a later order date and ref do not matter when the stock date is earlier */
    struct position early = transit("WH2", "PO9", "2026-11-25", "2026-12-10", 1);
    struct position late = transit("WH1", "PO1", "2026-11-01", "2026-12-15", 1);
    assert_before(&early, &late);
}

static void test_allocation_order_preorder_ties_order_date_then_ref(void **state)
{
    (void)state;
    /* same stock date: earliest order date wins, whatever the ref */
    struct position a = transit("WH2", "PO9", "2026-11-01", "2026-12-15", 1);
    struct position b = transit("WH1", "PO1", "2026-11-02", "2026-12-15", 1);
    assert_before(&a, &b);
    /* same stock and order date: ref decides (strcmp), before location */
    struct position c = transit("WH2", "PO1001", "2026-11-01", "2026-12-15", 1);
    struct position d = transit("WH1", "PO1002", "2026-11-01", "2026-12-15", 1);
    assert_before(&c, &d);
    /* everything equal but location */
    struct position e = transit("WH1", "PO1", "2026-11-01", "2026-12-15", 1);
    struct position f = transit("WH2", "PO1", "2026-11-01", "2026-12-15", 1);
    assert_before(&e, &f);
}

static void test_allocation_order_preorders_before_backorders(void **state)
{
    (void)state;
    struct position po = transit("WH1", "PO9", "2026-11-25", "2027-06-01", 1);
    struct position bo = transit("WH1", "ADV1", "2026-01-01", NULL, 1);
    assert_before(&po, &bo);
}

static void test_allocation_order_backorders_by_order_date_then_ref(void **state)
{
    (void)state;
    struct position a = transit("WH2", "ADV9", "2026-11-01", NULL, 1);
    struct position b = transit("WH1", "ADV1", "2026-11-02", NULL, 1);
    assert_before(&a, &b);
    struct position c = transit("WH2", "ADV1", "2026-11-01", NULL, 1);
    struct position d = transit("WH1", "ADV2", "2026-11-01", NULL, 1);
    assert_before(&c, &d);
    struct position e = transit("WH1", "ADV1", "2026-11-01", NULL, 1);
    struct position f = transit("WH2", "ADV1", "2026-11-01", NULL, 1);
    assert_before(&e, &f);
}

static void test_position_sort_gives_one_order_for_any_input_order(void **state)
{
    (void)state;
    const struct position want[] = {
        onhand("WH1", 1),
        onhand("WH2", 1),
        transit("WH2", "PO5", "2026-11-01", "2026-12-10", 1),
        transit("WH1", "PO2", "2026-11-01", "2026-12-15", 1),
        transit("WH1", "PO3", "2026-11-01", "2026-12-15", 1),
        transit("WH1", "PO1", "2026-11-05", "2026-12-15", 1),
        transit("WH1", "ADV2", "2026-10-01", NULL, 1),
        transit("WH1", "ADV1", "2026-10-02", NULL, 1),
        transit("WH2", "ADV1", "2026-10-02", NULL, 1),
    };
    enum { N = sizeof want / sizeof want[0] };
    /* a few deterministic shuffles: reversed, rotated, interleaved */
    for (size_t shuffle = 0; shuffle < 3 * N; shuffle++) {
        struct position v[N];
        for (size_t i = 0; i < N; i++) {
            size_t j;
            if (shuffle == 0)
                j = N - 1 - i;
            else if (shuffle < N)
                j = (i + shuffle) % N;
            else
                j = (i * 2 + shuffle) % N; /* N is odd, so this is a permutation */
            v[i] = want[j];
        }
        position_sort(v, N);
        for (size_t i = 0; i < N; i++) {
            if (position_cmp(&v[i], &want[i]) != 0)
                fail_msg("shuffle %zu: position %zu is %s/%s", shuffle, i, v[i].location_id,
                         v[i].transit_ref);
        }
    }
    position_sort(NULL, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_available_is_quantity_minus_reserved_minus_allocated),
        cmocka_unit_test(test_available_is_never_negative),
        cmocka_unit_test(test_overdue),
        cmocka_unit_test(test_oversold_when_allocated_exceeds_quantity_minus_reserved),
        cmocka_unit_test(test_preorder_is_transit_with_stock_date),
        cmocka_unit_test(test_stock_type_names),
        cmocka_unit_test(test_position_list_grows_by_doubling_and_frees),
        cmocka_unit_test(test_allocation_order_all_onhand_before_any_transit),
        cmocka_unit_test(test_allocation_order_onhand_by_location_then_sku),
        cmocka_unit_test(test_allocation_order_preorders_by_earliest_stock_date),
        cmocka_unit_test(test_allocation_order_preorder_ties_order_date_then_ref),
        cmocka_unit_test(test_allocation_order_preorders_before_backorders),
        cmocka_unit_test(test_allocation_order_backorders_by_order_date_then_ref),
        cmocka_unit_test(test_position_sort_gives_one_order_for_any_input_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPEC 9 limits in the core: safetyStock, the pre-order/backorder limits of a location
 * (availability, the promise, re-planning) and lowStock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/promise.h"
#include "core/replan.h"

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    if (s)
        assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static const char *TODAY = "2026-11-27";

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
static struct position transit(const char *ref, const char *stock, int64_t qty)
{
    struct position p = onhand("WH1", qty);
    p.stock_type = STOCK_INTRANSIT;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.order_date = D("2026-11-01");
    p.stock_date = D(stock);
    return p;
}

static void limit_all(struct position *v, size_t n, struct limits l)
{
    for (size_t i = 0; i < n; i++)
        v[i].lim = l;
}

static void test_no_limits_change_nothing(void **state)
{
    (void)state;
    struct position v[] = {onhand("WH1", 5), transit("PO1", "2026-12-10", 7),
                           transit("BO1", NULL, 3)};
    v[1].allocated = 2;
    position_sort(v, 3);
    assert_int_equal(position_available(&v[0]), 5);
    assert_int_equal(position_available(&v[1]), 5);
    assert_int_equal(position_available(&v[2]), 3);
    assert_false(position_low_stock(v, 3));
}

static void test_safety_stock_hides_onhand_only(void **state)
{
    (void)state;
    struct position v[] = {onhand("WH1", 10), transit("PO1", "2026-12-10", 10)};
    v[0].allocated = 1;
    limit_all(v, 2, (struct limits){.has_safety_stock = true, .safety_stock = 6});
    position_sort(v, 2);
    assert_int_equal(position_available(&v[0]), 3); /* 10 - 1 allocated - 6 */
    assert_int_equal(position_available(&v[1]), 10);
    v[0].lim.safety_stock = 20;
    assert_int_equal(position_available(&v[0]), 0); /* never negative */
}

/* The limit is shared by a location's dated positions, in allocation order, after what they
 * already hold; the undated ones have their own. */
static void test_transit_limits_share_a_pool(void **state)
{
    (void)state;
    struct position v[] = {transit("PO2", "2026-12-20", 10), transit("PO1", "2026-12-10", 10),
                           transit("BO1", NULL, 10)};
    limit_all(v, 3, (struct limits){.has_preorder_limit = true, .preorder_limit = 12,
                                    .has_backorder_limit = true, .backorder_limit = 0});
    v[0].allocated = 3; /* PO2 */
    position_sort(v, 3);
    assert_string_equal(v[0].transit_ref, "PO1");
    assert_int_equal(position_available(&v[0]), 9); /* 12 - 3 held on PO2 */
    assert_int_equal(position_available(&v[1]), 0); /* PO1 took what was left */
    assert_int_equal(position_available(&v[2]), 0); /* backorderLimit 0 */

    struct availability a;
    struct settings s;
    settings_defaults(&s);
    promise_availability(v, 3, &s, D(TODAY), &a);
    assert_int_equal(a.available_transit, 9);
    struct allocation out[3];
    bool ok;
    assert_int_equal(promise_allocate(v, 3, 10, out, &ok), 1);
    assert_false(ok);
}

/* Another location's positions are another pool. */
static void test_limits_are_per_location(void **state)
{
    (void)state;
    struct position v[] = {transit("PO1", "2026-12-10", 10), transit("PO2", "2026-12-10", 10)};
    snprintf(v[1].location_id, sizeof v[1].location_id, "WH2");
    v[0].lim = (struct limits){.has_preorder_limit = true, .preorder_limit = 4};
    position_sort(v, 2);
    assert_int_equal(position_available(&v[0]), 4);
    assert_int_equal(position_available(&v[1]), 10);
}

static void test_low_stock(void **state)
{
    (void)state;
    struct position v[] = {onhand("WH1", 10), onhand("WH2", 4), transit("PO1", "2026-12-10", 50)};
    v[0].lim = (struct limits){.has_low_stock = true, .low_stock = 5};
    position_sort(v, 3);
    assert_false(position_low_stock(v, 3)); /* 14 available > 5 */
    v[0].allocated = 5;
    assert_false(position_low_stock(v, 3)); /* 9 > 5 */
    v[1].quantity = 0;
    assert_true(position_low_stock(v, 3)); /* 5 <= 5: at the limit counts */
    v[0].lim.has_safety_stock = true;
    v[0].lim.safety_stock = 5;
    assert_true(position_low_stock(v, 3)); /* 0 available */

    struct availability a;
    struct settings s;
    settings_defaults(&s);
    promise_availability(v, 3, &s, D(TODAY), &a);
    assert_true(a.low_stock);
}

/* Re-planning keeps the oldest orders within the limit; the rest moves to another pool or
 * waits unsourced. */
static void test_replan_respects_the_limit(void **state)
{
    (void)state;
    struct position v[] = {transit("PO1", "2026-12-10", 10), transit("BO1", NULL, 10)};
    limit_all(v, 2, (struct limits){.has_preorder_limit = true, .preorder_limit = 7,
                                    .has_backorder_limit = true, .backorder_limit = 2});
    position_sort(v, 2);
    const struct replan_alloc allocs[] = {{1001, 0, 6, 0}, {1002, 0, 4, 0}};
    struct settings s;
    settings_defaults(&s);
    struct replan_result r;
    assert_int_equal(replan_sku(v, 2, allocs, 2, &s, D(TODAY), &r), 0);
    /* 1001 keeps 6 on PO1; 1002 keeps 1 there, 2 go to BO1, 1 is unsourced. */
    const struct replan_piece want[] = {{0, 0, 6}, {1, 0, 1}, {1, 1, 2}, {1, REPLAN_UNSOURCED, 1}};
    assert_int_equal(r.n, 4);
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(r.v[k].alloc, want[k].alloc);
        assert_int_equal(r.v[k].source, want[k].source);
        assert_int_equal(r.v[k].quantity, want[k].quantity);
    }
    replan_result_free(&r);
}

/* Rule 4 may move units between two POs of one pool even when the pool is full. */
static void test_replan_moves_within_a_full_pool(void **state)
{
    (void)state;
    struct position v[] = {transit("PO1", "2026-12-10", 10), transit("PO2", "2027-01-20", 10)};
    limit_all(v, 2, (struct limits){.has_preorder_limit = true, .preorder_limit = 5});
    position_sort(v, 2);
    /* Units held on the later PO move to the earlier one, which has free units. */
    const struct replan_alloc allocs[] = {{1001, 1, 5, 0}};
    struct settings s;
    settings_defaults(&s);
    struct replan_result r;
    assert_int_equal(replan_sku(v, 2, allocs, 1, &s, D(TODAY), &r), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.v[0].source, 0);
    assert_int_equal(r.v[0].quantity, 5);
    replan_result_free(&r);
}

/* Units on the move take on-hand units only above the safety stock; units already there keep
 * theirs (a safetyStock change applies to new orders only). */
static void test_replan_moves_leave_safety_stock(void **state)
{
    (void)state;
    struct position v[] = {onhand("WH1", 10), transit("PO1", "2026-12-10", 2)};
    limit_all(v, 2, (struct limits){.has_safety_stock = true, .safety_stock = 4});
    position_sort(v, 2);
    /* 1001 holds 4 on-hand; 1002's 5 on PO1 lose 3. */
    const struct replan_alloc allocs[] = {{1001, 0, 4, 0}, {1002, 1, 5, 0}};
    struct settings s;
    settings_defaults(&s);
    struct replan_result r;
    assert_int_equal(replan_sku(v, 2, allocs, 2, &s, D(TODAY), &r), 0);
    /* 1002 keeps 2 on PO1; of its 3 moving, 2 fit on-hand above the 4 kept back
     * (10 - 4 held - 4), 1 waits unsourced. */
    const struct replan_piece want[] = {{0, 0, 4}, {1, 0, 2}, {1, 1, 2}, {1, REPLAN_UNSOURCED, 1}};
    assert_int_equal(r.n, 4);
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(r.v[k].alloc, want[k].alloc);
        assert_int_equal(r.v[k].source, want[k].source);
        assert_int_equal(r.v[k].quantity, want[k].quantity);
    }
    replan_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_limits_change_nothing),
        cmocka_unit_test(test_safety_stock_hides_onhand_only),
        cmocka_unit_test(test_transit_limits_share_a_pool),
        cmocka_unit_test(test_limits_are_per_location),
        cmocka_unit_test(test_low_stock),
        cmocka_unit_test(test_replan_respects_the_limit),
        cmocka_unit_test(test_replan_moves_within_a_full_pool),
        cmocka_unit_test(test_replan_moves_leave_safety_stock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

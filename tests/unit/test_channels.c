/* SPEC 9 channels in the core: which positions serve a channel, availability and the
 * promise for a channel (limits still shared across channels), and re-planning that only
 * moves an order's units where its channel may take them. */
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

static struct position onhand(int64_t channel, int64_t qty)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "TSHIRT1");
    snprintf(p.location_id, sizeof p.location_id, "WH1");
    p.stock_type = STOCK_ONHAND;
    p.order_date = p.stock_date = DATE_NONE;
    p.quantity = qty;
    p.channel_id = channel;
    return p;
}

static struct position preorder(int64_t channel, const char *ref, int64_t qty)
{
    struct position p = onhand(channel, qty);
    p.stock_type = STOCK_INTRANSIT;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.order_date = D("2026-11-01");
    p.stock_date = D("2026-12-15");
    return p;
}

static void test_a_position_without_channel_serves_every_channel(void **state)
{
    (void)state;
    struct position none = onhand(0, 1), a = onhand(7, 1);
    assert_true(position_serves(&none, 0));
    assert_true(position_serves(&none, 7));
    assert_true(position_serves(&a, 0)); /* no channel: every position */
    assert_true(position_serves(&a, 7));
    assert_false(position_serves(&a, 8));
}

static void test_channel_keeps_its_own_and_the_shared_positions(void **state)
{
    (void)state;
    struct position v[] = {onhand(0, 4), onhand(8, 6), onhand(7, 3)};
    position_sort(v, 3);
    /* A channel's own stock comes before the shared stock of the same place. */
    assert_int_equal(v[0].channel_id, 7);
    assert_int_equal(v[1].channel_id, 8);
    assert_int_equal(v[2].channel_id, 0);
    assert_int_equal(position_available_total(v, 3), 13);
    size_t n = position_for_channel(v, 3, 7);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].channel_id, 7);
    assert_int_equal(v[1].channel_id, 0);
    assert_int_equal(position_available_total(v, n), 7);
    struct allocation al[2];
    bool ok;
    assert_int_equal(promise_allocate(v, n, 5, al, &ok), 2);
    assert_true(ok);
    assert_int_equal(al[0].quantity, 3); /* its own first */
    assert_int_equal(al[1].quantity, 2);
}

static void test_limits_are_shared_across_channels(void **state)
{
    (void)state;
    /* preorderLimit 10 at WH1: channel 8's PO holds 6 allocated, so channel 7 may take 4,
     * and the offer of channel 8's PO does not use up channel 7's room. */
    struct position v[] = {preorder(8, "PO1", 20), preorder(7, "PO2", 20)};
    v[0].allocated = 6;
    for (size_t i = 0; i < 2; i++) {
        v[i].lim.has_preorder_limit = true;
        v[i].lim.preorder_limit = 10;
    }
    position_sort(v, 2);
    size_t n = position_for_channel(v, 2, 7);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].transit_ref, "PO2");
    assert_int_equal(position_available(&v[0]), 4);
}

static void test_safety_stock_is_one_figure_per_location(void **state)
{
    (void)state;
    /* safetyStock 2 at WH1 with channel 7's 3 units and 4 shared ones: held back once, from
     * the shared units (last in allocation order). */
    struct position v[] = {onhand(0, 4), onhand(7, 3)};
    for (size_t i = 0; i < 2; i++) {
        v[i].lim.has_safety_stock = true;
        v[i].lim.safety_stock = 2;
    }
    position_sort(v, 2);
    assert_int_equal(position_available(&v[0]), 3);
    assert_int_equal(position_available(&v[1]), 2);
    assert_int_equal(position_available_total(v, 2), 5);
    assert_int_equal(position_safety_share(v, 2, 0, true), 0);
    assert_int_equal(position_safety_share(v, 2, 1, true), 2);
    /* The shared units allocated: what is left of the figure comes from channel 7's. */
    v[1].allocated = 3;
    position_limit(v, 2);
    assert_int_equal(position_available(&v[0]), 2);
    assert_int_equal(position_available(&v[1]), 0);
    struct position b[] = {v[0], v[1]};
    assert_int_equal(position_for_channel(b, 2, 8), 1);
    assert_int_equal(position_available(&b[0]), 0);
}

static void test_replan_moves_units_only_where_the_order_channel_may(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    /* Channel 7's onhand cut to 1 under 4 units of an order in channel 7; channel 8 has 5
     * free units, a shared PO 2. */
    struct position pos[] = {onhand(7, 1), onhand(8, 5), preorder(0, "PO1", 2)};
    position_sort(pos, 3);
    struct replan_alloc a[] = {{1001, 0, 4, 7}};
    struct replan_result r;
    assert_int_equal(replan_sku(pos, 3, a, 1, &s, D("2026-11-27"), &r), 0);
    const struct replan_piece want[] = {{0, 0, 1}, {0, 2, 2}, {0, REPLAN_UNSOURCED, 1}};
    assert_int_equal(r.n, 3);
    for (size_t k = 0; k < 3; k++) {
        assert_int_equal(r.v[k].alloc, want[k].alloc);
        assert_int_equal(r.v[k].source, want[k].source);
        assert_int_equal(r.v[k].quantity, want[k].quantity);
    }
    assert_int_equal(r.free_units[1], 5);
    replan_result_free(&r);
    /* Without a channel the same order takes channel 8's onhand first. */
    a[0].channel = 0;
    assert_int_equal(replan_sku(pos, 3, a, 1, &s, D("2026-11-27"), &r), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.v[1].source, 1);
    assert_int_equal(r.v[1].quantity, 3);
    replan_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_position_without_channel_serves_every_channel),
        cmocka_unit_test(test_channel_keeps_its_own_and_the_shared_positions),
        cmocka_unit_test(test_limits_are_shared_across_channels),
        cmocka_unit_test(test_safety_stock_is_one_figure_per_location),
        cmocka_unit_test(test_replan_moves_units_only_where_the_order_channel_may),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

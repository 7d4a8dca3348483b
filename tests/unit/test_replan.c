/* SPEC 5.7 (re-planning open allocations after a supply change) and 5.8 (delay, consent,
 * sweep). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/replan.h"

#define U REPLAN_UNSOURCED

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    if (s)
        assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static const char *TODAY = "2026-11-27";

static struct position onhand(int64_t qty)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "TSHIRT1");
    snprintf(p.location_id, sizeof p.location_id, "WH1");
    p.stock_type = STOCK_ONHAND;
    p.order_date = p.stock_date = DATE_NONE;
    p.quantity = qty;
    return p;
}

/* stock == NULL makes a backorder position. */
static struct position transit(const char *ref, const char *stock, int64_t qty)
{
    struct position p = onhand(qty);
    p.stock_type = STOCK_INTRANSIT;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.order_date = D("2026-11-01");
    p.stock_date = D(stock);
    return p;
}

struct want {
    size_t alloc, source;
    int64_t quantity;
};

/* Runs replan_sku and checks the pieces, in output order, and the units left free. */
static void check(struct position *pos, size_t npos, const struct replan_alloc *a, size_t na,
                  const struct want *want, size_t nwant, const int64_t *free_units)
{
    struct settings s;
    struct replan_result r;
    settings_defaults(&s);
    position_sort(pos, npos);
    assert_int_equal(replan_sku(pos, npos, a, na, &s, D(TODAY), &r), 0);
    for (size_t k = 0; k < r.n && k < nwant; k++) {
        if (r.v[k].alloc != want[k].alloc || r.v[k].source != want[k].source ||
            r.v[k].quantity != want[k].quantity)
            fail_msg("piece %zu: got alloc %zu source %zu qty %lld, want %zu %zu %lld", k,
                     r.v[k].alloc, r.v[k].source, (long long)r.v[k].quantity, want[k].alloc,
                     want[k].source, (long long)want[k].quantity);
    }
    assert_int_equal(r.n, nwant);
    for (size_t i = 0; i < npos; i++)
        assert_int_equal(r.free_units[i], free_units[i]);
    replan_result_free(&r);
}

/* Positions sort into allocation order: onhand, pre-orders by date, backorders. The tests
 * name sources by that sorted index. */

static void test_nothing_changed_keeps_everything(void **state)
{
    (void)state;
    struct position pos[] = {onhand(5), transit("PO1", "2026-12-15", 30)};
    struct replan_alloc a[] = {{1001, 0, 5, 0}, {1002, 1, 10, 0}, {1003, 1, 10, 0}};
    struct want w[] = {{0, 0, 5}, {1, 1, 10}, {2, 1, 10}};
    int64_t f[] = {0, 10};
    check(pos, 2, a, 3, w, 3, f);
}

static void test_cut_po_moves_newest_orders_to_next_po(void **state)
{
    (void)state;
    /* PO1 cut from 30 to 10 with 30 units on orders; PO2 has 50 free. */
    struct position pos[] = {transit("PO1", "2026-12-07", 10), transit("PO2", "2026-12-20", 50)};
    struct replan_alloc a[] = {{1003, 0, 10, 0}, {1001, 0, 10, 0}, {1002, 0, 10, 0}};
    struct want w[] = {{0, 1, 10}, {1, 0, 10}, {2, 1, 10}};
    int64_t f[] = {0, 30};
    check(pos, 2, a, 3, w, 3, f);
}

static void test_shortfall_takes_onhand_first_then_part(void **state)
{
    (void)state;
    /* PO1 cut to 4 under 10 units of one order: 2 on hand are free, PO2 covers the rest. */
    struct position pos[] = {onhand(2), transit("PO1", "2026-12-07", 4),
                             transit("PO2", "2026-12-20", 3)};
    struct replan_alloc a[] = {{1001, 1, 10, 0}};
    struct want w[] = {{0, 0, 2}, {0, 1, 4}, {0, 2, 3}, {0, U, 1}};
    int64_t f[] = {0, 0, 0};
    check(pos, 3, a, 1, w, 4, f);
}

static void test_shortfall_to_backorder_position(void **state)
{
    (void)state;
    struct position pos[] = {transit("PO1", "2026-12-07", 0), transit("ADV1", NULL, 5)};
    struct replan_alloc a[] = {{1001, 0, 3, 0}};
    struct want w[] = {{0, 1, 3}};
    int64_t f[] = {0, 2};
    check(pos, 2, a, 1, w, 1, f);
}

static void test_reserved_units_count_against_the_hold(void **state)
{
    (void)state;
    struct position pos[] = {transit("PO1", "2026-12-07", 10)};
    pos[0].reserved = 7;
    struct replan_alloc a[] = {{1001, 0, 2, 0}, {1002, 0, 2, 0}};
    struct want w[] = {{0, 0, 2}, {1, 0, 1}, {1, U, 1}};
    int64_t f[] = {0};
    check(pos, 1, a, 2, w, 3, f);
}

static void test_new_supply_serves_unsourced_oldest_first(void **state)
{
    (void)state;
    /* A new PO of 5 units: the older waiting order takes 4, the newer 1; nothing left. */
    struct position pos[] = {transit("PO3", "2027-01-10", 5)};
    struct replan_alloc a[] = {{1002, U, 3, 0}, {1001, U, 4, 0}};
    struct want w[] = {{0, 0, 1}, {0, U, 2}, {1, 0, 4}};
    int64_t f[] = {0};
    check(pos, 1, a, 2, w, 3, f);
}

static void test_slipped_po_moves_to_earlier_po_with_free_units(void **state)
{
    (void)state;
    /* PO1 slipped from Dec 7 to Feb 1, so it now sorts after PO2 (Dec 20, 50 units, 5 taken). */
    struct position pos[] = {transit("PO1", "2027-02-01", 30), transit("PO2", "2026-12-20", 50)};
    struct replan_alloc a[] = {{1001, 1, 20, 0}, {1002, 1, 10, 0}, {1003, 0, 5, 0}};
    struct want w[] = {{0, 0, 20}, {1, 0, 10}, {2, 0, 5}};
    int64_t f[] = {15, 30};
    check(pos, 2, a, 3, w, 3, f);
}

static void test_freed_units_go_oldest_later_source_first(void **state)
{
    (void)state;
    /* 3 units land on hand: the oldest order waiting on a PO moves first, in part. */
    struct position pos[] = {onhand(3), transit("PO1", "2026-12-07", 10)};
    struct replan_alloc a[] = {{1002, 1, 2, 0}, {1001, 1, 2, 0}};
    struct want w[] = {{0, 0, 1}, {0, 1, 1}, {1, 0, 2}};
    int64_t f[] = {0, 9};
    check(pos, 2, a, 2, w, 3, f);
}

static void test_backorder_moves_to_dated_po_that_delivers_sooner(void **state)
{
    (void)state;
    /* Undated counts as today + 28 = Dec 25; PO1 delivers by Dec 12 (Dec 7 + 5). */
    struct position pos[] = {transit("PO1", "2026-12-07", 1), transit("ADV1", NULL, 10)};
    struct replan_alloc a[] = {{1001, 1, 2, 0}};
    struct want w[] = {{0, 0, 1}, {0, 1, 1}};
    int64_t f[] = {0, 9};
    check(pos, 2, a, 1, w, 2, f);
}

static void test_overdue_po_counts_as_undated(void **state)
{
    (void)state;
    /* PO1's date passed (counts as Dec 25), PO2 delivers by Dec 15: the order moves. */
    struct position pos[] = {transit("PO1", "2026-11-20", 10), transit("PO2", "2026-12-10", 10)};
    struct replan_alloc a[] = {{1001, 0, 4, 0}};
    struct want w[] = {{0, 1, 4}};
    int64_t f[] = {10, 6};
    check(pos, 2, a, 1, w, 1, f);
    struct settings s;
    settings_defaults(&s);
    assert_int_equal(replan_source_to(&pos[0], &s, D(TODAY)), D("2026-12-25"));
}

static void test_same_delivery_date_does_not_move(void **state)
{
    (void)state;
    /* Two POs delivering the same day: no gain, no move, no churn. */
    struct position pos[] = {transit("PO1", "2026-12-07", 10), transit("PO2", "2026-12-07", 10)};
    struct replan_alloc a[] = {{1001, 1, 4, 0}};
    struct want w[] = {{0, 1, 4}};
    int64_t f[] = {10, 6};
    check(pos, 2, a, 1, w, 1, f);
}

static void test_no_allocations(void **state)
{
    (void)state;
    struct position pos[] = {onhand(3)};
    int64_t f[] = {3};
    check(pos, 1, NULL, 0, NULL, 0, f);
}

/* Random supply and orders: every unit is placed exactly once, no position holds more than
 * it can, nothing is left unsourced while units are free, and no unit could move to a free
 * unit of a source that delivers strictly earlier. */
static void test_random_invariants(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    srand(7);
    const char *dates[] = {"2026-11-20", "2026-12-07", "2026-12-20", "2027-02-01", NULL};
    for (int round = 0; round < 2000; round++) {
        struct position pos[6];
        size_t npos = 1 + (size_t)(rand() % 6);
        pos[0] = onhand(rand() % 6);
        for (size_t i = 1; i < npos; i++) {
            char ref[24];
            snprintf(ref, sizeof ref, "PO%zu", i);
            pos[i] = transit(ref, dates[rand() % 5], rand() % 12);
            pos[i].reserved = rand() % 3;
        }
        position_sort(pos, npos);
        struct replan_alloc a[12];
        size_t na = (size_t)(rand() % 12);
        int64_t total = 0;
        for (size_t k = 0; k < na; k++) {
            a[k].order = 1000 + rand() % 8;
            a[k].source = rand() % 4 == 0 ? U : (size_t)(rand() % (int)npos);
            a[k].quantity = 1 + rand() % 6;
            a[k].channel = 0;
            total += a[k].quantity;
        }
        struct replan_result r;
        assert_int_equal(replan_sku(pos, npos, a, na, &s, D(TODAY), &r), 0);
        int64_t per_alloc[12] = {0}, used[6] = {0}, placed = 0, unsourced = 0, free_sum = 0;
        for (size_t k = 0; k < r.n; k++) {
            assert_true(r.v[k].quantity > 0);
            per_alloc[r.v[k].alloc] += r.v[k].quantity;
            placed += r.v[k].quantity;
            if (r.v[k].source == U)
                unsourced += r.v[k].quantity;
            else
                used[r.v[k].source] += r.v[k].quantity;
        }
        assert_int_equal(placed, total);
        for (size_t k = 0; k < na; k++)
            assert_int_equal(per_alloc[k], a[k].quantity);
        for (size_t i = 0; i < npos; i++) {
            assert_int_equal(used[i] + r.free_units[i], replan_hold(&pos[i]));
            free_sum += r.free_units[i];
        }
        assert_true(unsourced == 0 || free_sum == 0);
        for (size_t k = 0; k < r.n; k++) {
            if (r.v[k].source == U)
                continue;
            date_t to = replan_source_to(&pos[r.v[k].source], &s, D(TODAY));
            for (size_t i = 0; i < npos; i++)
                assert_false(r.free_units[i] > 0 && replan_source_to(&pos[i], &s, D(TODAY)) < to);
        }
        replan_result_free(&r);
    }
}

/* --- delays --- */

static const struct delay_policy POLICY = {30, 7};

static struct delay_state promised(const char *to)
{
    struct delay_state st;
    memset(&st, 0, sizeof st);
    st.accepted_to = D(to);
    st.expected_to = DATE_NONE;
    return st;
}

static void test_delay_earlier_or_same_is_nothing(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    assert_int_equal(delay_decide(&st, D("2026-12-12"), D(TODAY), &POLICY), DELAY_NOTHING);
    assert_int_equal(delay_decide(&st, D("2026-12-01"), D(TODAY), &POLICY), DELAY_NOTHING);
    assert_int_equal(st.consent, CONSENT_NONE);
}

static void test_short_delay_implied_after_respond_by(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    assert_int_equal(delay_decide(&st, D("2027-01-11"), D(TODAY), &POLICY), DELAY_NEW);
    assert_int_equal(st.consent, CONSENT_PENDING);
    assert_false(st.consent_required); /* exactly 30 days later: silence still counts */
    assert_int_equal(st.respond_by, D("2026-12-04"));
    assert_int_equal(delay_sweep(&st, D("2026-12-04")), SWEEP_NOTHING); /* answers count through */
    assert_int_equal(delay_sweep(&st, D("2026-12-05")), SWEEP_IMPLIED);
    assert_int_equal(st.consent, CONSENT_IMPLIED);
    assert_int_equal(st.accepted_to, D("2027-01-11"));
    assert_int_equal(delay_sweep(&st, D("2026-12-06")), SWEEP_NOTHING); /* idempotent */
}

static void test_long_delay_requires_consent_and_cancels_in_silence(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    assert_int_equal(delay_decide(&st, D("2027-01-12"), D(TODAY), &POLICY), DELAY_NEW);
    assert_true(st.consent_required);
    assert_int_equal(delay_sweep(&st, D("2026-12-05")), SWEEP_CANCEL);
}

static void test_undated_delay_requires_consent(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    assert_int_equal(delay_decide(&st, DATE_NONE, D(TODAY), &POLICY), DELAY_NEW);
    assert_true(st.consent_required);
    assert_int_equal(st.expected_to, DATE_NONE);
}

static void test_second_delay_after_implied_requires_consent(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    delay_decide(&st, D("2026-12-20"), D(TODAY), &POLICY);
    assert_int_equal(delay_sweep(&st, D("2026-12-05")), SWEEP_IMPLIED);
    assert_int_equal(delay_decide(&st, D("2026-12-22"), D("2026-12-06"), &POLICY), DELAY_NEW);
    assert_true(st.consent_required);
    assert_int_equal(st.respond_by, D("2026-12-13"));
}

static void test_pending_delay_updates_in_place(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    delay_decide(&st, D("2026-12-20"), D(TODAY), &POLICY);
    /* later again, two days on: a new email, respondBy moves on */
    assert_int_equal(delay_decide(&st, D("2026-12-28"), D("2026-11-29"), &POLICY),
                     DELAY_UPDATE_EMAIL);
    assert_int_equal(st.respond_by, D("2026-12-06"));
    /* a little earlier but still late: no email, respondBy never moves earlier */
    assert_int_equal(delay_decide(&st, D("2026-12-24"), D(TODAY), &POLICY), DELAY_UPDATE);
    assert_int_equal(st.respond_by, D("2026-12-06"));
    assert_int_equal(st.expected_to, D("2026-12-24"));
    /* nor later without a notice: the shopper was told Dec 6 */
    assert_int_equal(delay_decide(&st, D("2026-12-24"), D("2026-12-03"), &POLICY), DELAY_UPDATE);
    assert_int_equal(st.respond_by, D("2026-12-06"));
    /* undated: email, consent now required */
    assert_int_equal(delay_decide(&st, DATE_NONE, D(TODAY), &POLICY), DELAY_UPDATE_EMAIL);
    assert_true(st.consent_required);
    /* back within the promise: withdrawn */
    assert_int_equal(delay_decide(&st, D("2026-12-11"), D(TODAY), &POLICY), DELAY_WITHDRAW);
    assert_int_equal(st.consent, CONSENT_NONE);
}

static void test_accepting_undated_accepts_the_first_date_only(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    delay_decide(&st, DATE_NONE, D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&st), 0);
    assert_int_equal(st.consent, CONSENT_ACCEPTED);
    assert_int_equal(delay_accept(&st), ERR_CONFLICT);
    assert_int_equal(delay_decide(&st, DATE_NONE, D(TODAY), &POLICY), DELAY_NOTHING);
    assert_int_equal(delay_decide(&st, D("2027-03-01"), D(TODAY), &POLICY), DELAY_DATED);
    assert_int_equal(st.accepted_to, D("2027-03-01"));
    assert_int_equal(delay_decide(&st, D("2027-03-02"), D(TODAY), &POLICY), DELAY_NEW);
    assert_true(st.consent_required);
}

static void test_accept_dated_makes_it_the_accepted_range(void **state)
{
    (void)state;
    struct delay_state st = promised("2026-12-12");
    assert_int_equal(delay_accept(&st), ERR_CONFLICT); /* never delayed */
    delay_decide(&st, D("2026-12-20"), D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&st), 0);
    assert_int_equal(st.accepted_to, D("2026-12-20"));
    assert_int_equal(delay_sweep(&st, D("2027-01-01")), SWEEP_NOTHING);
    assert_int_equal(delay_decide(&st, D("2026-12-19"), D(TODAY), &POLICY), DELAY_NOTHING);
}

/* Units joining a shipment (5.7 rule 5) hold it to the earliest range accepted for them. */
static void test_join_earlier_promise_holds_the_shipment(void **state)
{
    (void)state;
    struct delay_state into = promised("2026-12-25"), joining = promised("2026-11-30");
    assert_int_equal(delay_join(&into, D("2026-12-25"), &joining, D("2026-11-30"), 1), 1);
    assert_false(into.consented_before);
    /* The shipment's own promise (Dec 25) stays; Nov 30 is the bar it is held to. */
    delay_promised(&into, D("2026-12-25"));
    assert_int_equal(into.accepted_to, D("2026-11-30"));
    assert_int_equal(delay_decide(&into, D("2026-12-29"), D(TODAY), &POLICY), DELAY_NEW);
    assert_false(into.consent_required); /* 29 days past Nov 30 */
}

static void test_join_later_promise_changes_nothing(void **state)
{
    (void)state;
    struct delay_state into = promised("2026-12-12"), joining = promised("2026-12-25");
    delay_decide(&into, D("2026-12-23"), D(TODAY), &POLICY);
    struct delay_state was = into;
    assert_int_equal(delay_join(&into, D("2026-12-12"), &joining, D("2026-12-25"), 1), 0);
    assert_memory_equal(&into, &was, sizeof into); /* still PENDING against Dec 12 */
    /* Equal ranges: the shipment keeps its own. */
    joining = promised("2026-12-12");
    assert_int_equal(delay_join(&into, D("2026-12-12"), &joining, D("2026-12-12"), 1), 0);
}

static void test_join_under_an_accepted_delay_drops_the_accepted_range(void **state)
{
    (void)state;
    struct delay_state into = promised("2026-12-25"), joining = promised("2026-12-12");
    delay_decide(&into, D("2027-01-02"), D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&into), 0);
    assert_int_equal(delay_join(&into, D("2026-12-25"), &joining, D("2026-12-12"), 1), 1);
    assert_true(into.consented_before); /* the shipment accepted a delay before */
    assert_int_equal(into.accepted_to, D("2026-12-12"));
    assert_int_equal(into.consent, CONSENT_NONE); /* the joining units' (none) */
    assert_int_equal(delay_decide(&into, D("2027-01-02"), D(TODAY), &POLICY), DELAY_NEW);
    assert_true(into.consent_required);
}

static void test_join_keeps_the_accepted_range_of_joining_units(void **state)
{
    (void)state;
    /* Joining units accepted Dec 20 (promised Dec 12): the shipment promised Dec 25 takes
     * Dec 20, not their Dec 12 promise. */
    struct delay_state into = promised("2026-12-25"), joining = promised("2026-12-12");
    delay_decide(&joining, D("2026-12-20"), D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&joining), 0);
    assert_int_equal(delay_join(&into, D("2026-12-25"), &joining, D("2026-12-12"), 1), 1);
    assert_true(into.consented_before);
    assert_int_equal(into.accepted_to, D("2026-12-20"));
    assert_int_equal(delay_decide(&into, D("2026-12-20"), D(TODAY), &POLICY), DELAY_NOTHING);
    /* An accepted "no date yet" is later than any date: the shipment's own range holds, and
     * the earlier answer counts for it. */
    struct delay_state own = promised("2026-12-25"), undated = promised("2026-12-12");
    delay_decide(&undated, DATE_NONE, D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&undated), 0);
    assert_int_equal(delay_join(&own, D("2026-12-25"), &undated, D("2026-12-12"), 1), 0);
    assert_true(own.consented_before);
    assert_false(own.accepted_undated);
    assert_int_equal(own.accepted_to, D("2026-12-25"));
}

static void test_join_keeps_the_later_respond_by(void **state)
{
    (void)state;
    /* Both sides wait for an answer: the joining units' (earlier promise, answer by Dec 5)
     * becomes the shipment's delay, but its own notice said Dec 8: that date holds. */
    struct delay_state into = promised("2026-12-19"), joining = promised("2026-12-12");
    delay_decide(&joining, D("2027-02-04"), D("2026-11-28"), &POLICY);
    delay_decide(&into, D("2027-01-30"), D("2026-12-01"), &POLICY);
    assert_int_equal(delay_join(&into, D("2026-12-19"), &joining, D("2026-12-12"), 1), 1);
    assert_int_equal(into.respond_by, D("2026-12-08"));
    assert_int_equal(delay_decide(&into, D("2027-01-30"), D("2026-12-02"), &POLICY), DELAY_UPDATE);
    assert_int_equal(into.respond_by, D("2026-12-08"));
    /* The other way round: the shipment's own delay stays, the joining units' later date
     * holds. */
    struct delay_state own = promised("2026-12-12"), late = promised("2026-12-19");
    delay_decide(&own, D("2027-02-04"), D("2026-11-28"), &POLICY);
    delay_decide(&late, D("2027-01-30"), D("2026-12-01"), &POLICY);
    assert_int_equal(delay_join(&own, D("2026-12-12"), &late, D("2026-12-19"), 1), 0);
    assert_int_equal(own.respond_by, D("2026-12-08"));
    assert_int_equal(own.accepted_to, D("2026-12-12"));
}

/* The units that brought a shipment its bar leave first; when they all left, it is held to
 * its own promise again (a PENDING delay within it is withdrawn). */
static void test_join_then_leave_takes_the_bar_along(void **state)
{
    (void)state;
    struct delay_state into = promised("2027-01-25"), joining = promised("2026-12-19");
    assert_int_equal(delay_join(&into, D("2027-01-25"), &joining, D("2026-12-19"), 5), 1);
    assert_int_equal(into.bar_units, 5);
    assert_int_equal(delay_decide(&into, D("2027-01-25"), D(TODAY), &POLICY), DELAY_NEW);
    /* Same bar: counted with them; a later bar: not counted. */
    struct delay_state same = promised("2026-12-19"), later_one = promised("2027-01-05");
    assert_int_equal(delay_join(&into, D("2027-01-25"), &same, D("2026-12-19"), 2), 0);
    assert_int_equal(into.bar_units, 7);
    assert_int_equal(delay_join(&into, D("2027-01-25"), &later_one, D("2027-01-05"), 4), 0);
    assert_int_equal(into.bar_units, 7);
    /* 3 units leave: all of them held to Dec 19; 4 stay held to it. */
    struct delay_state left = into;
    left.bar_units = delay_leave(&into, D("2027-01-25"), 3);
    assert_int_equal(left.bar_units, 3);
    assert_int_equal(into.bar_units, 4);
    assert_int_equal(into.accepted_to, D("2026-12-19"));
    /* 6 more leave: the last 4 held to it among them; the rest is on time against Jan 25. */
    assert_int_equal(delay_leave(&into, D("2027-01-25"), 6), 4);
    assert_int_equal(into.bar_units, 0);
    assert_int_equal(into.accepted_to, D("2027-01-25"));
    assert_int_equal(delay_decide(&into, D("2027-01-25"), D(TODAY), &POLICY), DELAY_WITHDRAW);
    /* The units that left carry the bar to where they go: a shipment promised Jan 25 too. */
    struct delay_state back = promised("2027-01-25");
    assert_int_equal(delay_join(&back, D("2027-01-25"), &left, D("2027-01-25"), 3), 1);
    assert_int_equal(back.bar_units, 3);
    delay_promised(&back, D("2027-01-25"));
    assert_int_equal(back.accepted_to, D("2026-12-19"));
}

/* After a consent the bar is the accepted range, whatever units leave; a shipment held to a
 * bar without a count (stored before it was kept) keeps it. */
static void test_leave_keeps_a_consented_or_uncounted_bar(void **state)
{
    (void)state;
    struct delay_state into = promised("2027-01-25"), joining = promised("2026-12-19");
    delay_join(&into, D("2027-01-25"), &joining, D("2026-12-19"), 5);
    delay_decide(&into, D("2027-01-30"), D(TODAY), &POLICY);
    assert_int_equal(delay_accept(&into), 0);
    assert_int_equal(delay_leave(&into, D("2027-01-25"), 5), 5);
    assert_int_equal(into.accepted_to, D("2027-01-30")); /* the accepted range */
    assert_true(into.consented_before);
    struct delay_state old = promised("2027-01-25");
    old.accepted_to = D("2026-12-19");
    assert_int_equal(delay_leave(&old, D("2027-01-25"), 5), 0);
    assert_int_equal(old.accepted_to, D("2026-12-19"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nothing_changed_keeps_everything),
        cmocka_unit_test(test_cut_po_moves_newest_orders_to_next_po),
        cmocka_unit_test(test_shortfall_takes_onhand_first_then_part),
        cmocka_unit_test(test_shortfall_to_backorder_position),
        cmocka_unit_test(test_reserved_units_count_against_the_hold),
        cmocka_unit_test(test_new_supply_serves_unsourced_oldest_first),
        cmocka_unit_test(test_slipped_po_moves_to_earlier_po_with_free_units),
        cmocka_unit_test(test_freed_units_go_oldest_later_source_first),
        cmocka_unit_test(test_backorder_moves_to_dated_po_that_delivers_sooner),
        cmocka_unit_test(test_overdue_po_counts_as_undated),
        cmocka_unit_test(test_same_delivery_date_does_not_move),
        cmocka_unit_test(test_no_allocations),
        cmocka_unit_test(test_random_invariants),
        cmocka_unit_test(test_delay_earlier_or_same_is_nothing),
        cmocka_unit_test(test_short_delay_implied_after_respond_by),
        cmocka_unit_test(test_long_delay_requires_consent_and_cancels_in_silence),
        cmocka_unit_test(test_undated_delay_requires_consent),
        cmocka_unit_test(test_second_delay_after_implied_requires_consent),
        cmocka_unit_test(test_pending_delay_updates_in_place),
        cmocka_unit_test(test_accepting_undated_accepts_the_first_date_only),
        cmocka_unit_test(test_accept_dated_makes_it_the_accepted_range),
        cmocka_unit_test(test_join_earlier_promise_holds_the_shipment),
        cmocka_unit_test(test_join_later_promise_changes_nothing),
        cmocka_unit_test(test_join_under_an_accepted_delay_drops_the_accepted_range),
        cmocka_unit_test(test_join_keeps_the_accepted_range_of_joining_units),
        cmocka_unit_test(test_join_keeps_the_later_respond_by),
        cmocka_unit_test(test_join_then_leave_takes_the_bar_along),
        cmocka_unit_test(test_leave_keeps_a_consented_or_uncounted_bar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

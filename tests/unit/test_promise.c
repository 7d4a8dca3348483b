/* SPEC sections 1 and 2: availability status, delivery ranges and allocation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/promise.h"

#define DASH "\xE2\x80\x93" /* EN DASH, U+2013 */

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    if (s)
        assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static struct position onhand(const char *loc, int64_t qty, int64_t allocated)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "TSHIRT1");
    snprintf(p.location_id, sizeof p.location_id, "%s", loc);
    p.stock_type = STOCK_ONHAND;
    p.order_date = p.stock_date = DATE_NONE;
    p.quantity = qty;
    p.allocated = allocated;
    return p;
}

/* stock == NULL makes a backorder position. */
static struct position transit(const char *ref, const char *ordered, const char *stock,
                               int64_t qty, int64_t allocated)
{
    struct position p = onhand("WH1", qty, allocated);
    p.stock_type = STOCK_INTRANSIT;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref);
    p.order_date = D(ordered);
    p.stock_date = D(stock);
    return p;
}

static void assert_range(const struct range *r, const char *from, const char *to,
                         const char *message)
{
    char f[DATE_STRLEN], t[DATE_STRLEN];
    date_format(r->from, f);
    date_format(r->to, t);
    assert_string_equal(f, from);
    assert_string_equal(t, to);
    assert_string_equal(r->message, message);
}

static void range_of(const struct position *p, const struct settings *s, const char *today,
                     struct range *r)
{
    memset(r, 0x5a, sizeof *r);
    promise_range(p, s, D(today), r);
}

/* ---- delivery ranges (SPEC 2) ---- */

static void test_onhand_range_is_today_plus_in_stock_days(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position p = onhand("WH1", 25, 0);
    struct range r;
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-28", "2026-11-30", "In stock. Delivery Nov 28" DASH "Nov 30");
}

static void test_onhand_message_bytes_match_spec_example(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.in_stock_max_days = 5; /* the SPEC 5.1 example's range */
    struct position p = onhand("WH1", 25, 0);
    struct range r;
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-28", "2026-12-02", "In stock. Delivery Nov 28–Dec 2");
    static const char bytes[] = {'I', 'n', ' ', 's', 't', 'o', 'c', 'k', '.', ' ', 'D', 'e',
                                 'l', 'i', 'v', 'e', 'r', 'y', ' ', 'N', 'o', 'v', ' ', '2',
                                 '8', (char)0xE2, (char)0x80, (char)0x93, 'D', 'e', 'c', ' ',
                                 '2', '\0'};
    assert_memory_equal(r.message, bytes, sizeof bytes);
}

static void test_onhand_range_business_days_skip_weekend(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.business_days = true;
    struct position p = onhand("WH1", 25, 0);
    struct range r;
    range_of(&p, &s, "2026-11-27", &r); /* a Friday */
    assert_range(&r, "2026-11-30", "2026-12-02", "In stock. Delivery Nov 30" DASH "Dec 2");
}

static void test_preorder_range_is_stock_date_plus_buffer(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position p = transit("PO1001", "2026-11-20", "2026-12-15", 100, 0);
    struct range r;
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-17", "2026-12-20",
                 "Backorder: expected delivery Dec 17" DASH "Dec 20");
    s.business_days = true; /* Tue + 2 -> Thu, Tue + 5 -> next Tue */
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-17", "2026-12-22",
                 "Backorder: expected delivery Dec 17" DASH "Dec 22");
}

static void test_preorder_weekend_stock_date_calendar_days(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position sat = transit("PO1", "2026-11-20", "2026-12-19", 10, 0);
    struct range r;
    range_of(&sat, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-21", "2026-12-24",
                 "Backorder: expected delivery Dec 21" DASH "Dec 24");
}

static void test_preorder_weekend_stock_date_business_days(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.business_days = true;
    struct position sat = transit("PO1", "2026-11-20", "2026-12-19", 10, 0);
    struct position sun = transit("PO2", "2026-11-20", "2026-12-20", 10, 0);
    struct range r;
    range_of(&sat, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-22", "2026-12-25",
                 "Backorder: expected delivery Dec 22" DASH "Dec 25");
    range_of(&sun, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-22", "2026-12-25",
                 "Backorder: expected delivery Dec 22" DASH "Dec 25");
}

static void test_business_days_skip_holidays(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.business_days = true;
    s.holidays[0] = D("2026-12-25");
    s.holidays[1] = D("2026-12-22");
    s.nholidays = 2;
    assert_int_equal(settings_validate(&s, NULL), 0);
    struct position sat = transit("PO1", "2026-11-20", "2026-12-19", 10, 0);
    struct range r;
    /* Mon 21 (1), Tue 22 holiday, Wed 23 (2) ... Thu 24 (3), Fri 25 holiday, Mon 28 (4), Tue 29 (5) */
    range_of(&sat, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-23", "2026-12-29",
                 "Backorder: expected delivery Dec 23" DASH "Dec 29");
    /* holidays do not count as calendar days when businessDays is off */
    s.business_days = false;
    range_of(&sat, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-21", "2026-12-24",
                 "Backorder: expected delivery Dec 21" DASH "Dec 24");
}

static void test_preorder_stock_date_in_past_counts_as_today(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position late = transit("PO1", "2026-10-01", "2026-11-01", 10, 0);
    struct position due = transit("PO2", "2026-10-01", "2026-11-27", 10, 0);
    struct range r;
    range_of(&late, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-29", "2026-12-02",
                 "Backorder: expected delivery Nov 29" DASH "Dec 2");
    range_of(&due, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-29", "2026-12-02",
                 "Backorder: expected delivery Nov 29" DASH "Dec 2");
    s.business_days = true; /* a Monday stock date, today Friday: counts from Friday */
    struct position mon = transit("PO3", "2026-10-01", "2026-11-23", 10, 0);
    range_of(&mon, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-01", "2026-12-04",
                 "Backorder: expected delivery Dec 1" DASH "Dec 4");
}

static void test_preorder_from_is_never_earlier_than_onhand_from(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.preorder_buffer_min_days = 0;
    s.preorder_buffer_max_days = 1;
    struct position late = transit("PO1", "2026-10-01", "2026-11-01", 10, 0);
    struct range r;
    range_of(&late, &s, "2026-11-27", &r); /* today + 0 -> clamped to today + 1 */
    assert_range(&r, "2026-11-28", "2026-11-28",
                 "Backorder: expected delivery Nov 28" DASH "Nov 28");

    /* the clamp lifts `to` as well so the range never runs backwards */
    s.in_stock_min_days = 2;
    s.preorder_buffer_max_days = 0;
    range_of(&late, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-29", "2026-11-29",
                 "Backorder: expected delivery Nov 29" DASH "Nov 29");

    /* with business days the onhand `from` is Monday, so is the pre-order's */
    settings_defaults(&s);
    s.business_days = true;
    s.preorder_buffer_min_days = 0;
    range_of(&late, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-30", "2026-12-04",
                 "Backorder: expected delivery Nov 30" DASH "Dec 4");

    /* a future stock date that lands on the onhand `from` is left alone */
    settings_defaults(&s);
    s.preorder_buffer_min_days = 0;
    struct position tomorrow = transit("PO2", "2026-10-01", "2026-11-28", 10, 0);
    range_of(&tomorrow, &s, "2026-11-27", &r);
    assert_range(&r, "2026-11-28", "2026-12-03",
                 "Backorder: expected delivery Nov 28" DASH "Dec 3");
}

static void test_backorder_range_is_today_plus_backorder_days(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position p = transit("ADV2", "2026-11-20", NULL, 50, 0);
    struct range r;
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-11", "2026-12-25",
                 "Backorder: expected delivery Dec 11" DASH "Dec 25");
    s.business_days = true;
    range_of(&p, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-17", "2027-01-06",
                 "Backorder: expected delivery Dec 17" DASH "Jan 6, 2027");
}

static void test_backorder_message_overrides_default_wording(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    snprintf(s.backorder_message, sizeof s.backorder_message, "Ships in 2" DASH "4 weeks");
    struct position bo = transit("ADV2", "2026-11-20", NULL, 50, 0);
    struct range r;
    range_of(&bo, &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-11", "2026-12-25", "Ships in 2" DASH "4 weeks");

    /* only backorders: pre-orders and onhand keep their dated wording */
    struct position po = transit("PO1", "2026-11-20", "2026-12-15", 50, 0);
    range_of(&po, &s, "2026-11-27", &r);
    assert_string_equal(r.message, "Backorder: expected delivery Dec 17" DASH "Dec 20");

    /* a message as long as the setting allows still fits */
    memset(s.backorder_message, 'x', SETTINGS_TEXT_MAX - 1);
    s.backorder_message[SETTINGS_TEXT_MAX - 1] = '\0';
    range_of(&bo, &s, "2026-11-27", &r);
    assert_string_equal(r.message, s.backorder_message);
}

static void test_year_boundary_message_shows_year(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position oh = onhand("WH1", 1, 0);
    struct position bo = transit("ADV2", "2026-11-20", NULL, 1, 0);
    struct position po = transit("PO1", "2026-11-20", "2027-01-05", 1, 0);
    struct range r;
    range_of(&oh, &s, "2026-12-30", &r);
    assert_range(&r, "2026-12-31", "2027-01-02", "In stock. Delivery Dec 31" DASH "Jan 2, 2027");
    range_of(&bo, &s, "2026-12-30", &r);
    assert_range(&r, "2027-01-13", "2027-01-27",
                 "Backorder: expected delivery Jan 13, 2027" DASH "Jan 27, 2027");
    range_of(&po, &s, "2026-11-27", &r);
    assert_range(&r, "2027-01-07", "2027-01-10",
                 "Backorder: expected delivery Jan 7, 2027" DASH "Jan 10, 2027");
    /* once the new year is today, the year is dropped again */
    range_of(&oh, &s, "2027-01-01", &r);
    assert_range(&r, "2027-01-02", "2027-01-04", "In stock. Delivery Jan 2" DASH "Jan 4");
}

static void test_ranges_across_february_in_leap_year(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position oh = onhand("WH1", 1, 0);
    struct position po = transit("PO1", "2028-01-10", "2028-02-27", 1, 0);
    struct range r;
    range_of(&oh, &s, "2028-02-27", &r);
    assert_range(&r, "2028-02-28", "2028-03-01", "In stock. Delivery Feb 28" DASH "Mar 1");
    range_of(&po, &s, "2028-02-20", &r);
    assert_range(&r, "2028-02-29", "2028-03-03",
                 "Backorder: expected delivery Feb 29" DASH "Mar 3");
    range_of(&oh, &s, "2027-02-27", &r);
    assert_range(&r, "2027-02-28", "2027-03-02", "In stock. Delivery Feb 28" DASH "Mar 2");
}

/* ---- availability status (SPEC 1, 5.1) ---- */

static void availability(struct position *v, size_t n, const struct settings *s,
                         struct availability *a)
{
    position_sort(v, n);
    memset(a, 0x5a, sizeof *a);
    promise_availability(v, n, s, D("2026-11-27"), a);
}

static void test_status_in_stock_when_onhand_available(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        transit("ADV2", "2026-11-20", NULL, 50, 0),
        transit("PO1001", "2026-11-20", "2026-12-15", 100, 0),
        onhand("WH1", 25, 0),
    };
    struct availability a;
    availability(v, 3, &s, &a);
    assert_int_equal(a.status, STATUS_IN_STOCK);
    assert_string_equal(promise_status_name(a.status), "IN_STOCK");
    assert_true(a.in_stock);
    assert_false(a.backorder);
    assert_true(a.add_to_cart);
    assert_int_equal(a.available_stock, 25);
    assert_int_equal(a.available_transit, 150);
    assert_int_equal(a.available_total, 175);
    assert_int_equal(a.stock_date, DATE_NONE);
    assert_true(a.has_expected);
    assert_range(&a.expected, "2026-11-28", "2026-11-30",
                 "In stock. Delivery Nov 28" DASH "Nov 30");
}

static void test_status_in_transit_from_preorder_sets_stock_date(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        transit("ADV2", "2026-11-20", NULL, 50, 0),
        transit("PO1001", "2026-11-20", "2026-12-15", 100, 0),
        onhand("WH1", 25, 25), /* all promised already */
    };
    struct availability a;
    availability(v, 3, &s, &a);
    assert_int_equal(a.status, STATUS_IN_TRANSIT);
    assert_string_equal(promise_status_name(a.status), "IN_TRANSIT");
    assert_false(a.in_stock);
    assert_true(a.backorder);
    assert_true(a.add_to_cart);
    assert_int_equal(a.available_stock, 0);
    assert_int_equal(a.available_transit, 150);
    assert_int_equal(a.available_total, 150);
    assert_int_equal(a.stock_date, D("2026-12-15"));
    assert_true(a.has_expected);
    assert_range(&a.expected, "2026-12-17", "2026-12-20",
                 "Backorder: expected delivery Dec 17" DASH "Dec 20");
}

static void test_status_in_transit_stock_date_of_first_preorder_with_stock(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        transit("PO2", "2026-11-20", "2026-12-20", 10, 0),
        transit("PO1", "2026-11-20", "2026-12-15", 10, 10), /* earlier but exhausted */
    };
    struct availability a;
    availability(v, 2, &s, &a);
    assert_int_equal(a.status, STATUS_IN_TRANSIT);
    assert_int_equal(a.stock_date, D("2026-12-20"));
    assert_range(&a.expected, "2026-12-22", "2026-12-25",
                 "Backorder: expected delivery Dec 22" DASH "Dec 25");

    /* a late purchase order reports its real stock date; the range starts from today */
    struct position late[] = {transit("PO3", "2026-10-01", "2026-11-01", 10, 0)};
    availability(late, 1, &s, &a);
    assert_int_equal(a.stock_date, D("2026-11-01"));
    assert_range(&a.expected, "2026-11-29", "2026-12-02",
                 "Backorder: expected delivery Nov 29" DASH "Dec 2");
}

static void test_status_in_transit_from_backorder_has_no_stock_date(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    snprintf(s.backorder_message, sizeof s.backorder_message, "Made to order");
    struct position v[] = {
        transit("ADV2", "2026-11-20", NULL, 50, 0),
        transit("PO1001", "2026-11-20", "2026-12-15", 100, 100),
        onhand("WH1", 0, 0),
    };
    struct availability a;
    availability(v, 3, &s, &a);
    assert_int_equal(a.status, STATUS_IN_TRANSIT);
    assert_true(a.backorder);
    assert_false(a.in_stock);
    assert_true(a.add_to_cart);
    assert_int_equal(a.available_transit, 50);
    assert_int_equal(a.available_total, 50);
    assert_int_equal(a.stock_date, DATE_NONE);
    assert_true(a.has_expected);
    assert_range(&a.expected, "2026-12-11", "2026-12-25", "Made to order");
}

static void test_status_out_of_stock_when_nothing_available(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        onhand("WH1", 0, 0),
        transit("PO1001", "2026-11-20", "2026-12-15", 100, 100),
        transit("ADV2", "2026-11-20", NULL, 50, 0),
    };
    v[2].reserved = 50; /* held by another system */
    struct availability a;
    availability(v, 3, &s, &a);
    assert_int_equal(a.status, STATUS_OUT_OF_STOCK);
    assert_string_equal(promise_status_name(a.status), "OUT_OF_STOCK");
    assert_false(a.in_stock);
    assert_false(a.backorder);
    assert_false(a.add_to_cart);
    assert_int_equal(a.available_stock, 0);
    assert_int_equal(a.available_transit, 0);
    assert_int_equal(a.available_total, 0);
    assert_int_equal(a.stock_date, DATE_NONE);
    assert_false(a.has_expected);

    availability(NULL, 0, &s, &a);
    assert_int_equal(a.status, STATUS_OUT_OF_STOCK);
    assert_false(a.add_to_cart);
    assert_false(a.has_expected);
    assert_int_equal(a.stock_date, DATE_NONE);
}

static void test_oversold_position_counts_as_zero_available(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        onhand("WH1", 5, 8), /* oversold by 3 */
        transit("PO1", "2026-11-20", "2026-12-15", 10, 0),
    };
    assert_true(position_oversold(&v[0]));
    struct availability a;
    availability(v, 2, &s, &a);
    assert_int_equal(a.available_stock, 0); /* not -3 */
    assert_int_equal(a.available_transit, 10);
    assert_int_equal(a.available_total, 10);
    assert_int_equal(a.status, STATUS_IN_TRANSIT);
}

/* ---- allocation (SPEC 1) ---- */

static int64_t sum(const struct allocation *al, size_t n)
{
    int64_t t = 0;
    for (size_t i = 0; i < n; i++)
        t += al[i].quantity;
    return t;
}

/* Sorted: [0] WH1 onhand 5, [1] WH2 onhand (none left), [2] PO-A, [3] PO-B, [4] backorder. */
static void mixed(struct position v[5])
{
    v[0] = transit("ADV1", "2026-11-01", NULL, 100, 0);
    v[1] = transit("POB", "2026-11-10", "2026-12-20", 10, 0);
    v[2] = onhand("WH2", 7, 7);
    v[3] = transit("POA", "2026-11-15", "2026-12-15", 10, 0);
    v[4] = onhand("WH1", 5, 0);
    position_sort(v, 5);
    assert_string_equal(v[0].location_id, "WH1");
    assert_string_equal(v[1].location_id, "WH2");
    assert_string_equal(v[2].transit_ref, "POA");
    assert_string_equal(v[3].transit_ref, "POB");
    assert_string_equal(v[4].transit_ref, "ADV1");
}

static void test_allocation_onhand_then_preorders_then_backorder(void **state)
{
    (void)state;
    struct position v[5];
    mixed(v);
    struct allocation al[5];
    bool ok = false;
    size_t n = promise_allocate(v, 5, 30, al, &ok);
    assert_true(ok);
    assert_int_equal(n, 4);
    assert_int_equal(al[0].pos, 0); /* onhand WH1 */
    assert_int_equal(al[0].quantity, 5);
    assert_int_equal(al[1].pos, 2); /* WH2 has nothing left: skipped */
    assert_int_equal(al[1].quantity, 10);
    assert_int_equal(al[2].pos, 3);
    assert_int_equal(al[2].quantity, 10);
    assert_int_equal(al[3].pos, 4);
    assert_int_equal(al[3].quantity, 5);
    assert_int_equal(sum(al, n), 30);
}

static void test_allocation_exactly_available_total_is_fulfillable(void **state)
{
    (void)state;
    struct position v[5];
    mixed(v);
    struct allocation al[5];
    bool ok = false;
    size_t n = promise_allocate(v, 5, 125, al, &ok);
    assert_true(ok);
    assert_int_equal(n, 4);
    assert_int_equal(sum(al, n), 125);

    n = promise_allocate(v, 5, 3, al, &ok); /* fits in the first position */
    assert_true(ok);
    assert_int_equal(n, 1);
    assert_int_equal(al[0].pos, 0);
    assert_int_equal(al[0].quantity, 3);
}

static void test_allocation_not_fulfillable_returns_partial(void **state)
{
    (void)state;
    struct position v[5];
    mixed(v);
    struct allocation al[5];
    bool ok = true;
    size_t n = promise_allocate(v, 5, 126, al, &ok);
    assert_false(ok);
    assert_int_equal(n, 4);
    assert_int_equal(sum(al, n), 125);
    assert_int_equal(al[3].pos, 4);
    assert_int_equal(al[3].quantity, 100);

    ok = true;
    assert_int_equal(promise_allocate(NULL, 0, 1, al, &ok), 0);
    assert_false(ok);
}

static void test_allocation_of_nothing_is_not_fulfillable(void **state)
{
    (void)state;
    struct position v[5];
    mixed(v);
    struct allocation al[5];
    bool ok = true;
    assert_int_equal(promise_allocate(v, 5, 0, al, &ok), 0);
    assert_false(ok);
    ok = true;
    assert_int_equal(promise_allocate(v, 5, -4, al, &ok), 0);
    assert_false(ok);
}

static void test_allocation_matches_spec_example(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    struct position v[] = {
        transit("PO1001", "2026-11-20", "2026-12-15", 100, 0),
        onhand("WH1", 25, 0),
    };
    position_sort(v, 2);
    struct allocation al[2];
    bool ok = false;
    size_t n = promise_allocate(v, 2, 30, al, &ok);
    assert_true(ok);
    assert_int_equal(n, 2);
    assert_int_equal(v[al[0].pos].stock_type, STOCK_ONHAND);
    assert_int_equal(al[0].quantity, 25);
    assert_string_equal(v[al[1].pos].transit_ref, "PO1001");
    assert_int_equal(al[1].quantity, 5);
    struct range r;
    range_of(&v[al[1].pos], &s, "2026-11-27", &r);
    assert_range(&r, "2026-12-17", "2026-12-20",
                 "Backorder: expected delivery Dec 17" DASH "Dec 20");
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(promise_status_name(STATUS_IN_STOCK), "IN_STOCK");
    assert_string_equal(promise_status_name(STATUS_IN_TRANSIT), "IN_TRANSIT");
    assert_string_equal(promise_status_name(STATUS_OUT_OF_STOCK), "OUT_OF_STOCK");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_onhand_range_is_today_plus_in_stock_days),
        cmocka_unit_test(test_onhand_message_bytes_match_spec_example),
        cmocka_unit_test(test_onhand_range_business_days_skip_weekend),
        cmocka_unit_test(test_preorder_range_is_stock_date_plus_buffer),
        cmocka_unit_test(test_preorder_weekend_stock_date_calendar_days),
        cmocka_unit_test(test_preorder_weekend_stock_date_business_days),
        cmocka_unit_test(test_business_days_skip_holidays),
        cmocka_unit_test(test_preorder_stock_date_in_past_counts_as_today),
        cmocka_unit_test(test_preorder_from_is_never_earlier_than_onhand_from),
        cmocka_unit_test(test_backorder_range_is_today_plus_backorder_days),
        cmocka_unit_test(test_backorder_message_overrides_default_wording),
        cmocka_unit_test(test_year_boundary_message_shows_year),
        cmocka_unit_test(test_ranges_across_february_in_leap_year),
        cmocka_unit_test(test_status_in_stock_when_onhand_available),
        cmocka_unit_test(test_status_in_transit_from_preorder_sets_stock_date),
        cmocka_unit_test(test_status_in_transit_stock_date_of_first_preorder_with_stock),
        cmocka_unit_test(test_status_in_transit_from_backorder_has_no_stock_date),
        cmocka_unit_test(test_status_out_of_stock_when_nothing_available),
        cmocka_unit_test(test_oversold_position_counts_as_zero_available),
        cmocka_unit_test(test_allocation_onhand_then_preorders_then_backorder),
        cmocka_unit_test(test_allocation_exactly_available_total_is_fulfillable),
        cmocka_unit_test(test_allocation_not_fulfillable_returns_partial),
        cmocka_unit_test(test_allocation_of_nothing_is_not_fulfillable),
        cmocka_unit_test(test_allocation_matches_spec_example),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPEC 5.1: the hand-written availability document (view_item_write, view_promise_write) is
 * byte for byte what jansson makes of view_item and view_promise. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view/view.h"

/* Strings that need every kind of escape, and UTF-8 of each length. */
static const char *const texts[] = {
    "WH1", "A", "quote\"d", "back\\slash", "tab\tnew\nline\r", "\b\f\x01\x1f\x7f",
    "slash/", "caf\xC3\xA9 \xE2\x80\x93 \xF0\x9F\x93\xA6", "",
};
#define NTEXTS (sizeof texts / sizeof texts[0])

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int64_t pick(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1));
}

static void text(char *out, size_t cap)
{
    snprintf(out, cap, "%s", texts[next() % NTEXTS]);
}

static date_t some_date(date_t today)
{
    return pick(0, 4) ? today + (date_t)pick(-40, 400) : DATE_NONE;
}

static void random_item(struct item *it, struct position *v, size_t cap, date_t today)
{
    memset(it, 0, sizeof *it);
    text(it->sku, sizeof it->sku);
    it->found = pick(0, 5) != 0;
    size_t n = it->found ? (size_t)pick(0, (int64_t)cap) : 0;
    for (size_t i = 0; i < n; i++) {
        struct position *p = &v[i];
        memset(p, 0, sizeof *p);
        snprintf(p->sku, sizeof p->sku, "%s", it->sku);
        text(p->location_id, sizeof p->location_id);
        p->stock_type = pick(0, 1) ? STOCK_INTRANSIT : STOCK_ONHAND;
        p->order_date = p->stock_date = DATE_NONE;
        if (p->stock_type == STOCK_INTRANSIT) {
            text(p->transit_ref, sizeof p->transit_ref);
            p->order_date = some_date(today);
            p->stock_date = some_date(today);
        }
        p->channel_id = pick(0, 2) ? 0 : pick(1, 2147483647);
        p->quantity = pick(0, 3) ? pick(0, 60) : pick(-5, 3000000000);
        p->reserved = pick(0, 2) ? 0 : pick(0, 30);
        p->allocated = pick(0, 2) ? 0 : pick(0, 80);
        struct limits *l = &p->lim;
        l->has_safety_stock = pick(0, 3) == 0;
        l->safety_stock = pick(0, 10);
        l->has_preorder_limit = pick(0, 3) == 0;
        l->preorder_limit = pick(0, 50);
        l->has_backorder_limit = pick(0, 3) == 0;
        l->backorder_limit = pick(0, 50);
        l->has_low_stock = pick(0, 3) == 0;
        l->low_stock = pick(0, 10);
    }
    position_sort(v, n);
    it->positions.v = v;
    it->positions.n = n;
}

static void random_settings(struct settings *s)
{
    settings_defaults(s);
    s->business_days = pick(0, 1);
    if (pick(0, 1))
        snprintf(s->backorder_message, sizeof s->backorder_message, "%s \"soon\"\t%s",
                 texts[next() % NTEXTS], texts[next() % NTEXTS]);
}

static void assert_same(json_t *doc, const struct buf *b)
{
    assert_non_null(doc);
    char *want = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    assert_non_null(want);
    assert_false(b->oom);
    assert_int_equal(b->len, strlen(want));
    assert_string_equal(b->p, want);
    free(want);
}

static void test_item_matches_jansson(void **state)
{
    (void)state;
    for (int round = 0; round < 20000; round++) {
        struct settings s;
        random_settings(&s);
        date_t today = date_from_ymd(2026, 1, 1) + (date_t)pick(0, 900);
        struct position v[6];
        struct item it;
        random_item(&it, v, 6, today);
        promise_availability(v, it.positions.n, &s, today, &it.avail);
        int64_t qty = pick(0, 2) ? 0 : pick(1, 200);
        struct buf b = {0};
        assert_int_equal(view_item_write(&b, &it, qty, &s, today), 0);
        assert_same(view_item(&it, qty, &s, today), &b);
        buf_free(&b);
        if (qty) {
            assert_int_equal(view_promise_write(&b, v, it.positions.n, qty, &s, today), 0);
            assert_same(view_promise(v, it.positions.n, qty, &s, today), &b);
            buf_free(&b);
        }
    }
}

/* More positions than the writer allocates for on its stack. */
static void test_many_positions(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    date_t today = date_from_ymd(2026, 11, 27);
    enum { N = 40 };
    struct position *v = calloc(N, sizeof *v);
    assert_non_null(v);
    struct item it;
    for (int round = 0; round < 200; round++) {
        random_item(&it, v, N, today);
        promise_availability(v, it.positions.n, &s, today, &it.avail);
        struct buf b = {0};
        assert_int_equal(view_item_write(&b, &it, 100000, &s, today), 0);
        assert_same(view_item(&it, 100000, &s, today), &b);
        buf_free(&b);
    }
    free(v);
}

/* Not UTF-8: jansson has no document, the writer says so. */
static void test_invalid_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {"\xFF", "a\xC0\xAF", "\xE0\x80\x80", "\xED\xA0\x80",
                                      "\xF4\x90\x80\x80", "\xC3", "\xE2\x80"};
    struct settings s;
    settings_defaults(&s);
    date_t today = date_from_ymd(2026, 11, 27);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct item it;
        memset(&it, 0, sizeof it);
        snprintf(it.sku, sizeof it.sku, "%s", bad[i]);
        promise_availability(NULL, 0, &s, today, &it.avail);
        struct buf b = {0};
        assert_int_equal(view_item_write(&b, &it, 0, &s, today), ERR_INVALID);
        assert_null(view_item(&it, 0, &s, today));
        buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item_matches_jansson),
        cmocka_unit_test(test_many_positions),
        cmocka_unit_test(test_invalid_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

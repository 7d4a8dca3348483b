/* SPEC 5.6: settings defaults and validation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/settings.h"

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static void test_settings_defaults_match_spec(void **state)
{
    (void)state;
    struct settings s;
    memset(&s, 0x5a, sizeof s); /* defaults must not depend on what was there before */
    settings_defaults(&s);
    assert_int_equal(s.in_stock_min_days, 1);
    assert_int_equal(s.in_stock_max_days, 3);
    assert_int_equal(s.preorder_buffer_min_days, 2);
    assert_int_equal(s.preorder_buffer_max_days, 5);
    assert_int_equal(s.backorder_min_days, 14);
    assert_int_equal(s.backorder_max_days, 28);
    assert_string_equal(s.backorder_message, "");
    assert_false(s.business_days);
    assert_int_equal(s.nholidays, 0);
    assert_int_equal(s.capture_on, CAPTURE_SHIPMENT);
    assert_string_equal(s.store_name, "sellahead demo store");
    assert_string_equal(s.from_email, "orders@sellahead.local");

    err_t e = {0};
    assert_int_equal(settings_validate(&s, &e), 0);
}

static void test_settings_min_must_not_exceed_max(void **state)
{
    (void)state;
    struct settings s;
    err_t e = {0};

    settings_defaults(&s);
    s.in_stock_min_days = 5;
    assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, "inStockMinDays (5) must not be greater than inStockMaxDays (3)");

    settings_defaults(&s);
    s.preorder_buffer_min_days = 6;
    assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "preorderBufferMinDays (6) must not be greater than "
                               "preorderBufferMaxDays (5)");

    settings_defaults(&s);
    s.backorder_max_days = 13;
    assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
    assert_string_equal(e.msg,
                        "backorderMinDays (14) must not be greater than backorderMaxDays (13)");
}

static void test_settings_min_equal_to_max_is_valid(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.in_stock_min_days = s.in_stock_max_days = 2;
    s.preorder_buffer_min_days = s.preorder_buffer_max_days = 0;
    s.backorder_min_days = s.backorder_max_days = 365;
    assert_int_equal(settings_validate(&s, NULL), 0);
}

static void test_settings_days_must_be_between_0_and_365(void **state)
{
    (void)state;
    static const char *const names[6] = {
        "inStockMinDays",        "inStockMaxDays",   "preorderBufferMinDays",
        "preorderBufferMaxDays", "backorderMinDays", "backorderMaxDays",
    };
    static const int bad[] = {-1, 366, -2147483647 - 1, 2147483647};
    for (int field = 0; field < 6; field++) {
        for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            struct settings s;
            settings_defaults(&s);
            /* keep the pair ordered so only the range rule can fail */
            s.in_stock_min_days = s.preorder_buffer_min_days = s.backorder_min_days = 0;
            s.in_stock_max_days = s.preorder_buffer_max_days = s.backorder_max_days = 365;
            int *f[6] = {&s.in_stock_min_days,         &s.in_stock_max_days,
                         &s.preorder_buffer_min_days, &s.preorder_buffer_max_days,
                         &s.backorder_min_days,       &s.backorder_max_days};
            *f[field] = bad[b];
            err_t e = {0};
            assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
            char want[128];
            snprintf(want, sizeof want, "%s must be between 0 and 365", names[field]);
            assert_string_equal(e.msg, want);
        }
    }
}

static void test_settings_error_without_err_still_returns_code(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.backorder_min_days = 400;
    assert_int_equal(settings_validate(&s, NULL), ERR_INVALID);
}

static void test_settings_holidays_are_sorted_and_unique(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    const char *in[] = {"2027-01-01", "2026-12-25", "2026-12-26", "2026-12-25", "2027-01-01",
                        "2026-11-26"};
    for (size_t i = 0; i < 6; i++)
        s.holidays[s.nholidays++] = D(in[i]);
    assert_int_equal(settings_validate(&s, NULL), 0);
    assert_int_equal(s.nholidays, 4);
    assert_int_equal(s.holidays[0], D("2026-11-26"));
    assert_int_equal(s.holidays[1], D("2026-12-25"));
    assert_int_equal(s.holidays[2], D("2026-12-26"));
    assert_int_equal(s.holidays[3], D("2027-01-01"));
}

static void test_settings_holidays_are_bounded(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    for (size_t i = 0; i < SETTINGS_MAX_HOLIDAYS; i++)
        s.holidays[i] = D("2026-01-01") + (date_t)i;
    s.nholidays = SETTINGS_MAX_HOLIDAYS;
    assert_int_equal(settings_validate(&s, NULL), 0);
    assert_int_equal(s.nholidays, SETTINGS_MAX_HOLIDAYS);
    s.nholidays = SETTINGS_MAX_HOLIDAYS + 1;
    err_t e = {0};
    assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "holidays must not list more than 400 dates");
}

static void test_settings_calendar_points_into_settings(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    s.business_days = true;
    s.holidays[0] = D("2026-12-25");
    s.nholidays = 1;
    struct calendar c = settings_calendar(&s);
    assert_true(c.business_days);
    assert_ptr_equal(c.holidays, s.holidays);
    assert_int_equal(c.nholidays, 1);
    assert_int_equal(date_add(D("2026-12-24"), 1, &c), D("2026-12-28"));
}

static void test_settings_capture_on_is_shipment_or_order(void **state)
{
    (void)state;
    int c = -1;
    assert_int_equal(settings_capture_parse("shipment", &c), 0);
    assert_int_equal(c, CAPTURE_SHIPMENT);
    assert_int_equal(settings_capture_parse("order", &c), 0);
    assert_int_equal(c, CAPTURE_ORDER);
    c = -1;
    assert_int_equal(settings_capture_parse("Order", &c), ERR_INVALID);
    assert_int_equal(settings_capture_parse("", &c), ERR_INVALID);
    assert_int_equal(settings_capture_parse("orders", &c), ERR_INVALID);
    assert_int_equal(settings_capture_parse(NULL, &c), ERR_INVALID);
    assert_int_equal(c, -1);
    assert_string_equal(settings_capture_name(CAPTURE_SHIPMENT), "shipment");
    assert_string_equal(settings_capture_name(CAPTURE_ORDER), "order");

    struct settings s;
    settings_defaults(&s);
    s.capture_on = 7;
    err_t e = {0};
    assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
    assert_string_equal(e.msg, "captureOn must be \"shipment\" or \"order\"");
}

/* publicUrl: the process's default until set; stored only when it differs; normalised. */
static void test_settings_public_url(void **state)
{
    (void)state;
    struct settings s;
    settings_defaults(&s);
    assert_string_equal(s.public_url, "http://127.0.0.1:8080");
    assert_string_equal(settings_public_url_stored(&s), "");
    settings_default_port(9123);
    settings_defaults(&s);
    assert_string_equal(s.public_url, "http://127.0.0.1:9123");
    assert_string_equal(settings_public_url_stored(&s), "");

    err_t e = {0};
    snprintf(s.public_url, sizeof s.public_url, "https://shop.example.com/store//");
    assert_int_equal(settings_validate(&s, &e), 0);
    assert_string_equal(s.public_url, "https://shop.example.com/store");
    assert_string_equal(settings_public_url_stored(&s), "https://shop.example.com/store");
    snprintf(s.public_url, sizeof s.public_url, "http://a/");
    assert_int_equal(settings_validate(&s, &e), 0);
    assert_string_equal(s.public_url, "http://a");

    const char *bad[] = {"", "shop.example.com", "ftp://x", "http://", "https:///x",
                         "http://:80", "https://x/?a=1", "https://x#f", "https://a b",
                         "https://x/\"<", "HTTP://x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(s.public_url, sizeof s.public_url, "%s", bad[i]);
        assert_int_equal(settings_validate(&s, &e), ERR_INVALID);
        assert_memory_equal(e.msg, "publicUrl ", 10);
    }
    settings_default_port(8080);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings_defaults_match_spec),
        cmocka_unit_test(test_settings_min_must_not_exceed_max),
        cmocka_unit_test(test_settings_min_equal_to_max_is_valid),
        cmocka_unit_test(test_settings_days_must_be_between_0_and_365),
        cmocka_unit_test(test_settings_error_without_err_still_returns_code),
        cmocka_unit_test(test_settings_holidays_are_sorted_and_unique),
        cmocka_unit_test(test_settings_holidays_are_bounded),
        cmocka_unit_test(test_settings_calendar_points_into_settings),
        cmocka_unit_test(test_settings_capture_on_is_shipment_or_order),
        cmocka_unit_test(test_settings_public_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPEC section 2: calendar dates, business days, message dates and "today". */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/err.h"

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

static int parse(const char *s, date_t *out)
{
    return date_parse(s, strlen(s), out);
}

static void assert_date(date_t got, const char *want)
{
    char buf[DATE_STRLEN];
    date_format(got, buf);
    assert_string_equal(buf, want);
}

static void test_date_counts_days_since_1970_01_01(void **state)
{
    (void)state;
    assert_int_equal(date_from_ymd(1970, 1, 1), 0);
    assert_int_equal(date_from_ymd(1969, 12, 31), -1);
    assert_int_equal(date_from_ymd(2000, 3, 1), 11017);
    assert_int_equal(date_from_ymd(2026, 11, 27), 20784);
    assert_int_equal(date_from_ymd(1, 1, 1), -719162);
    assert_int_equal(date_from_ymd(9999, 12, 31), 2932896);
}

/* Walks every day of years 1..9999 next to a naive calendar, so days_from_civil,
 * civil_from_days, format and parse all agree with each other and with the Gregorian rules. */
static void test_date_proleptic_gregorian_every_day_year_1_to_9999(void **state)
{
    (void)state;
    static const int mlen[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y = 1, m = 1, d = 1;
    for (date_t day = date_from_ymd(1, 1, 1); day <= date_from_ymd(9999, 12, 31); day++) {
        int yy, mm, dd;
        date_to_ymd(day, &yy, &mm, &dd);
        if (yy != y || mm != m || dd != d)
            fail_msg("day %d is %04d-%02d-%02d, want %04d-%02d-%02d", (int)day, yy, mm, dd, y,
                     m, d);
        if (date_from_ymd(y, m, d) != day)
            fail_msg("date_from_ymd(%d, %d, %d) != %d", y, m, d, (int)day);
        if (d == 1 || d == 29) { /* a sample: formatting every day is slow under ASan */
            char buf[DATE_STRLEN];
            date_t back;
            date_format(day, buf);
            assert_int_equal(date_parse(buf, 10, &back), 0);
            assert_int_equal(back, day);
        }
        bool leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        int len = m == 2 && leap ? 29 : mlen[m - 1];
        if (++d > len) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(y, 10000);
}

static void test_date_parse_accepts_exactly_yyyy_mm_dd(void **state)
{
    (void)state;
    date_t d = 0;
    assert_int_equal(parse("2026-11-27", &d), 0);
    assert_int_equal(d, 20784);
    assert_int_equal(parse("0001-01-01", &d), 0);
    assert_int_equal(parse("9999-12-31", &d), 0);
    /* len bounds the input: the bytes after it are not read */
    assert_int_equal(date_parse("2026-11-27T10:00:00Z", 10, &d), 0);
    assert_int_equal(d, 20784);
}

static void test_date_parse_rejects_anything_else(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",           "2026-1-27",   "2026-11-7",   "26-11-27",   "2026-11-27 ",
        " 2026-11-27", "2026/11/27", "2026.11.27",  "20261127",   "2026-11-27x",
        "+026-11-27", "-026-11-27",  "2026-+1-27",  "2026- 1-27", "2026-1a-27",
        "2026-11-2a", "abcd-ef-gh",  "2026-11--7",  "0000-01-01", "2026-00-10",
        "2026-13-01", "2026-01-00",  "2026-01-32",  "2026-04-31", "2026-06-31",
        "2026-09-31", "2026-11-31",  "2026-02-30",
        "2026-11-\xD9\xA7", /* an Arabic-Indic digit: still 10 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        date_t d = 42;
        if (parse(bad[i], &d) != ERR_INVALID)
            fail_msg("accepted \"%s\"", bad[i]);
        assert_int_equal(d, 42); /* untouched on error */
    }
    date_t d;
    assert_int_equal(date_parse(NULL, 10, &d), ERR_INVALID);
    assert_int_equal(date_parse("2026-11-27", 9, &d), ERR_INVALID);
}

static void test_date_parse_feb_29_only_in_leap_years(void **state)
{
    (void)state;
    date_t d;
    assert_int_equal(parse("2028-02-29", &d), 0);
    assert_date(d, "2028-02-29");
    assert_int_equal(parse("2000-02-29", &d), 0); /* divisible by 400 */
    assert_int_equal(parse("2027-02-29", &d), ERR_INVALID);
    assert_int_equal(parse("1900-02-29", &d), ERR_INVALID); /* century, not by 400 */
    assert_int_equal(parse("2100-02-29", &d), ERR_INVALID);
    assert_int_equal(parse("2028-02-30", &d), ERR_INVALID);
}

static void test_date_format_is_yyyy_mm_dd(void **state)
{
    (void)state;
    assert_date(20784, "2026-11-27");
    assert_date(0, "1970-01-01");
    assert_date(-1, "1969-12-31");
    assert_date(date_from_ymd(1, 1, 1), "0001-01-01");
    assert_date(date_from_ymd(9999, 12, 31), "9999-12-31");
}

static void test_date_none_formats_as_empty(void **state)
{
    (void)state;
    char buf[32] = "x";
    assert_date(DATE_NONE, "");
    assert_int_equal(date_short(DATE_NONE, 20784, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    /* out-of-range values stay defined behaviour (UBSan checks this) */
    int y, m, d;
    date_to_ymd(INT32_MAX, &y, &m, &d);
    date_to_ymd(DATE_NONE, &y, &m, &d);
    assert_true(m >= 1 && m <= 12 && d >= 1 && d <= 31);
}

static void test_date_weekday_monday_is_zero(void **state)
{
    (void)state;
    assert_int_equal(date_weekday(D("2026-11-30")), 0); /* Monday */
    assert_int_equal(date_weekday(D("2026-11-27")), 4); /* Friday */
    assert_int_equal(date_weekday(D("2026-11-28")), 5);
    assert_int_equal(date_weekday(D("2026-11-29")), 6);
    assert_int_equal(date_weekday(0), 3);               /* 1970-01-01 was a Thursday */
    assert_int_equal(date_weekday(-1), 2);
    assert_int_equal(date_weekday(D("0001-01-01")), 0);
    for (date_t d = -10000; d < 10000; d++)
        assert_int_equal(date_weekday(d + 1), (date_weekday(d) + 1) % 7);
}

static void test_date_add_zero_returns_start(void **state)
{
    (void)state;
    struct calendar biz = {true, NULL, 0};
    date_t sat = D("2026-12-19");
    assert_int_equal(date_add(sat, 0, &biz), sat);
    assert_int_equal(date_add(sat, 0, NULL), sat);
    assert_int_equal(date_add(DATE_NONE, 3, &biz), DATE_NONE);
}

static void test_date_add_calendar_days_when_business_days_off(void **state)
{
    (void)state;
    const date_t xmas = D("2026-12-25");
    struct calendar cal = {false, &xmas, 1}; /* holidays only matter for business days */
    date_t fri = D("2026-11-27");
    assert_date(date_add(fri, 1, &cal), "2026-11-28");
    assert_date(date_add(fri, 3, &cal), "2026-11-30");
    assert_date(date_add(fri, 3, NULL), "2026-11-30");
    assert_date(date_add(D("2026-12-24"), 1, &cal), "2026-12-25");
    assert_date(date_add(fri, -1, &cal), "2026-11-26");
}

static void test_date_add_business_days_skip_saturday_and_sunday(void **state)
{
    (void)state;
    struct calendar biz = {true, NULL, 0};
    date_t fri = D("2026-11-27");
    assert_date(date_add(fri, 1, &biz), "2026-11-30");
    assert_date(date_add(fri, 3, &biz), "2026-12-02");
    assert_date(date_add(fri, 5, &biz), "2026-12-04");
    assert_date(date_add(fri, 6, &biz), "2026-12-07");
    /* the start day itself is never counted, even when it is a weekend day */
    assert_date(date_add(D("2026-12-19"), 1, &biz), "2026-12-21"); /* Sat -> Mon */
    assert_date(date_add(D("2026-12-20"), 1, &biz), "2026-12-21"); /* Sun -> Mon */
    assert_date(date_add(D("2026-11-30"), -1, &biz), "2026-11-27"); /* Mon - 1 -> Fri */
}

static void test_date_add_business_days_skip_holidays(void **state)
{
    (void)state;
    const date_t hol[] = {D("2026-12-25"), D("2026-12-26") /* a Saturday */, D("2027-01-01")};
    struct calendar biz = {true, hol, 3};
    date_t thu = D("2026-12-24");
    assert_date(date_add(thu, 1, &biz), "2026-12-28"); /* Fri is a holiday, then weekend */
    assert_date(date_add(thu, 4, &biz), "2026-12-31");
    assert_date(date_add(thu, 5, &biz), "2027-01-04"); /* skips New Year's Day */
    /* a holiday on a weekend does not cost an extra day */
    struct calendar only_sat = {true, &hol[1], 1};
    assert_date(date_add(thu, 1, &only_sat), "2026-12-25");
    assert_date(date_add(thu, 2, &only_sat), "2026-12-28");
}

static void test_date_add_year_boundary(void **state)
{
    (void)state;
    date_t dec30 = D("2026-12-30");
    assert_date(date_add(dec30, 2, NULL), "2027-01-01");
    assert_date(date_add(dec30, 3, NULL), "2027-01-02");
    assert_date(date_add(dec30, 365, NULL), "2027-12-30");
    struct calendar biz = {true, NULL, 0};
    assert_date(date_add(dec30, 3, &biz), "2027-01-04"); /* Wed -> Thu, Fri, Mon */
}

static void test_date_add_across_february_in_leap_year(void **state)
{
    (void)state;
    assert_date(date_add(D("2028-02-27"), 2, NULL), "2028-02-29");
    assert_date(date_add(D("2028-02-27"), 3, NULL), "2028-03-01");
    assert_date(date_add(D("2027-02-27"), 3, NULL), "2027-03-02");
    struct calendar biz = {true, NULL, 0};
    assert_date(date_add(D("2028-02-28"), 1, &biz), "2028-02-29"); /* Mon -> Tue */
    assert_date(date_add(D("2028-02-28"), 3, &biz), "2028-03-02");
}

static void test_date_short_omits_year_of_today(void **state)
{
    (void)state;
    char buf[32];
    date_t today = D("2026-11-27");
    assert_int_equal(date_short(D("2026-12-13"), today, buf, sizeof buf), 6);
    assert_string_equal(buf, "Dec 13");
    date_short(D("2026-12-02"), today, buf, sizeof buf); /* no leading zero */
    assert_string_equal(buf, "Dec 2");
    date_short(D("2026-01-01"), today, buf, sizeof buf);
    assert_string_equal(buf, "Jan 1");
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int m = 1; m <= 12; m++) {
        char want[8];
        date_short(date_from_ymd(2026, m, 15), today, buf, sizeof buf);
        memcpy(want, mon[m - 1], 3);
        memcpy(want + 3, " 15", 4);
        assert_string_equal(buf, want);
    }
}

static void test_date_short_shows_year_when_it_differs_from_today(void **state)
{
    (void)state;
    char buf[32];
    date_t today = D("2026-12-30");
    assert_int_equal(date_short(D("2027-01-02"), today, buf, sizeof buf), 11);
    assert_string_equal(buf, "Jan 2, 2027");
    date_short(D("2027-12-13"), today, buf, sizeof buf);
    assert_string_equal(buf, "Dec 13, 2027");
    date_short(D("2025-12-31"), today, buf, sizeof buf);
    assert_string_equal(buf, "Dec 31, 2025");
}

static void test_date_short_truncates_to_cap(void **state)
{
    (void)state;
    char buf[4];
    date_t today = D("2026-11-27");
    assert_int_equal(date_short(D("2026-12-13"), today, buf, sizeof buf), 3);
    assert_string_equal(buf, "Dec");
    assert_int_equal(date_short(D("2026-12-13"), today, buf, 0), 0);
}

static void test_date_today_honours_SELLAHEAD_TODAY(void **state)
{
    (void)state;
    assert_int_equal(setenv("SELLAHEAD_TODAY", "2026-11-27", 1), 0);
    assert_int_equal(date_today(), D("2026-11-27"));
    assert_int_equal(setenv("SELLAHEAD_TODAY", "2028-02-29", 1), 0);
    assert_int_equal(date_today(), D("2028-02-29"));
    unsetenv("SELLAHEAD_TODAY");
}

static void test_date_today_is_utc_date_without_valid_override(void **state)
{
    (void)state;
    static const char *const values[] = {NULL, "", "2027-02-29", "tomorrow", "2026-11-27 "};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        if (values[i])
            assert_int_equal(setenv("SELLAHEAD_TODAY", values[i], 1), 0);
        else
            unsetenv("SELLAHEAD_TODAY");
        date_t before = (date_t)(time(NULL) / 86400);
        date_t got = date_today();
        date_t after = (date_t)(time(NULL) / 86400);
        assert_true(got == before || got == after); /* midnight may pass in between */
    }
    unsetenv("SELLAHEAD_TODAY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_date_counts_days_since_1970_01_01),
        cmocka_unit_test(test_date_proleptic_gregorian_every_day_year_1_to_9999),
        cmocka_unit_test(test_date_parse_accepts_exactly_yyyy_mm_dd),
        cmocka_unit_test(test_date_parse_rejects_anything_else),
        cmocka_unit_test(test_date_parse_feb_29_only_in_leap_years),
        cmocka_unit_test(test_date_format_is_yyyy_mm_dd),
        cmocka_unit_test(test_date_none_formats_as_empty),
        cmocka_unit_test(test_date_weekday_monday_is_zero),
        cmocka_unit_test(test_date_add_zero_returns_start),
        cmocka_unit_test(test_date_add_calendar_days_when_business_days_off),
        cmocka_unit_test(test_date_add_business_days_skip_saturday_and_sunday),
        cmocka_unit_test(test_date_add_business_days_skip_holidays),
        cmocka_unit_test(test_date_add_year_boundary),
        cmocka_unit_test(test_date_add_across_february_in_leap_year),
        cmocka_unit_test(test_date_short_omits_year_of_today),
        cmocka_unit_test(test_date_short_shows_year_when_it_differs_from_today),
        cmocka_unit_test(test_date_short_truncates_to_cap),
        cmocka_unit_test(test_date_today_honours_SELLAHEAD_TODAY),
        cmocka_unit_test(test_date_today_is_utc_date_without_valid_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

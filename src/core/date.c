#include "core/date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"

/* Civil <-> serial day conversions are Howard Hinnant's algorithms
 * (http://howardhinnant.github.io/date_algorithms.html), exact over the proleptic
 * Gregorian calendar and free of tables and loops. */

date_t date_from_ymd(int y, int m, int d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;                                  /* [0, 399] */
    const int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return (date_t)(era * 146097 + doe - 719468);
}

void date_to_ymd(date_t days, int *y, int *m, int *d)
{
    /* 64-bit so that any date_t, even garbage from storage, stays defined behaviour. */
    const int64_t z = (int64_t)days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const int64_t doe = z - era * 146097;                                 /* [0, 146096] */
    const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* [0, 365] */
    const int64_t mp = (5 * doy + 2) / 153;                               /* [0, 11] */
    const int64_t dd = doy - (153 * mp + 2) / 5 + 1;                      /* [1, 31] */
    const int64_t mm = mp < 10 ? mp + 3 : mp - 9;                         /* [1, 12] */
    *y = (int)(yoe + era * 400 + (mm <= 2));
    *m = (int)mm;
    *d = (int)dd;
}

static bool is_leap(int y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* Reads n ASCII digits; -1 on anything else (no sign, no space, unlike strtol). */
static int read_digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int date_parse(const char *s, size_t len, date_t *out)
{
    if (!s || len != 10 || s[4] != '-' || s[7] != '-')
        return ERR_INVALID;
    const int y = read_digits(s, 4);
    const int m = read_digits(s + 5, 2);
    const int d = read_digits(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
        return ERR_INVALID;
    *out = date_from_ymd(y, m, d);
    return 0;
}

void date_format(date_t d, char out[DATE_STRLEN])
{
    if (d == DATE_NONE) {
        out[0] = '\0';
        return;
    }
    int y, m, day;
    date_to_ymd(d, &y, &m, &day);
    /* Every date that date_parse accepts has a 4-digit year; clamp so out never overflows. */
    if (y < 0)
        y = 0;
    if (y > 9999)
        y = 9999;
    snprintf(out, DATE_STRLEN, "%04d-%02d-%02d", y, m, day);
}

int date_weekday(date_t d)
{
    /* 1970-01-01 was a Thursday (3); floor modulo keeps dates before 1970 right. */
    int r = (int)(((int64_t)d + 3) % 7);
    return r < 0 ? r + 7 : r;
}

static bool is_holiday(date_t d, const struct calendar *cal)
{
    size_t lo = 0, hi = cal->nholidays;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cal->holidays[mid] == d)
            return true;
        if (cal->holidays[mid] < d)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

static bool is_business_day(date_t d, const struct calendar *cal)
{
    return date_weekday(d) < 5 && !(cal->holidays && is_holiday(d, cal));
}

date_t date_add(date_t start, int n, const struct calendar *cal)
{
    if (start == DATE_NONE)
        return DATE_NONE;
    if (!cal || !cal->business_days)
        return start + n;

    /* Buffers are at most 365 days, so walking day by day is cheap and keeps holiday
     * handling obviously right. A calendar of nothing but holidays cannot happen:
     * weekends always leave five weekdays a week and holidays are bounded. */
    const int step = n < 0 ? -1 : 1;
    int left = n < 0 ? -n : n;
    date_t d = start;
    while (left > 0) {
        d += step;
        if (is_business_day(d, cal))
            left--;
    }
    return d;
}

size_t date_short(date_t d, date_t today, char *out, size_t cap)
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (!out || cap == 0)
        return 0;
    if (d == DATE_NONE) {
        out[0] = '\0';
        return 0;
    }
    int y, m, day, ty, tm, td;
    date_to_ymd(d, &y, &m, &day);
    date_to_ymd(today, &ty, &tm, &td);
    int n = y == ty ? snprintf(out, cap, "%s %d", mon[m - 1], day)
                    : snprintf(out, cap, "%s %d, %d", mon[m - 1], day, y);
    if (n < 0) {
        out[0] = '\0';
        return 0;
    }
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

date_t date_today(void)
{
    const char *env = getenv("SELLAHEAD_TODAY");
    date_t d;
    if (env && date_parse(env, strlen(env), &d) == 0)
        return d;

    time_t now = time(NULL);
    struct tm tm;
    if (now == (time_t)-1 || !gmtime_r(&now, &tm))
        return (date_t)(now / 86400); /* unreachable in practice; still a sane value */
    return date_from_ymd(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

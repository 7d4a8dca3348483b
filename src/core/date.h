/* Calendar dates as days since 1970-01-01 (UTC), business-day arithmetic and "today". */
#ifndef SELLAHEAD_DATE_H
#define SELLAHEAD_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef int32_t date_t;

#define DATE_NONE INT32_MIN /* an absent date (e.g. a backorder's stock date) */
#define DATE_STRLEN 11      /* "YYYY-MM-DD" plus NUL */

/* Which days count when adding days to a date. holidays is sorted ascending. */
struct calendar {
    bool business_days;
    const date_t *holidays;
    size_t nholidays;
};

/* Strict "YYYY-MM-DD" (exactly 10 chars, a real calendar date, year 1..9999). 0 or ERR_INVALID. */
int date_parse(const char *s, size_t len, date_t *out);
/* Writes "YYYY-MM-DD" into out (DATE_STRLEN bytes). */
void date_format(date_t d, char out[DATE_STRLEN]);
date_t date_from_ymd(int y, int m, int d);
void date_to_ymd(date_t d, int *y, int *m, int *day);
/* 0 = Monday .. 6 = Sunday. */
int date_weekday(date_t d);
/* Adds n days; with business_days, counts only weekdays that are not holidays
 * (the start day itself is never counted). */
date_t date_add(date_t start, int n, const struct calendar *cal);
/* "Dec 13", or "Dec 13, 2027" when the year differs from today's year. Returns length. */
size_t date_short(date_t d, date_t today, char *out, size_t cap);
/* The server's UTC date, or SELLAHEAD_TODAY=YYYY-MM-DD when set and valid. */
date_t date_today(void);

#endif

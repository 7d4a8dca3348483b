#include "core/settings.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SETTINGS_DAYS_MAX 365

/* Set once by serve when bound; atomic, as requests may already be read by then. */
static atomic_uint default_port = 8080;

void settings_default_port(unsigned port)
{
    atomic_store(&default_port, port);
}

static void default_public_url(char *out, size_t cap)
{
    snprintf(out, cap, "http://127.0.0.1:%u", atomic_load(&default_port));
}

static void copy_text(char dst[SETTINGS_TEXT_MAX], const char *src)
{
    size_t n = strlen(src);
    if (n >= SETTINGS_TEXT_MAX)
        n = SETTINGS_TEXT_MAX - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void settings_defaults(struct settings *s)
{
    memset(s, 0, sizeof *s);
    s->in_stock_min_days = 1;
    s->in_stock_max_days = 3;
    s->preorder_buffer_min_days = 2;
    s->preorder_buffer_max_days = 5;
    s->backorder_min_days = 14;
    s->backorder_max_days = 28;
    s->business_days = false;
    s->nholidays = 0;
    s->capture_on = CAPTURE_SHIPMENT;
    copy_text(s->store_name, "sellahead demo store");
    copy_text(s->from_email, "orders@sellahead.local");
    s->authorization_valid_days = 7;
    s->implied_consent_days = 30;
    s->consent_window_days = 7;
    s->sweep_minutes = 60;
    default_public_url(s->public_url, sizeof s->public_url);
}

const char *settings_public_url_stored(const struct settings *s)
{
    char def[64];
    default_public_url(def, sizeof def);
    return strcmp(s->public_url, def) ? s->public_url : "";
}

/* An absolute http(s) URL with a host, no query or fragment, nothing an email client or
 * an HTML attribute would misread; a trailing slash is dropped (links append "/orders/..."). */
static int check_public_url(char *url, err_t *e)
{
    size_t scheme = !strncmp(url, "http://", 7) ? 7 : !strncmp(url, "https://", 8) ? 8 : 0;
    const char *host = url + scheme;
    if (!scheme || !*host || *host == '/' || *host == ':')
        return err_set(e, ERR_INVALID,
                       "publicUrl must be an absolute http:// or https:// URL with a host, "
                       "e.g. https://shop.example.com");
    for (const unsigned char *p = (const unsigned char *)url; *p; p++) {
        if (*p == '?' || *p == '#')
            return err_set(e, ERR_INVALID, "publicUrl must not have a query (?) or a "
                                           "fragment (#): links add their own");
        if (*p <= ' ' || *p >= 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' ||
            *p == '\\' || *p == '`' || *p == '{' || *p == '}' || *p == '|' || *p == '^')
            return err_set(e, ERR_INVALID,
                           "publicUrl must be a plain URL (no spaces, quotes or brackets)");
    }
    /* The host's first character is not a slash, so this stops before it. */
    size_t n = strlen(url);
    while (url[n - 1] == '/')
        url[--n] = '\0';
    return 0;
}

/* One min/max pair of day buffers, named as the JSON fields so messages point at them. */
struct day_pair {
    const char *min_name, *max_name;
    int min, max;
};

static int check_pair(const struct day_pair *p, err_t *e)
{
    if (p->min < 0 || p->min > SETTINGS_DAYS_MAX)
        return err_set(e, ERR_INVALID, "%s must be between 0 and %d", p->min_name,
                       SETTINGS_DAYS_MAX);
    if (p->max < 0 || p->max > SETTINGS_DAYS_MAX)
        return err_set(e, ERR_INVALID, "%s must be between 0 and %d", p->max_name,
                       SETTINGS_DAYS_MAX);
    if (p->min > p->max)
        return err_set(e, ERR_INVALID, "%s (%d) must not be greater than %s (%d)",
                       p->min_name, p->min, p->max_name, p->max);
    return 0;
}

static int cmp_date(const void *a, const void *b)
{
    date_t x = *(const date_t *)a, y = *(const date_t *)b;
    return (x > y) - (x < y);
}

static bool terminated(const char *s, size_t cap)
{
    return memchr(s, '\0', cap) != NULL;
}

int settings_validate(struct settings *s, err_t *e)
{
    const struct day_pair pairs[] = {
        {"inStockMinDays", "inStockMaxDays", s->in_stock_min_days, s->in_stock_max_days},
        {"preorderBufferMinDays", "preorderBufferMaxDays", s->preorder_buffer_min_days,
         s->preorder_buffer_max_days},
        {"backorderMinDays", "backorderMaxDays", s->backorder_min_days,
         s->backorder_max_days},
    };
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        int rc = check_pair(&pairs[i], e);
        if (rc)
            return rc;
    }
    if (s->capture_on != CAPTURE_SHIPMENT && s->capture_on != CAPTURE_ORDER)
        return err_set(e, ERR_INVALID, "captureOn must be \"shipment\" or \"order\"");
    for (size_t i = 0; i < SETTINGS_COUNTS; i++) {
        int min, max, *v = settings_count(s, settings_count_names[i], &min, &max);
        if (*v < min || *v > max)
            return err_set(e, ERR_INVALID, "%s must be between %d and %d",
                           settings_count_names[i], min, max);
    }
    if (s->nholidays > SETTINGS_MAX_HOLIDAYS)
        return err_set(e, ERR_INVALID, "holidays must not list more than %d dates",
                       SETTINGS_MAX_HOLIDAYS);
    for (size_t i = 0; i < s->nholidays; i++)
        if (s->holidays[i] == DATE_NONE)
            return err_set(e, ERR_INVALID, "holidays must be dates (YYYY-MM-DD)");
    /* Text fields are filled by parsers elsewhere; refuse rather than read past the end. */
    if (!terminated(s->backorder_message, sizeof s->backorder_message))
        return err_set(e, ERR_INVALID, "backorderMessage must be shorter than %d bytes",
                       SETTINGS_TEXT_MAX);
    if (!terminated(s->store_name, sizeof s->store_name))
        return err_set(e, ERR_INVALID, "storeName must be shorter than %d bytes",
                       SETTINGS_TEXT_MAX);
    if (!terminated(s->from_email, sizeof s->from_email))
        return err_set(e, ERR_INVALID, "fromEmail must be shorter than %d bytes",
                       SETTINGS_TEXT_MAX);
    if (!terminated(s->public_url, sizeof s->public_url))
        return err_set(e, ERR_INVALID, "publicUrl must be shorter than %d bytes",
                       SETTINGS_TEXT_MAX);
    if (check_public_url(s->public_url, e))
        return e->code;

    /* date_add binary-searches holidays, so they must be sorted and unique. */
    if (s->nholidays > 1) {
        qsort(s->holidays, s->nholidays, sizeof s->holidays[0], cmp_date);
        size_t w = 1;
        for (size_t r = 1; r < s->nholidays; r++)
            if (s->holidays[r] != s->holidays[w - 1])
                s->holidays[w++] = s->holidays[r];
        s->nholidays = w;
    }
    return 0;
}

struct calendar settings_calendar(const struct settings *s)
{
    struct calendar c = {s->business_days, s->holidays, s->nholidays};
    return c;
}

const char *settings_capture_name(int capture_on)
{
    return capture_on == CAPTURE_ORDER ? "order" : "shipment";
}

int settings_capture_parse(const char *name, int *out)
{
    if (name && strcmp(name, "shipment") == 0) {
        *out = CAPTURE_SHIPMENT;
        return 0;
    }
    if (name && strcmp(name, "order") == 0) {
        *out = CAPTURE_ORDER;
        return 0;
    }
    return ERR_INVALID;
}

const char *const settings_day_names[SETTINGS_DAYS] = {
    "inStockMinDays",   "inStockMaxDays",   "preorderBufferMinDays",
    "preorderBufferMaxDays", "backorderMinDays", "backorderMaxDays",
};

int *settings_day(struct settings *s, const char *name)
{
    int *fields[SETTINGS_DAYS] = {
        &s->in_stock_min_days,        &s->in_stock_max_days,  &s->preorder_buffer_min_days,
        &s->preorder_buffer_max_days, &s->backorder_min_days, &s->backorder_max_days,
    };
    for (size_t i = 0; i < SETTINGS_DAYS; i++)
        if (!strcmp(name, settings_day_names[i]))
            return fields[i];
    return NULL;
}

const char *const settings_count_names[SETTINGS_COUNTS] = {
    "authorizationValidDays", "impliedConsentDays", "consentWindowDays", "sweepMinutes"};

int *settings_count(struct settings *s, const char *name, int *min, int *max)
{
    int *fields[SETTINGS_COUNTS] = {&s->authorization_valid_days, &s->implied_consent_days,
                                    &s->consent_window_days, &s->sweep_minutes};
    for (size_t i = 0; i < SETTINGS_COUNTS; i++)
        if (!strcmp(name, settings_count_names[i])) {
            /* At least one sweep a day, so no answer date passes unnoticed for long. */
            if (min)
                *min = i == 3 ? 1 : 0;
            if (max)
                *max = i == 3 ? 1440 : SETTINGS_DAYS_MAX;
            return fields[i];
        }
    return NULL;
}

/* What both storage backends share; see common.h. */
#include "store/common.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int settings_int(const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 365)
        return -1;
    *out = (int)n;
    return 0;
}

void store_settings_apply(struct settings *s, const char *k, const char *v)
{
    int *day = settings_day(s, k);
    if (day)
        settings_int(v, day);
    else if (!strcmp(k, "backorderMessage"))
        snprintf(s->backorder_message, sizeof s->backorder_message, "%s", v);
    else if (!strcmp(k, "businessDays"))
        s->business_days = !strcmp(v, "1");
    else if (!strcmp(k, "captureOn"))
        settings_capture_parse(v, &s->capture_on);
    else if (settings_count(s, k, NULL, NULL))
        settings_int(v, settings_count(s, k, NULL, NULL));
    else if (!strcmp(k, "storeName"))
        snprintf(s->store_name, sizeof s->store_name, "%s", v);
    else if (!strcmp(k, "fromEmail"))
        snprintf(s->from_email, sizeof s->from_email, "%s", v);
    else if (!strcmp(k, "publicUrl") && *v)
        snprintf(s->public_url, sizeof s->public_url, "%s", v);
    else if (!strcmp(k, "holidays")) {
        s->nholidays = 0;
        for (const char *p = v; *p && s->nholidays < SETTINGS_MAX_HOLIDAYS;) {
            date_t d;
            if (date_parse(p, 10, &d) == 0)
                s->holidays[s->nholidays++] = d;
            p += strlen(p) >= 11 ? 11 : strlen(p);
        }
    }
}

void store_settings_rows(const struct settings *set, struct store_settings_rows *out)
{
    size_t n = 0;
    struct settings days = *set; /* settings_day and _count hand out writable fields */
    for (size_t i = 0; i < SETTINGS_DAYS; i++) {
        snprintf(out->days[i], sizeof out->days[i], "%d",
                 *settings_day(&days, settings_day_names[i]));
        out->kv[n][0] = settings_day_names[i];
        out->kv[n++][1] = out->days[i];
    }
    out->holidays[0] = '\0';
    for (size_t i = 0; i < set->nholidays; i++) {
        date_format(set->holidays[i], out->holidays + i * DATE_STRLEN);
        out->holidays[i * DATE_STRLEN + 10] = ',';
        out->holidays[i * DATE_STRLEN + 11] = '\0';
    }
    for (size_t i = 0; i < SETTINGS_COUNTS; i++) {
        snprintf(out->counts[i], sizeof out->counts[i], "%d",
                 *settings_count(&days, settings_count_names[i], NULL, NULL));
        out->kv[n][0] = settings_count_names[i];
        out->kv[n++][1] = out->counts[i];
    }
    const char *kv[][2] = {
        {"backorderMessage", set->backorder_message},
        {"businessDays", set->business_days ? "1" : "0"},
        {"holidays", out->holidays},
        {"captureOn", settings_capture_name(set->capture_on)},
        {"storeName", set->store_name},
        {"fromEmail", set->from_email},
        {"publicUrl", settings_public_url_stored(set)},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        out->kv[n][0] = kv[i][0];
        out->kv[n++][1] = kv[i][1];
    }
    out->n = n;
}

const char *store_key_name(const char *sku, const char *loc, int type, const char *ref, char *buf,
                           size_t cap)
{
    snprintf(buf, cap, "%s at %s (%s%s%s)", sku, loc, position_stock_type_name(type),
             *ref ? " " : "", ref);
    return buf;
}

const char *store_pos_name(const struct position *k, char *buf, size_t cap)
{
    store_key_name(k->sku, k->location_id, k->stock_type, k->transit_ref, buf, cap);
    /* The channel is part of the key: without it two positions read the same. */
    size_t n = strlen(buf);
    if (k->channel_id && n < cap)
        snprintf(buf + n, cap - n, " in channel %lld", (long long)k->channel_id);
    return buf;
}

/* --- the sentences of `sellahead check` --- */

/* The position named by columns i..i+3 (sku, location_id, stock_type, transit_ref) and its
 * channel in column ch. */
static const char *row_pos(const struct store_row *r, int i, int ch, char *buf, size_t cap)
{
    struct position k = {.stock_type = (int)r->num(r, i + 2), .channel_id = r->num(r, ch)};
    snprintf(k.sku, sizeof k.sku, "%s", r->text(r, i));
    snprintf(k.location_id, sizeof k.location_id, "%s", r->text(r, i + 1));
    snprintf(k.transit_ref, sizeof k.transit_ref, "%s", r->text(r, i + 3));
    return store_pos_name(&k, buf, cap);
}

static void fmt_allocated(const struct store_row *r, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "%s has allocatedQuantity %lld but its allocations add up to %lld",
             row_pos(r, 0, 6, pos, sizeof pos), (long long)r->num(r, 4), (long long)r->num(r, 5));
}

static void fmt_orphan(const struct store_row *r, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s holds %lld units of %s, a position that does not exist",
             r->text(r, 4), (long long)r->num(r, 5), row_pos(r, 0, 6, pos, sizeof pos));
}

static void fmt_negative(const struct store_row *r, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap,
             "%s has a negative figure or is oversold: quantity %lld, "
             "reservedQuantity %lld, allocatedQuantity %lld",
             row_pos(r, 0, 7, pos, sizeof pos), (long long)r->num(r, 4), (long long)r->num(r, 5),
             (long long)r->num(r, 6));
}

static void fmt_closed(const struct store_row *r, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s is %s but still holds %lld units of %s", r->text(r, 4),
             order_shipment_status_name((int)r->num(r, 6)), (long long)r->num(r, 5),
             row_pos(r, 0, 7, pos, sizeof pos));
}

static void fmt_no_payment(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no payment", (long long)r->num(r, 0), r->text(r, 1));
}

static void fmt_overcapture(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap,
             "order %lld (%s) has captures of %lld in all, more than the %lld "
             "authorized",
             (long long)r->num(r, 0), r->text(r, 1), (long long)r->num(r, 3),
             (long long)r->num(r, 2));
}

static void fmt_captured(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records %lld captured but its captures add up to %lld",
             (long long)r->num(r, 0), r->text(r, 1), (long long)r->num(r, 2),
             (long long)r->num(r, 3));
}

static void fmt_confirmation(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no order_confirmation email", (long long)r->num(r, 0),
             r->text(r, 1));
}

static void fmt_ledger_over(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap,
             "order %lld (%s): its payment events capture %lld and refund %lld, "
             "more than the %lld authorized",
             (long long)r->num(r, 0), r->text(r, 1), (long long)r->num(r, 3),
             (long long)r->num(r, 4), (long long)r->num(r, 2));
}

static void fmt_ledger_sum(const struct store_row *r, char *msg, size_t cap)
{
    snprintf(msg, cap,
             "order %lld (%s) records authorized %lld, captured %lld, voided %lld, "
             "refunded %lld but its payment events add up to %lld, %lld, %lld, %lld",
             (long long)r->num(r, 0), r->text(r, 1), (long long)r->num(r, 2),
             (long long)r->num(r, 3), (long long)r->num(r, 4), (long long)r->num(r, 5),
             (long long)r->num(r, 6), (long long)r->num(r, 7), (long long)r->num(r, 8),
             (long long)r->num(r, 9));
}

static void fmt_sweep(const struct store_row *r, char *msg, size_t cap)
{
    char by[DATE_STRLEN], day[DATE_STRLEN];
    date_format((date_t)r->num(r, 1), by);
    date_format((date_t)r->num(r, 2), day);
    snprintf(msg, cap,
             "shipment %s has a PENDING delay with respondBy %s, before the last sweep on %s",
             r->text(r, 0), by, day);
}

static void fmt_limit(const struct store_row *r, char *msg, size_t cap)
{
    const bool dated = r->num(r, 2) != 0;
    snprintf(msg, cap,
             "%s at %s has %lld units allocated on %s positions, above its %s of %lld",
             r->text(r, 0), r->text(r, 1), (long long)r->num(r, 3),
             dated ? "pre-order" : "backorder", dated ? "preorderLimit" : "backorderLimit",
             (long long)r->num(r, 4));
}

static void (*const check_fmt[])(const struct store_row *r, char *msg, size_t cap) = {
    [STORE_CHECK_ALLOCATED] = fmt_allocated,     [STORE_CHECK_ALLOC_ORPHAN] = fmt_orphan,
    [STORE_CHECK_NEGATIVE] = fmt_negative,       [STORE_CHECK_CLOSED_ALLOC] = fmt_closed,
    [STORE_CHECK_NO_PAYMENT] = fmt_no_payment,   [STORE_CHECK_OVERCAPTURE] = fmt_overcapture,
    [STORE_CHECK_CAPTURED] = fmt_captured,       [STORE_CHECK_CONFIRMATION] = fmt_confirmation,
    [STORE_CHECK_LEDGER_OVER] = fmt_ledger_over, [STORE_CHECK_LEDGER_SUM] = fmt_ledger_sum,
    [STORE_CHECK_SWEEP] = fmt_sweep,
    [STORE_CHECK_LIMIT] = fmt_limit,
};

void store_check_format(enum store_check kind, const struct store_row *r, char *msg, size_t cap)
{
    check_fmt[kind](r, msg, cap);
}

int store_lines_read_each(struct store *st, const char *const *skus, size_t n, bool lock,
                          int64_t *number, struct settings *s, struct product *products,
                          bool *found, struct position_list *lists, err_t *e)
{
    int rc = number ? st->ops->order_next_number(st, number, e) : 0;
    if (!rc)
        rc = st->ops->settings_get(st, s, e);
    for (size_t i = 0; i < n && !rc; i++) {
        rc = st->ops->product_get(st, skus[i], &products[i], e);
        found[i] = rc == 0;
        if (rc == ERR_NOTFOUND)
            rc = 0;
        if (!rc)
            rc = lock ? st->ops->positions_lock(st, skus[i], &lists[i], e)
                      : st->ops->positions_by_sku(st, skus[i], &lists[i], e);
    }
    return rc;
}

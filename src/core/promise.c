#include "core/promise.h"

#include <stdio.h>
#include <string.h>

#define EN_DASH "\xE2\x80\x93" /* U+2013, UTF-8 */

/* "Nov 28, 2027" is 12 bytes; the slack covers any year an int can hold. */
#define SHORT_MAX 32

static void format_range(struct range *r, const char *lead, date_t today)
{
    char from[SHORT_MAX], to[SHORT_MAX];
    date_short(r->from, today, from, sizeof from);
    date_short(r->to, today, to, sizeof to);
    snprintf(r->message, sizeof r->message, "%s%s" EN_DASH "%s", lead, from, to);
}

void promise_range(const struct position *p, const struct settings *s, date_t today,
                   struct range *out)
{
    const struct calendar cal = settings_calendar(s);
    const date_t onhand_from = date_add(today, s->in_stock_min_days, &cal);

    if (p->stock_type != STOCK_INTRANSIT) {
        out->from = onhand_from;
        out->to = date_add(today, s->in_stock_max_days, &cal);
        format_range(out, "In stock. Delivery ", today);
        return;
    }

    if (position_is_preorder(p)) {
        /* A late purchase order cannot deliver before today's shipments would. */
        const date_t base = p->stock_date > today ? p->stock_date : today;
        out->from = date_add(base, s->preorder_buffer_min_days, &cal);
        out->to = date_add(base, s->preorder_buffer_max_days, &cal);
        if (out->from < onhand_from)
            out->from = onhand_from;
        if (out->to < out->from)
            out->to = out->from;
        format_range(out, "Backorder: expected delivery ", today);
        return;
    }

    out->from = date_add(today, s->backorder_min_days, &cal);
    out->to = date_add(today, s->backorder_max_days, &cal);
    if (s->backorder_message[0])
        snprintf(out->message, sizeof out->message, "%s", s->backorder_message);
    else
        format_range(out, "Backorder: expected delivery ", today);
}

void promise_availability(const struct position *sorted, size_t n, const struct settings *s,
                          date_t today, struct availability *out)
{
    memset(out, 0, sizeof *out);
    out->stock_date = DATE_NONE;
    out->expected.from = out->expected.to = DATE_NONE;

    const struct position *first = NULL;
    for (size_t i = 0; i < n; i++) {
        const int64_t a = position_available(&sorted[i]);
        if (sorted[i].stock_type == STOCK_INTRANSIT)
            out->available_transit += a;
        else
            out->available_stock += a;
        if (a > 0 && !first)
            first = &sorted[i];
    }
    out->available_total = out->available_stock + out->available_transit;

    if (out->available_stock > 0)
        out->status = STATUS_IN_STOCK;
    else if (out->available_transit > 0)
        out->status = STATUS_IN_TRANSIT;
    else
        out->status = STATUS_OUT_OF_STOCK;
    out->in_stock = out->status == STATUS_IN_STOCK;
    out->backorder = out->status == STATUS_IN_TRANSIT;
    out->add_to_cart = out->available_total > 0;
    out->low_stock = position_low_stock(sorted, n);

    if (first) {
        out->has_expected = true;
        promise_range(first, s, today, &out->expected);
        if (out->status == STATUS_IN_TRANSIT && position_is_preorder(first))
            out->stock_date = first->stock_date;
    }
}

size_t promise_allocate(const struct position *sorted, size_t n, int64_t qty,
                        struct allocation *out, bool *fulfillable)
{
    size_t k = 0;
    int64_t left = qty;
    for (size_t i = 0; i < n && left > 0; i++) {
        const int64_t a = position_available(&sorted[i]);
        if (a == 0)
            continue;
        const int64_t take = a < left ? a : left;
        out[k].pos = i;
        out[k].quantity = take;
        k++;
        left -= take;
    }
    /* Asking for nothing (or less) is a caller error, not a promise we can keep. */
    if (fulfillable)
        *fulfillable = qty > 0 && left == 0;
    return k;
}

const char *promise_status_name(int status)
{
    switch (status) {
    case STATUS_IN_STOCK:
        return "IN_STOCK";
    case STATUS_IN_TRANSIT:
        return "IN_TRANSIT";
    default:
        return "OUT_OF_STOCK";
    }
}

#include "mail/compose.h"
#include "util/buf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- a growing string --- */

/* One part of an email; html makes out() escape interpolated values. */
struct part {
    struct buf b;
    bool html;
};

static void put_value(struct part *b, const char *s)
{
    if (!s)
        return;
    if (!b->html) {
        buf_put(&b->b, s, strlen(s));
        return;
    }
    const char *run = s;
    for (; *s; s++) {
        const char *rep;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_put(&b->b, run, (size_t)(s - run));
        buf_put(&b->b, rep, strlen(rep));
        run = s + 1;
    }
    buf_put(&b->b, run, (size_t)(s - run));
}

/* Appends fmt, where %s takes a string value (escaped in HTML) and %% is a percent sign.
 * Nothing else is understood, so no value ever reaches a printf format. */
static void out(struct part *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *run = fmt;
    while (*fmt) {
        if (fmt[0] != '%' || (fmt[1] != 's' && fmt[1] != '%')) {
            fmt++;
            continue;
        }
        buf_put(&b->b, run, (size_t)(fmt - run));
        if (fmt[1] == 's')
            put_value(b, va_arg(ap, const char *));
        else
            buf_put(&b->b, "%", 1);
        fmt += 2;
        run = fmt;
    }
    buf_put(&b->b, run, (size_t)(fmt - run));
    va_end(ap);
}

/* --- values as strings; C11 keeps these temporaries alive for the full expression --- */

struct money {
    char s[COMPOSE_MONEY_MAX];
};

struct num {
    char s[24];
};

static struct money money(int64_t minor, const char *currency)
{
    struct money m;
    compose_money(minor, currency, m.s, sizeof m.s);
    return m;
}

static struct num num(int64_t v)
{
    struct num n;
    snprintf(n.s, sizeof n.s, "%lld", (long long)v);
    return n;
}

/* Digits of v with a comma every three. */
static void group(uint64_t v, char *out, size_t cap)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

void compose_money(int64_t minor, const char *currency, char *out, size_t cap)
{
    static const struct {
        char code[4];
        const char *symbol;
    } symbols[] = {{"USD", "$"}, {"EUR", "\xE2\x82\xAC"}, {"GBP", "\xC2\xA3"}};
    /* ISO 4217 currencies whose minor unit is the unit itself. */
    static const char zero_decimal[][4] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY",
                                           "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
                                           "VUV", "XAF", "XOF", "XPF"};
    if (!currency)
        currency = "";
    bool whole = false;
    for (size_t i = 0; i < sizeof zero_decimal / sizeof zero_decimal[0]; i++)
        whole |= !strcmp(currency, zero_decimal[i]);
    /* Magnitude in unsigned arithmetic so INT64_MIN does not overflow. */
    uint64_t mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
    char amount[48];
    group(whole ? mag : mag / 100, amount, sizeof amount);
    if (!whole) {
        size_t n = strlen(amount);
        snprintf(amount + n, sizeof amount - n, ".%02u", (unsigned)(mag % 100));
    }
    const char *sign = minor < 0 ? "-" : "";
    for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
        if (!strcmp(currency, symbols[i].code)) {
            snprintf(out, cap, "%s%s%s", sign, symbols[i].symbol, amount);
            return;
        }
    }
    snprintf(out, cap, "%s%s%s%s", sign, amount, *currency ? " " : "", currency);
}

/* --- the two parts of one email --- */

struct doc {
    struct part t, h;
    const struct order_rec *o;
    const struct settings *s;
};

#define MUTED "color:#71717a;font-size:13px"
#define CELL "padding:6px 8px 6px 0;border-top:1px solid #e4e4e7;vertical-align:top"
#define NUMCELL CELL ";text-align:right;white-space:nowrap"

static void doc_open(struct doc *d, const struct order_rec *o, const struct settings *s,
                     const char *subject, const char *heading)
{
    memset(d, 0, sizeof *d);
    d->h.html = true;
    d->o = o;
    d->s = s;
    out(&d->t, "%s\n\n%s\n\n", s->store_name, heading);
    out(&d->h,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title></head>\n"
        "<body style=\"margin:0;padding:0;background:#f4f4f5\">\n"
        "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"background:#f4f4f5\"><tr><td align=\"center\" style=\"padding:24px 12px\">\n"
        "<table role=\"presentation\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"width:100%%;max-width:600px;background:#ffffff;border:1px solid #e4e4e7;"
        "font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;"
        "color:#18181b\">\n<tr><td style=\"padding:24px\">\n"
        "<p style=\"margin:0 0 4px;" MUTED "\">%s</p>\n"
        "<h1 style=\"margin:0 0 16px;font-size:22px;line-height:1.3\">%s</h1>\n",
        subject, s->store_name, heading);
}

/* A sentence, the same in both parts. */
static void para(struct doc *d, const char *text)
{
    out(&d->t, "%s\n", text);
    out(&d->h, "<p style=\"margin:0 0 12px\">%s</p>\n", text);
}

static void section(struct doc *d, const char *title)
{
    out(&d->t, "\n%s\n", title);
    out(&d->h, "<h2 style=\"margin:24px 0 8px;font-size:17px\">%s</h2>\n", title);
}

/* "Label: value", with an optional note after it. */
static void field(struct doc *d, const char *label, const char *value, const char *note)
{
    out(&d->t, "%s: %s\n", label, value);
    out(&d->h, "<p style=\"margin:0 0 4px\">%s: <strong>%s</strong>", label, value);
    if (note && *note) {
        out(&d->t, "  %s\n", note);
        out(&d->h, "<br><span style=\"" MUTED "\">%s</span>", note);
    }
    out(&d->h, "</p>\n");
}

/* The order page with its token, absolute from publicUrl: a link works from any mail client. */
void compose_order_url(const struct order_rec *o, const struct settings *s, char *out,
                       size_t cap)
{
    snprintf(out, cap, "%s/orders/%s?token=%s", s->public_url, o->id, o->access_token);
}

static void link(struct doc *d)
{
    char url[COMPOSE_URL_MAX];
    compose_order_url(d->o, d->s, url, sizeof url);
    section(d, "Your order page");
    out(&d->t, "%s\n", url);
    out(&d->h,
        "<p style=\"margin:0 0 12px;word-break:break-all\"><a href=\"%s\" "
        "style=\"color:#1d4ed8\">%s</a></p>\n",
        url, url);
}

/* Finishes both parts and hands them to out, or frees them on a failed allocation. */
static int doc_close(struct doc *d, struct email *m)
{
    out(&d->t, "\n%s\n", d->s->store_name);
    out(&d->h,
        "<p style=\"margin:24px 0 0;" MUTED "\">%s</p>\n"
        "</td></tr></table>\n</td></tr></table>\n</body></html>\n",
        d->s->store_name);
    if (d->t.b.oom || d->h.b.oom || !d->t.b.p || !d->h.b.p) {
        buf_free(&d->t.b);
        buf_free(&d->h.b);
        m->text = m->html = NULL;
        return ERR_NOMEM;
    }
    m->text = d->t.b.p;
    m->html = d->h.b.p;
    return 0;
}

/* --- pieces of an order --- */

/* Copies src, cut to fit: a from address longer than an email holds is a settings problem
 * the send step reports, not a reason to drop the email. */
static void copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void email_head(struct email *m, const char *kind, const struct order_rec *o,
                       const struct settings *s)
{
    memset(m, 0, sizeof *m);
    copy(m->kind, sizeof m->kind, kind);
    copy(m->order_id, sizeof m->order_id, o->id);
    copy(m->from, sizeof m->from, s->from_email);
    copy(m->to, sizeof m->to, o->email);
    m->status = EMAIL_PENDING;
}

static const char *line_name(const struct order_rec *o, const char *sku)
{
    for (size_t i = 0; i < o->nlines; i++)
        if (!strcmp(o->lines[i].sku, sku))
            return o->lines[i].name[0] ? o->lines[i].name : sku;
    return sku;
}

static void greeting(struct doc *d)
{
    const char *name = d->o->address.name;
    if (*name) {
        out(&d->t, "Hi %s,\n\n", name);
        out(&d->h, "<p style=\"margin:0 0 12px\">Hi %s,</p>\n", name);
    } else {
        para(d, "Hello,");
        out(&d->t, "\n");
    }
}

static const char *ship_label(int status)
{
    switch (status) {
    case SHIP_READY: return "Ships now";
    case SHIP_AWAITING_STOCK: return "On backorder";
    case SHIP_SHIPPED: return "Shipped";
    default: return "Cancelled";
    }
}

static const char *ship_color(int status)
{
    switch (status) {
    case SHIP_READY: return "#15803d";
    case SHIP_AWAITING_STOCK: return "#b45309";
    case SHIP_SHIPPED: return "#1d4ed8";
    default: return "#71717a";
    }
}

/* "Shipment 2 of 3 — On backorder". */
static void ship_heading(struct doc *d, size_t i, size_t n, int status)
{
    char title[64];
    snprintf(title, sizeof title, "Shipment %zu of %zu", i + 1, n);
    out(&d->t, "\n%s \xE2\x80\x94 %s\n", title, ship_label(status));
    out(&d->h,
        "<h3 style=\"margin:20px 0 4px;font-size:15px\">%s \xE2\x80\x94 "
        "<span style=\"color:%s\">%s</span></h3>\n",
        title, ship_color(status), ship_label(status));
}

static void ship_items(struct doc *d, const struct shipment_rec *sh)
{
    out(&d->h, "<ul style=\"margin:0 0 8px;padding-left:20px\">\n");
    for (size_t i = 0; i < sh->nitems; i++) {
        const struct shipment_item *it = &sh->items[i];
        const char *name = line_name(d->o, it->sku);
        out(&d->t, "- %s \xC3\x97 %s (%s)\n", num(it->quantity).s, name, it->sku);
        out(&d->h, "<li>%s \xC3\x97 %s <span style=\"" MUTED "\">(%s)</span></li>\n",
            num(it->quantity).s, name, it->sku);
    }
    out(&d->h, "</ul>\n");
}

static void ship_expected(struct doc *d, const struct shipment_rec *sh)
{
    if (!sh->expected.message[0])
        return;
    out(&d->t, "%s\n", sh->expected.message);
    out(&d->h, "<p style=\"margin:0 0 4px\">%s</p>\n", sh->expected.message);
}

static void order_lines(struct doc *d)
{
    const struct order_rec *o = d->o;
    section(d, "Items");
    out(&d->h,
        "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\" "
        "style=\"border-collapse:collapse\">\n<tr>"
        "<th align=\"left\" style=\"padding:0 8px 6px 0;" MUTED "\">Item</th>"
        "<th align=\"right\" style=\"padding:0 8px 6px 0;" MUTED "\">Qty</th>"
        "<th align=\"right\" style=\"padding:0 8px 6px 0;" MUTED "\">Price</th>"
        "<th align=\"right\" style=\"padding:0 0 6px 0;" MUTED "\">Amount</th></tr>\n");
    for (size_t i = 0; i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        const char *name = l->name[0] ? l->name : l->sku;
        out(&d->t, "- %s (%s): %s \xC3\x97 %s = %s\n", name, l->sku, num(l->quantity).s,
            money(l->unit_price, o->currency).s, money(l->amount, o->currency).s);
        out(&d->h,
            "<tr><td style=\"" CELL "\">%s<br><span style=\"" MUTED "\">%s</span></td>"
            "<td style=\"" NUMCELL "\">%s</td><td style=\"" NUMCELL "\">%s</td>"
            "<td style=\"" NUMCELL ";padding-right:0\">%s</td></tr>\n",
            name, l->sku, num(l->quantity).s, money(l->unit_price, o->currency).s,
            money(l->amount, o->currency).s);
    }
    out(&d->h, "</table>\n");
}

/* What is charged now and later, by the order's shipments and the capture policy. */
static int charges(const struct order_rec *o, int capture_on, int64_t *now, int64_t *later)
{
    struct order_shipment *v = calloc(o->nshipments ? o->nshipments : 1, sizeof *v);
    if (!v)
        return ERR_NOMEM;
    for (size_t i = 0; i < o->nshipments; i++) {
        v[i].status = o->shipments[i].status;
        v[i].amount = o->shipments[i].amount;
    }
    order_charges(v, o->nshipments, capture_on, now, later);
    free(v);
    return 0;
}

static void month_day_year(date_t d, char *out, size_t cap)
{
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, m, day;
    date_to_ymd(d, &y, &m, &day);
    snprintf(out, cap, "%s %d, %d", months[(m - 1) % 12], day, y);
}

/* --- the emails --- */

int compose_order_confirmation(const struct order_rec *o, const struct settings *s,
                               date_t today, struct email *m)
{
    email_head(m, "order_confirmation", o, s);
    size_t waiting = 0, open = 0;
    for (size_t i = 0; i < o->nshipments; i++) {
        waiting += o->shipments[i].status == SHIP_AWAITING_STOCK;
        open += o->shipments[i].status != SHIP_CANCELLED;
    }
    int64_t now, later;
    if (charges(o, s->capture_on, &now, &later))
        return ERR_NOMEM;
    /* "part" only when something ships now; all of it otherwise. */
    snprintf(m->subject, sizeof m->subject, "Order %lld confirmed%s", (long long)o->number,
             !waiting         ? ""
             : waiting < open ? " \xE2\x80\x94 part on backorder"
                              : " \xE2\x80\x94 on backorder");

    char heading[64], placed[32], intro[SETTINGS_TEXT_MAX + 64];
    snprintf(heading, sizeof heading, "Order %lld confirmed", (long long)o->number);
    month_day_year(today, placed, sizeof placed);
    snprintf(intro, sizeof intro, "Thank you for your order from %s.", s->store_name);

    struct doc d;
    doc_open(&d, o, s, m->subject, heading);
    greeting(&d);
    para(&d, intro);
    field(&d, "Order number", num(o->number).s, NULL);
    field(&d, "Placed", placed, NULL);
    order_lines(&d);

    section(&d, "Delivery");
    for (size_t i = 0; i < o->nshipments; i++) {
        const struct shipment_rec *sh = &o->shipments[i];
        ship_heading(&d, i, o->nshipments, sh->status);
        ship_items(&d, sh);
        ship_expected(&d, sh);
        if (sh->status == SHIP_CANCELLED)
            continue;
        field(&d, s->capture_on == CAPTURE_ORDER ? "Charged at order" : "Charged when it ships",
              money(sh->amount, o->currency).s, NULL);
    }

    /* The same words as the storefront (docs/storefront.md, "Money words"): true under
     * both capture policies, never "charged now" for what is only held until it ships. */
    section(&d, "Payment");
    if (s->capture_on == CAPTURE_ORDER) {
        field(&d, "Charged at order", money(now, o->currency).s,
              waiting ? "The whole order was charged when you placed it; nothing more is "
                        "charged when the backordered items ship."
                      : "The whole order was charged when you placed it.");
    } else {
        if (now)
            field(&d, "Charged when in-stock items ship", money(now, o->currency).s,
                  "Until a shipment ships, its amount is only held on your card.");
        if (waiting)
            field(&d, "Charged when backordered items ship", money(later, o->currency).s,
                  "Each backordered shipment is charged when it ships (amounts above).");
    }
    field(&d, "Total", money(o->total, o->currency).s, NULL);
    link(&d);
    return doc_close(&d, m);
}

int compose_shipment_shipped(const struct order_rec *o, const struct shipment_rec *sh,
                             int64_t charged, const struct settings *s, struct email *m)
{
    email_head(m, "shipment_shipped", o, s);
    /* The rest of the order: what is still to come after this shipment. */
    size_t rest = 0;
    for (size_t i = 0; i < o->nshipments; i++) {
        const struct shipment_rec *x = &o->shipments[i];
        rest += strcmp(x->id, sh->id) && x->status != SHIP_SHIPPED &&
                x->status != SHIP_CANCELLED;
    }
    snprintf(m->subject, sizeof m->subject, rest ? "Part of order %lld shipped"
                                                 : "Order %lld shipped",
             (long long)o->number);

    char intro[SETTINGS_TEXT_MAX + 96];
    snprintf(intro, sizeof intro, "Good news: %s %lld from %s is on its way.",
             rest ? "part of your order" : "your order", (long long)o->number,
             s->store_name);

    struct doc d;
    doc_open(&d, o, s, m->subject, m->subject);
    greeting(&d);
    para(&d, intro);
    section(&d, "Shipped");
    ship_items(&d, sh);
    field(&d, "Tracking number", sh->tracking_number[0] ? sh->tracking_number : "not given",
          NULL);
    field(&d, "Charged for this shipment", money(charged, o->currency).s,
          !charged && s->capture_on == CAPTURE_ORDER ? "It was paid when you placed the order."
                                                      : NULL);
    if (rest) {
        section(&d, "Still to come");
        size_t k = 0;
        for (size_t i = 0; i < o->nshipments; i++) {
            const struct shipment_rec *x = &o->shipments[i];
            if (!strcmp(x->id, sh->id) || x->status == SHIP_SHIPPED ||
                x->status == SHIP_CANCELLED)
                continue;
            ship_heading(&d, k++, rest, x->status);
            ship_items(&d, x);
            ship_expected(&d, x);
        }
    }
    link(&d);
    return doc_close(&d, m);
}

/* An order cancel (only == NULL: every shipment now CANCELLED) or one shipment's. */
static int cancelled_mail(const struct order_rec *o, const struct shipment_rec *only,
                          int64_t cancelled, int64_t refunded, const struct settings *s,
                          struct email *m)
{
    email_head(m, only ? "shipment_cancelled" : "order_cancelled", o, s);
    bool all = !only && o->status == ORDER_CANCELLED;
    snprintf(m->subject, sizeof m->subject,
             only  ? "Order %lld: a shipment was cancelled"
             : all ? "Order %lld cancelled"
                   : "Order %lld: unshipped items cancelled",
             (long long)o->number);
    int64_t released = cancelled - refunded;

    char intro[SETTINGS_TEXT_MAX + 128];
    if (only)
        snprintf(intro, sizeof intro,
                 "One shipment of your order %lld from %s has been cancelled. The rest of "
                 "your order is not affected.",
                 (long long)o->number, s->store_name);
    else if (all)
        snprintf(intro, sizeof intro, "Your order %lld from %s has been cancelled.",
                 (long long)o->number, s->store_name);
    else
        snprintf(intro, sizeof intro,
                 "The items of your order %lld from %s that had not shipped have been "
                 "cancelled. Items already shipped are not affected.",
                 (long long)o->number, s->store_name);

    struct doc d;
    doc_open(&d, o, s, m->subject, m->subject);
    greeting(&d);
    para(&d, intro);
    section(&d, "Cancelled");
    for (size_t i = 0; i < o->nshipments; i++)
        if (only ? &o->shipments[i] == only : o->shipments[i].status == SHIP_CANCELLED)
            ship_items(&d, &o->shipments[i]);
    field(&d, "Cancelled amount", money(cancelled, o->currency).s, NULL);

    section(&d, "Payment");
    if (released > 0)
        field(&d, only ? "Not charged" : "Released", money(released, o->currency).s,
              only ? "This amount will not be charged to your card."
                   : "This amount was only held on your card, never charged, and has been "
                     "released.");
    if (refunded > 0)
        field(&d, "Refunded", money(refunded, o->currency).s,
              "This amount was charged when you ordered and has been refunded.");
    if (released <= 0 && refunded <= 0)
        para(&d, "Nothing was held or charged for these items.");
    int64_t kept = o->payment.captured - o->payment.refunded;
    if (kept > 0)
        field(&d, "Charged", money(kept, o->currency).s, "For the items that shipped.");
    link(&d);
    return doc_close(&d, m);
}

int compose_order_cancelled(const struct order_rec *o, int64_t cancelled,
                            const struct settings *s, struct email *m)
{
    /* What was charged ahead comes back as a refund; the rest was only held. */
    int64_t refunded = o->payment.refunded < cancelled ? o->payment.refunded : cancelled;
    return cancelled_mail(o, NULL, cancelled, refunded < 0 ? 0 : refunded, s, m);
}

int compose_shipment_cancelled(const struct order_rec *o, const struct shipment_rec *sh,
                               int64_t refunded, const struct settings *s, struct email *m)
{
    return cancelled_mail(o, sh, sh->amount, refunded, s, m);
}

/* --- payment_required (SPEC 5.5: a re-authorization was declined) --- */

int compose_payment_required(const struct order_rec *o, const struct shipment_rec *sh,
                             const struct settings *s, struct email *m)
{
    email_head(m, "payment_required", o, s);
    snprintf(m->subject, sizeof m->subject, "Order %lld: your card is needed to ship",
             (long long)o->number);
    char intro[SETTINGS_TEXT_MAX + 160];
    snprintf(intro, sizeof intro,
             "Part of your order %lld from %s is ready to ship, but your card declined the "
             "payment for it. Open your order page and give a new card, and it ships.",
             (long long)o->number, s->store_name);
    struct doc d;
    doc_open(&d, o, s, m->subject, m->subject);
    greeting(&d);
    para(&d, intro);
    section(&d, "Ready to ship");
    ship_items(&d, sh);
    field(&d, "To be charged", money(sh->amount, o->currency).s, NULL);
    link(&d);
    return doc_close(&d, m);
}

/* --- shipment_delayed (SPEC 5.8) --- */

/* "Dec 9, 2026 – Dec 12, 2026", or "no date yet" when undated. */
static void range_words(date_t from, date_t to, char *out, size_t cap)
{
    if (to == DATE_NONE) {
        snprintf(out, cap, "no date yet");
        return;
    }
    char a[32], b[32];
    month_day_year(from == DATE_NONE ? to : from, a, sizeof a);
    month_day_year(to, b, sizeof b);
    snprintf(out, cap, "%s \xE2\x80\x93 %s", a, b);
}

static void action_link(struct doc *d, const struct shipment_rec *sh, const char *action,
                        const char *label)
{
    char url[COMPOSE_URL_MAX + 64];
    compose_order_url(d->o, d->s, url, COMPOSE_URL_MAX);
    size_t n = strlen(url);
    snprintf(url + n, sizeof url - n, "&shipment=%s&action=%s", sh->id, action);
    out(&d->t, "%s: %s\n", label, url);
    out(&d->h,
        "<p style=\"margin:0 0 12px;word-break:break-all\">%s: <a href=\"%s\" "
        "style=\"color:#1d4ed8\">%s</a></p>\n",
        label, url, url);
}

int compose_shipment_delayed(const struct order_rec *o, const struct shipment_rec *sh,
                             const struct settings *s, struct email *m)
{
    const struct shipment_delay *dl = &sh->delay;
    bool ask = dl->st.consent == CONSENT_PENDING;
    email_head(m, "shipment_delayed", o, s);
    snprintf(m->subject, sizeof m->subject,
             ask ? "Order %lld: a shipment is delayed" : "Order %lld: a new date for your shipment",
             (long long)o->number);
    char was[96], now[96], by[32], intro[SETTINGS_TEXT_MAX + 200];
    range_words(dl->previous_from, dl->previous_to, was, sizeof was);
    range_words(dl->expected_from, dl->st.expected_to, now, sizeof now);
    month_day_year(dl->st.respond_by, by, sizeof by);
    if (ask)
        snprintf(intro, sizeof intro,
                 "Part of your order %lld from %s will not arrive when we said. We are sorry. "
                 "You may keep it with the new date or cancel it for a full refund.",
                 (long long)o->number, s->store_name);
    else
        snprintf(intro, sizeof intro,
                 "The part of your order %lld from %s that had no date yet has one now. You "
                 "already agreed to wait; nothing is needed from you.",
                 (long long)o->number, s->store_name);
    struct doc d;
    doc_open(&d, o, s, m->subject, m->subject);
    greeting(&d);
    para(&d, intro);
    section(&d, "What is late");
    ship_items(&d, sh);
    field(&d, "Amount", money(sh->amount, o->currency).s, NULL);
    section(&d, "When it should arrive");
    field(&d, "Before", was, NULL);
    field(&d, "Now", now, NULL);
    if (ask) {
        char note[160];
        section(&d, "Your answer");
        if (dl->st.consent_required)
            snprintf(note, sizeof note,
                     "We need your answer by %s. Without it, this shipment is cancelled and "
                     "you are not charged for it.", by);
        else
            snprintf(note, sizeof note,
                     "No answer is needed: if we do not hear from you by %s, we keep it "
                     "coming with the new date. You may cancel it until it ships.", by);
        para(&d, note);
        action_link(&d, sh, "accept", "Accept the new date");
    }
    action_link(&d, sh, "cancel", "Cancel this shipment for a full refund");
    link(&d);
    return doc_close(&d, m);
}

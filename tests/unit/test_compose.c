/* SPEC 6: the emails (confirmation, shipped, cancelled), money, HTML escaping, and the RFC
 * 5322 rendering used for SMTP and .eml files. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/compose.h"
#include "mail/send.h"

#define DASH "\xE2\x80\x93"  /* EN DASH, as in delivery messages */
#define EMDASH "\xE2\x80\x94" /* EM DASH, in subjects */
#define TIMES "\xC3\x97"     /* MULTIPLICATION SIGN */

#define assert_contains(hay, needle)                                                       \
    do {                                                                                   \
        if (!strstr((hay), (needle)))                                                      \
            fail_msg("missing \"%s\" in:\n%s", (needle), (hay));                           \
    } while (0)
#define assert_lacks(hay, needle)                                                          \
    do {                                                                                   \
        if (strstr((hay), (needle)))                                                       \
            fail_msg("unexpected \"%s\" in:\n%s", (needle), (hay));                        \
    } while (0)

static date_t D(const char *s)
{
    date_t d = DATE_NONE;
    assert_int_equal(date_parse(s, strlen(s), &d), 0);
    return d;
}

/* Asserts a comes before b in s. */
static void assert_order(const char *s, const char *a, const char *b)
{
    const char *pa = strstr(s, a), *pb = strstr(s, b);
    if (!pa || !pb || pa > pb)
        fail_msg("expected \"%s\" before \"%s\" in:\n%s", a, b, s);
}

/* A mixed order: 2 T-shirts on hand (READY), 1 mug on a pre-order (PO1001, Dec 15) and 1
 * poster on a backorder with the merchant's static message. */
struct fixture {
    struct order_rec o;
    struct order_line lines[3];
    struct shipment_rec ships[3];
    struct shipment_item items[3];
    struct settings s;
};

static void line(struct order_line *l, const char *sku, const char *name, int64_t qty,
                 int64_t price)
{
    memset(l, 0, sizeof *l);
    snprintf(l->sku, sizeof l->sku, "%s", sku);
    snprintf(l->name, sizeof l->name, "%s", name);
    l->quantity = qty;
    l->unit_price = price;
    l->amount = qty * price;
}

static void ship(struct shipment_rec *sh, struct shipment_item *it, const char *id,
                 int status, int stock_type, const char *ref, const char *sku, int64_t qty,
                 int64_t amount, const char *message)
{
    memset(sh, 0, sizeof *sh);
    snprintf(sh->id, sizeof sh->id, "%s", id);
    snprintf(sh->order_id, sizeof sh->order_id, "ord_abc");
    sh->status = status;
    sh->stock_type = stock_type;
    snprintf(sh->location_id, sizeof sh->location_id, "WH1");
    snprintf(sh->transit_ref, sizeof sh->transit_ref, "%s", ref);
    sh->stock_date = DATE_NONE;
    sh->amount = amount;
    snprintf(sh->expected.message, sizeof sh->expected.message, "%s", message);
    snprintf(it->sku, sizeof it->sku, "%s", sku);
    it->quantity = qty;
    sh->items = it;
    sh->nitems = 1;
}

static void fixture_init(struct fixture *f, int capture_on)
{
    memset(f, 0, sizeof *f);
    settings_defaults(&f->s);
    f->s.capture_on = capture_on;
    snprintf(f->s.store_name, sizeof f->s.store_name, "Acme Outfitters");
    snprintf(f->s.from_email, sizeof f->s.from_email, "orders@acme.example");
    snprintf(f->s.public_url, sizeof f->s.public_url, "https://acme.example/shop");

    struct order_rec *o = &f->o;
    snprintf(o->id, sizeof o->id, "ord_abc");
    o->number = 1001;
    snprintf(o->access_token, sizeof o->access_token, "0123456789abcdef0123456789abcdef");
    o->status = ORDER_PLACED;
    snprintf(o->email, sizeof o->email, "ann@example.com");
    snprintf(o->currency, sizeof o->currency, "USD");
    snprintf(o->address.name, sizeof o->address.name, "Ann");
    line(&f->lines[0], "TSHIRT1", "Blue T-shirt", 2, 2500);
    line(&f->lines[1], "MUG1", "Enamel mug", 1, 4000);
    line(&f->lines[2], "POSTER1", "Poster", 1, 1500);
    o->lines = f->lines;
    o->nlines = 3;
    o->total = 10500;
    ship(&f->ships[0], &f->items[0], "shp_1", SHIP_READY, STOCK_ONHAND, "", "TSHIRT1", 2, 5000,
         "In stock. Delivery Nov 28" DASH "Dec 2");
    ship(&f->ships[1], &f->items[1], "shp_2", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, "PO1001",
         "MUG1", 1, 4000, "Backorder: expected delivery Dec 17" DASH "Dec 20");
    f->ships[1].stock_date = D("2026-12-15");
    ship(&f->ships[2], &f->items[2], "shp_3", SHIP_AWAITING_STOCK, STOCK_INTRANSIT, "BO1",
         "POSTER1", 1, 1500, "Made to order: ships in 4" DASH "6 weeks");
    o->shipments = f->ships;
    o->nshipments = 3;
    o->payment.authorized = 10500;
    snprintf(o->payment.provider, sizeof o->payment.provider, "test");
}

static void test_money(void **state)
{
    (void)state;
    char b[COMPOSE_MONEY_MAX];
    compose_money(9000, "USD", b, sizeof b);
    assert_string_equal(b, "$90.00");
    compose_money(9000, "EUR", b, sizeof b);
    assert_string_equal(b, "\xE2\x82\xAC" "90.00");
    compose_money(9000, "GBP", b, sizeof b);
    assert_string_equal(b, "\xC2\xA3" "90.00");
    compose_money(9000, "XYZ", b, sizeof b);
    assert_string_equal(b, "90.00 XYZ");
    compose_money(5, "USD", b, sizeof b);
    assert_string_equal(b, "$0.05");
    compose_money(0, "USD", b, sizeof b);
    assert_string_equal(b, "$0.00");
    compose_money(123456789, "USD", b, sizeof b);
    assert_string_equal(b, "$1,234,567.89");
    compose_money(-250, "USD", b, sizeof b);
    assert_string_equal(b, "-$2.50");
    compose_money(9000, "JPY", b, sizeof b);
    assert_string_equal(b, "9,000 JPY");
    compose_money(INT64_MIN, "USD", b, sizeof b);
    assert_string_equal(b, "-$92,233,720,368,547,758.08");
}

/* Checks one part (text or HTML) of the mixed order's confirmation. */
static void check_confirmation_part(const char *p)
{
    assert_contains(p, "Acme Outfitters");
    assert_contains(p, "1001");
    assert_contains(p, "Blue T-shirt");
    assert_contains(p, "TSHIRT1");
    assert_contains(p, "Enamel mug");
    assert_contains(p, "Poster");
    assert_contains(p, "$25.00");
    assert_contains(p, "$105.00");
    assert_order(p, "Shipment 1 of 3 " EMDASH, "Ships now");
    const char *now = strstr(p, "Ships now");
    assert_non_null(now);
    assert_order(now, "Blue T-shirt", "In stock. Delivery Nov 28" DASH "Dec 2");
    assert_order(p, "Shipment 2 of 3 " EMDASH, "Backorder: expected delivery Dec 17" DASH "Dec 20");
    assert_order(p, "Shipment 3 of 3 " EMDASH, "Made to order: ships in 4" DASH "6 weeks");
    assert_order(p, "Ships now", "On backorder");
    /* The one link: absolute, from publicUrl. */
    assert_contains(p, "https://acme.example/shop/orders/ord_abc?token=0123456789abcdef0123456789abcdef");
}

static void test_confirmation_capture_shipment(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    struct email m;
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), &m), 0);
    assert_string_equal(m.kind, "order_confirmation");
    assert_string_equal(m.order_id, "ord_abc");
    assert_string_equal(m.from, "orders@acme.example");
    assert_string_equal(m.to, "ann@example.com");
    assert_string_equal(m.subject, "Order 1001 confirmed " EMDASH " part on backorder");
    assert_int_equal(m.status, EMAIL_PENDING);

    for (int i = 0; i < 2; i++) {
        const char *p = i ? m.html : m.text;
        check_confirmation_part(p);
        assert_contains(p, "Placed");
        assert_contains(p, "Nov 27, 2026");
    }
    /* Text: the exact sentences; each backordered shipment says what it will cost. */
    const char *t = m.text;
    assert_contains(t, "- Blue T-shirt (TSHIRT1): 2 " TIMES " $25.00 = $50.00\n");
    assert_contains(t, "Shipment 1 of 3 " EMDASH " Ships now\n- 2 " TIMES
                       " Blue T-shirt (TSHIRT1)\nIn stock. Delivery Nov 28" DASH "Dec 2\n");
    assert_contains(t, "Shipment 2 of 3 " EMDASH " On backorder\n- 1 " TIMES
                       " Enamel mug (MUG1)\nBackorder: expected delivery Dec 17" DASH
                       "Dec 20\nCharged when it ships: $40.00\n");
    assert_contains(t, "Shipment 3 of 3 " EMDASH " On backorder\n- 1 " TIMES
                       " Poster (POSTER1)\nMade to order: ships in 4" DASH
                       "6 weeks\nCharged when it ships: $15.00\n");
    /* Words true for captureOn=shipment: nothing is charged before it ships. */
    assert_contains(t, "Charged when in-stock items ship: $50.00\n");
    assert_contains(t, "Charged when backordered items ship: $55.00\n");
    assert_contains(t, "Total: $105.00\n");
    assert_lacks(t, "Charged now");
    assert_lacks(t, "Charged at order");
    assert_contains(t, "\nhttps://acme.example/shop/orders/ord_abc?token=0123456789abcdef0123456789abcdef\n");
    /* HTML says the same figures. */
    const char *h = m.html;
    assert_contains(h, "Charged when in-stock items ship: <strong>$50.00</strong>");
    assert_contains(h, "Charged when backordered items ship: <strong>$55.00</strong>");
    assert_contains(h, "<a href=\"https://acme.example/shop/orders/ord_abc?token="
                       "0123456789abcdef0123456789abcdef\"");
    assert_contains(h, "Charged when it ships: <strong>$40.00</strong>");
    assert_contains(h, "Charged when it ships: <strong>$15.00</strong>");
    assert_contains(h, "<!DOCTYPE html>");
    email_free(&m);
}

static void test_confirmation_capture_order(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_ORDER);
    struct email m;
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), &m), 0);
    check_confirmation_part(m.text);
    check_confirmation_part(m.html);
    assert_contains(m.text, "Charged at order: $105.00\n");
    assert_contains(m.text, "Charged at order: $40.00\n");
    assert_lacks(m.text, "Charged when it ships");
    assert_lacks(m.text, "Charged now");
    assert_lacks(m.text, "items ship:");
    assert_contains(m.html, "Charged at order: <strong>$105.00</strong>");
    email_free(&m);
}

static void test_confirmation_subjects(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    struct email m;
    f.o.nshipments = 1; /* only the READY one */
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), &m), 0);
    assert_string_equal(m.subject, "Order 1001 confirmed");
    assert_lacks(m.text, "backordered items ship");
    email_free(&m);
    f.o.shipments = &f.ships[1]; /* only backorders */
    f.o.nshipments = 2;
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), &m), 0);
    assert_string_equal(m.subject, "Order 1001 confirmed " EMDASH " on backorder");
    /* Nothing ships now: no "in-stock" line at $0.00. */
    assert_lacks(m.text, "in-stock items");
    assert_contains(m.text, "Charged when backordered items ship: $55.00\n");
    email_free(&m);
}

static void test_html_escaping(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    snprintf(f.lines[0].name, sizeof f.lines[0].name,
             "<script>alert(\"x\")</script> & 'co'");
    snprintf(f.s.store_name, sizeof f.s.store_name, "Tom & Jerry's <Shop>");
    snprintf(f.ships[2].expected.message, sizeof f.ships[2].expected.message,
             "Ships <soon> & \"fast\"");
    struct email m;
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), &m), 0);
    assert_lacks(m.html, "<script>");
    assert_lacks(m.html, "<Shop>");
    assert_lacks(m.html, "<soon>");
    assert_contains(m.html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
                            "&#39;co&#39;");
    assert_contains(m.html, "Tom &amp; Jerry&#39;s &lt;Shop&gt;");
    assert_contains(m.html, "Ships &lt;soon&gt; &amp; &quot;fast&quot;");
    /* The text part keeps the words as they are. */
    assert_contains(m.text, "<script>alert(\"x\")</script> & 'co' (TSHIRT1)");
    assert_contains(m.text, "Ships <soon> & \"fast\"\n");
    email_free(&m);
}

static void test_shipment_shipped(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    snprintf(f.ships[0].tracking_number, sizeof f.ships[0].tracking_number,
             "1Z999AA10123456784");
    f.ships[0].status = SHIP_SHIPPED;
    struct email m;
    assert_int_equal(compose_shipment_shipped(&f.o, &f.ships[0], 5000, &f.s, &m), 0);
    assert_string_equal(m.kind, "shipment_shipped");
    assert_string_equal(m.subject, "Part of order 1001 shipped");
    for (int i = 0; i < 2; i++) {
        const char *p = i ? m.html : m.text;
        assert_contains(p, "1Z999AA10123456784");
        assert_contains(p, "$50.00");
        assert_contains(p, "Blue T-shirt");
        assert_order(p, "Blue T-shirt", "Still to come");
        assert_order(p, "Still to come", "Backorder: expected delivery Dec 17" DASH "Dec 20");
    }
    assert_contains(m.text, "Shipped\n- 2 " TIMES " Blue T-shirt (TSHIRT1)\n");
    assert_contains(m.text, "Tracking number: 1Z999AA10123456784\n");
    assert_contains(m.text, "Charged for this shipment: $50.00\n");
    email_free(&m);

    /* The last shipment: the whole order has shipped. */
    f.ships[1].status = SHIP_SHIPPED;
    f.ships[2].status = SHIP_CANCELLED;
    assert_int_equal(compose_shipment_shipped(&f.o, &f.ships[0], 5000, &f.s, &m), 0);
    assert_string_equal(m.subject, "Order 1001 shipped");
    assert_lacks(m.text, "Still to come");
    email_free(&m);
}

static void test_shipment_delayed(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    struct shipment_delay *d = &f.ships[1].delay;
    d->st.consent = CONSENT_PENDING;
    d->st.consent_required = true;
    d->previous_from = date_from_ymd(2026, 12, 17);
    d->previous_to = date_from_ymd(2026, 12, 20);
    d->expected_from = date_from_ymd(2027, 2, 3);
    d->st.expected_to = date_from_ymd(2027, 2, 6);
    d->st.respond_by = date_from_ymd(2026, 12, 4);
    struct email m;
    assert_int_equal(compose_shipment_delayed(&f.o, &f.ships[1], &f.s, &m), 0);
    assert_string_equal(m.kind, "shipment_delayed");
    assert_string_equal(m.subject, "Order 1001: a shipment is delayed");
    for (int i = 0; i < 2; i++) {
        const char *p = i ? m.html : m.text;
        assert_order(p, "Dec 17, 2026 " DASH " Dec 20, 2026", "Feb 3, 2027 " DASH " Feb 6, 2027");
        assert_contains(p, "answer by Dec 4, 2026");
        /* In HTML the & of the query is written &amp;. */
        assert_order(p, i ? "ord_abc?token=0123456789abcdef0123456789abcdef&amp;shipment=shp_2"
                          : "https://acme.example/shop/orders/ord_abc?token="
                            "0123456789abcdef0123456789abcdef&shipment=shp_2",
                     "action=accept");
        assert_contains(p, "action=cancel");
    }
    email_free(&m);

    /* Undated and needing no answer any more: "no date yet", no accept link. */
    d->st.consent = CONSENT_ACCEPTED;
    d->st.expected_to = DATE_NONE;
    assert_int_equal(compose_shipment_delayed(&f.o, &f.ships[1], &f.s, &m), 0);
    assert_string_equal(m.subject, "Order 1001: a new date for your shipment");
    assert_contains(m.text, "Now: no date yet\n");
    assert_lacks(m.text, "action=accept");
    assert_contains(m.text, "action=cancel");
    email_free(&m);
}

static void test_order_cancelled(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    f.ships[0].status = SHIP_SHIPPED;
    f.ships[1].status = SHIP_CANCELLED;
    f.ships[2].status = SHIP_CANCELLED;
    f.o.status = ORDER_SHIPPED;
    f.o.payment.captured = 5000;
    f.o.payment.voided = 5500;
    struct email m;
    assert_int_equal(compose_order_cancelled(&f.o, 5500, &f.s, &m), 0);
    assert_string_equal(m.kind, "order_cancelled");
    assert_string_equal(m.subject, "Order 1001: unshipped items cancelled");
    assert_contains(m.text, "Cancelled\n- 1 " TIMES " Enamel mug (MUG1)\n- 1 " TIMES
                            " Poster (POSTER1)\n");
    assert_contains(m.text, "Released: $55.00\n");
    assert_contains(m.html, "Released: <strong>$55.00</strong>");
    assert_contains(m.text, "Charged: $50.00\n");
    assert_lacks(m.text, "Refunded");
    assert_lacks(m.text, "Blue T-shirt");
    email_free(&m);

    /* captureOn=order, nothing shipped: the whole amount was charged and is refunded. */
    fixture_init(&f, CAPTURE_ORDER);
    for (int i = 0; i < 3; i++)
        f.ships[i].status = SHIP_CANCELLED;
    f.o.status = ORDER_CANCELLED;
    f.o.payment.captured = 10500;
    f.o.payment.refunded = 10500;
    assert_int_equal(compose_order_cancelled(&f.o, 10500, &f.s, &m), 0);
    assert_string_equal(m.subject, "Order 1001 cancelled");
    assert_contains(m.text, "Refunded: $105.00\n");
    assert_lacks(m.text, "Released");
    assert_lacks(m.text, "Charged:");
    assert_contains(m.text, "Blue T-shirt");
    email_free(&m);
}

/* --- rendering --- */

static size_t b64_value(char c)
{
    const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = strchr(abc, c);
    assert_non_null(p);
    return (size_t)(p - abc);
}

/* Decodes the RFC 2047 words of the Subject header into out. */
static void decode_subject(const char *msg, char *out, size_t cap)
{
    const char *p = strstr(msg, "\r\nSubject:");
    assert_non_null(p);
    const char *end = strstr(p + 2, "\r\n");
    while (end && end[2] == ' ') /* folded */
        end = strstr(end + 2, "\r\n");
    size_t n = 0;
    for (const char *w = strstr(p, "=?UTF-8?B?"); w && w < end; w = strstr(w, "=?UTF-8?B?")) {
        w += 10;
        const char *q = strstr(w, "?=");
        assert_non_null(q);
        for (; w + 4 <= q; w += 4) {
            size_t v = b64_value(w[0]) << 18 | b64_value(w[1]) << 12;
            out[n++] = (char)(v >> 16);
            if (w[2] != '=') {
                v |= b64_value(w[2]) << 6;
                out[n++] = (char)(v >> 8);
            }
            if (w[3] != '=') {
                v |= b64_value(w[3]);
                out[n++] = (char)v;
            }
            assert_true(n + 3 < cap);
        }
        w = q + 2;
    }
    out[n] = '\0';
}

/* Decodes a quoted-printable body; returns a malloc'd string. */
static char *decode_qp(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    assert_non_null(out);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '=') {
            out[o++] = s[i];
        } else if (i + 2 < n && s[i + 1] == '\r' && s[i + 2] == '\n') {
            i += 2;
        } else {
            assert_true(i + 2 < n);
            char hex[3] = {s[i + 1], s[i + 2], 0};
            out[o++] = (char)strtol(hex, NULL, 16);
            i += 2;
        }
    }
    out[o] = '\0';
    return out;
}

/* The decoded body of the part with this content type. */
static char *part(const char *msg, const char *type)
{
    char head[64];
    snprintf(head, sizeof head, "Content-Type: %s; charset=UTF-8\r\n", type);
    const char *p = strstr(msg, head);
    assert_non_null(p);
    assert_non_null(strstr(p, "Content-Transfer-Encoding: quoted-printable\r\n"));
    p = strstr(p, "\r\n\r\n");
    assert_non_null(p);
    p += 4;
    const char *end = strstr(p, "\r\n--=_sellahead_eml_test1");
    assert_non_null(end);
    return decode_qp(p, (size_t)(end - p));
}

/* s with each "\n" as "\r\n". */
static char *crlf(const char *s)
{
    char *out = malloc(strlen(s) * 2 + 1);
    assert_non_null(out);
    size_t o = 0;
    for (; *s; s++) {
        if (*s == '\n')
            out[o++] = '\r';
        out[o++] = *s;
    }
    out[o] = '\0';
    return out;
}

static void rendered_confirmation(struct email *m, char **msg, size_t *len)
{
    struct fixture f;
    fixture_init(&f, CAPTURE_SHIPMENT);
    snprintf(f.lines[1].name, sizeof f.lines[1].name, "Tasse émaillée = café");
    assert_int_equal(compose_order_confirmation(&f.o, &f.s, D("2026-11-27"), m), 0);
    snprintf(m->id, sizeof m->id, "eml_test1");
    assert_int_equal(send_render(m, msg, len, NULL), 0);
    assert_int_equal(strlen(*msg), *len);
}

static void test_render(void **state)
{
    (void)state;
    struct email m;
    char *msg;
    size_t len;
    rendered_confirmation(&m, &msg, &len);

    assert_true(!strncmp(msg, "Date: ", 6));
    assert_contains(msg, " +0000\r\n");
    assert_contains(msg, "\r\nFrom: orders@acme.example\r\n");
    assert_contains(msg, "\r\nTo: ann@example.com\r\n");
    assert_contains(msg, "\r\nSubject: =?UTF-8?B?");
    assert_contains(msg, "\r\nMessage-ID: <eml_test1@acme.example>\r\n");
    assert_contains(msg, "\r\nMIME-Version: 1.0\r\n");
    assert_contains(msg, "\r\nContent-Type: multipart/alternative; "
                         "boundary=\"=_sellahead_eml_test1\"\r\n\r\n");
    assert_contains(msg, "\r\n--=_sellahead_eml_test1\r\nContent-Type: text/plain; "
                         "charset=UTF-8\r\n");
    assert_contains(msg, "\r\n--=_sellahead_eml_test1\r\nContent-Type: text/html; "
                         "charset=UTF-8\r\n");
    assert_order(msg, "text/plain", "text/html"); /* the preferred part comes last */
    assert_true(len > 30 && !strcmp(msg + len - 30, "\n\r\n--=_sellahead_eml_test1--\r\n"));

    /* CRLF only, lines within 78 columns, 7-bit. */
    size_t col = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)msg[i];
        assert_true(c < 0x80);
        if (c == '\n') {
            assert_true(i > 0 && msg[i - 1] == '\r');
            col = 0;
        } else {
            assert_true(c != '\r' || msg[i + 1] == '\n');
            col++;
            assert_true(col <= 78);
        }
    }

    char subject[256];
    decode_subject(msg, subject, sizeof subject);
    assert_string_equal(subject, "Order 1001 confirmed " EMDASH " part on backorder");

    /* Both parts decode back to what compose wrote. */
    char *text = part(msg, "text/plain"), *want = crlf(m.text);
    assert_string_equal(text, want);
    assert_contains(text, "Tasse émaillée = café");
    free(text);
    free(want);
    char *html = part(msg, "text/html");
    want = crlf(m.html);
    assert_string_equal(html, want);
    free(html);
    free(want);
    free(msg);
    email_free(&m);
}

static void test_render_headers(void **state)
{
    (void)state;
    struct email m;
    memset(&m, 0, sizeof m);
    snprintf(m.id, sizeof m.id, "eml_test1");
    snprintf(m.from, sizeof m.from, "orders@acme.example");
    snprintf(m.to, sizeof m.to, "ann@example.com");
    snprintf(m.subject, sizeof m.subject, "Order 1001 confirmed");
    m.text = strdup("Hello\n.\nBye");
    m.html = strdup("<p>Hello</p>");
    char *msg;
    size_t len;
    assert_int_equal(send_render(&m, &msg, &len, NULL), 0);
    assert_contains(msg, "\r\nSubject: Order 1001 confirmed\r\n");
    assert_contains(msg, "\r\n\r\nHello\r\n=2E\r\nBye\r\n--=_sellahead_eml_test1\r\n");
    free(msg);

    /* A newline in the subject cannot start a new header. */
    snprintf(m.subject, sizeof m.subject, "Hi\r\nBcc: evil@example.com");
    assert_int_equal(send_render(&m, &msg, &len, NULL), 0);
    assert_lacks(msg, "\r\nBcc:");
    assert_contains(msg, "\r\nSubject: Hi  Bcc: evil@example.com\r\n");
    free(msg);

    /* Long plain subjects fold at spaces. */
    snprintf(m.subject, sizeof m.subject, "%s",
             "Order 1001 confirmed and this subject goes on and on well past the "
             "seventy-eight column limit of a header line");
    assert_int_equal(send_render(&m, &msg, &len, NULL), 0);
    assert_contains(msg, "\r\nSubject: Order 1001 confirmed and this subject goes on and on "
                         "well past the\r\n seventy-eight");
    free(msg);

    /* Addresses that would break the headers or the SMTP envelope are refused. */
    snprintf(m.to, sizeof m.to, "ann@example.com\r\nBcc: evil@example.com");
    assert_int_equal(send_render(&m, &msg, &len, NULL), ERR_INVALID);
    assert_null(msg);
    snprintf(m.to, sizeof m.to, "Ann <ann@example.com>");
    err_t e = {0};
    assert_int_equal(send_render(&m, &msg, &len, &e), ERR_INVALID);
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, "to address \"Ann <ann@example.com>\" is not valid");
    snprintf(m.to, sizeof m.to, "ann@example.com");
    snprintf(m.id, sizeof m.id, "../etc");
    assert_int_equal(send_render(&m, &msg, &len, NULL), ERR_INVALID);
    email_free(&m);
}

/* A batch: one file per email, each outcome its own (an id that cannot name a file fails
 * alone), nothing temporary left. */
static void test_send_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_compose_XXXXXX";
    assert_non_null(mkdtemp(dir));
    struct email v[3];
    char *msg;
    size_t len;
    for (int i = 0; i < 3; i++) {
        rendered_confirmation(&v[i], &msg, &len);
        free(msg);
        snprintf(v[i].id, sizeof v[i].id, "eml_batch%d", i);
    }
    snprintf(v[1].id, sizeof v[1].id, "../etc");
    int rcs[3];
    err_t errs[3] = {{0}};
    send_files(dir, v, 3, rcs, errs);
    assert_int_equal(rcs[0], 0);
    assert_int_equal(rcs[1], ERR_INVALID);
    assert_true(errs[1].msg[0] != '\0');
    assert_int_equal(rcs[2], 0);

    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    assert_int_equal(entries, 2);
    char path[160];
    for (int i = 0; i < 3; i += 2) {
        snprintf(path, sizeof path, "%s/eml_batch%d.eml", dir, i);
        assert_int_equal(unlink(path), 0);
    }
    rmdir(dir);
    for (int i = 0; i < 3; i++)
        email_free(&v[i]);
}

static void test_send_file(void **state)
{
    (void)state;
    char root[] = "/tmp/test_compose_XXXXXX";
    assert_non_null(mkdtemp(root));
    char dir[128], path[160];
    snprintf(dir, sizeof dir, "%s/mail/out", root); /* parents are created */
    snprintf(path, sizeof path, "%s/eml_test1.eml", dir);

    struct email m;
    char *msg;
    size_t len;
    rendered_confirmation(&m, &msg, &len);
    err_t err = {0};
    assert_int_equal(send_file(dir, &m, &err), 0);

    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char *got = calloc(1, len + 64);
    assert_non_null(got);
    size_t n = fread(got, 1, len + 63, fp);
    fclose(fp);
    assert_int_equal(n, len);
    /* Same message apart from the Date line, which holds the time of rendering. */
    assert_string_equal(strstr(got, "\r\nFrom:"), strstr(msg, "\r\nFrom:"));

    /* Nothing else is left behind (no temporary file). */
    DIR *d = opendir(dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        entries += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    assert_int_equal(entries, 1);

    /* A file where the directory should be is an I/O error with a reason. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/eml_test1.eml/sub", dir);
    assert_int_equal(send_file(bad, &m, &err), ERR_IO);
    assert_true(err.msg[0] != '\0');

    unlink(path);
    rmdir(dir);
    snprintf(dir, sizeof dir, "%s/mail", root);
    rmdir(dir);
    rmdir(root);
    free(got);
    free(msg);
    email_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_money),
        cmocka_unit_test(test_confirmation_capture_shipment),
        cmocka_unit_test(test_confirmation_capture_order),
        cmocka_unit_test(test_confirmation_subjects),
        cmocka_unit_test(test_html_escaping),
        cmocka_unit_test(test_shipment_shipped),
        cmocka_unit_test(test_shipment_delayed),
        cmocka_unit_test(test_order_cancelled),
        cmocka_unit_test(test_render),
        cmocka_unit_test(test_render_headers),
        cmocka_unit_test(test_send_file),
        cmocka_unit_test(test_send_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/* The SPEC 5.1 document written straight into a buffer: the availability answers are the
 * hottest path of the server, and building it as jansson objects cost more than everything
 * else of a request. Byte for byte what json_dumps(view_item(...), JSON_COMPACT) makes, key
 * order included (tests/unit/test_item_json.c holds the two to it): a field added to
 * view_item or view_position goes here too. */
#include <stdlib.h>
#include <string.h>

#include "view/view.h"

#define LIT(b, s) buf_put((b), (s), sizeof(s) - 1)

/* Bytes in the valid UTF-8 sequence at s (as jansson accepts: no overlong forms, no
 * surrogates, nothing above U+10FFFF), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n = c < 0x80 ? 1 : c < 0xC2 ? 0 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF5 ? 4 : 0;
    if (n < 2)
        return n;
    uint32_t cp = c & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3F);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || (cp >= 0xD800 && cp <= 0xDFFF) ||
        cp > 0x10FFFF)
        return 0;
    return n;
}

/* A JSON string as jansson writes it; ERR_INVALID when s is not UTF-8 (jansson has no
 * string for it either). */
static int put_str(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    LIT(b, "\"");
    const unsigned char *p = (const unsigned char *)s, *run = p;
    while (*p) {
        unsigned char c = *p;
        if (c >= 0x20 && c != '"' && c != '\\') {
            size_t n = c < 0x80 ? 1 : utf8_seq(p);
            if (!n)
                return ERR_INVALID;
            p += n;
            continue;
        }
        buf_put(b, (const char *)run, (size_t)(p - run));
        char esc[6] = {'\\', (char)c};
        size_t len = 2;
        switch (c) {
        case '"':
        case '\\':
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            len = 6;
        }
        buf_put(b, esc, len);
        run = ++p;
    }
    buf_put(b, (const char *)run, (size_t)(p - run));
    LIT(b, "\"");
    return 0;
}

static void put_i64(struct buf *b, int64_t v)
{
    char tmp[24], *p = tmp + sizeof tmp;
    uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

static void put_bool(struct buf *b, bool v)
{
    if (v)
        LIT(b, "true");
    else
        LIT(b, "false");
}

/* As view_date: "YYYY-MM-DD" (date_format's), or null. */
static void put_date(struct buf *b, date_t d)
{
    if (d == DATE_NONE) {
        LIT(b, "null");
        return;
    }
    int y, m, day;
    date_to_ymd(d, &y, &m, &day);
    y = y < 0 ? 0 : y > 9999 ? 9999 : y;
    char s[12] = {'"',
                  (char)('0' + y / 1000),
                  (char)('0' + y / 100 % 10),
                  (char)('0' + y / 10 % 10),
                  (char)('0' + y % 10),
                  '-',
                  (char)('0' + m / 10),
                  (char)('0' + m % 10),
                  '-',
                  (char)('0' + day / 10),
                  (char)('0' + day % 10),
                  '"'};
    buf_put(b, s, sizeof s);
}

/* As view_range. */
static int put_range(struct buf *b, const struct range *r)
{
    LIT(b, "{\"from\":");
    put_date(b, r->from);
    LIT(b, ",\"to\":");
    put_date(b, r->to);
    LIT(b, ",\"message\":");
    int rc = put_str(b, r->message);
    LIT(b, "}");
    return rc;
}

/* As view_position. */
static int put_position(struct buf *b, const struct position *p)
{
    LIT(b, "{\"locationId\":");
    int rc = put_str(b, p->location_id);
    LIT(b, ",\"stockType\":");
    rc = rc ? rc : put_str(b, position_stock_type_name(p->stock_type));
    if (p->stock_type == STOCK_INTRANSIT) {
        LIT(b, ",\"transitRef\":");
        rc = rc ? rc : put_str(b, p->transit_ref);
        LIT(b, ",\"transitOrderDate\":");
        put_date(b, p->order_date);
        LIT(b, ",\"transitStockDate\":");
        put_date(b, p->stock_date);
    }
    if (p->channel_id) {
        LIT(b, ",\"channelId\":");
        put_i64(b, p->channel_id);
    }
    LIT(b, ",\"quantity\":");
    put_i64(b, p->quantity);
    LIT(b, ",\"reservedQuantity\":");
    put_i64(b, p->reserved);
    LIT(b, ",\"allocatedQuantity\":");
    put_i64(b, p->allocated);
    LIT(b, ",\"available\":");
    put_i64(b, position_available(p));
    LIT(b, ",\"oversold\":");
    put_bool(b, position_oversold(p));
    LIT(b, "}");
    return rc;
}

#define LOCAL_ALLOCATIONS 8

int view_promise_write(struct buf *out, const struct position *v, size_t n, int64_t quantity,
                       const struct settings *s, date_t today)
{
    struct allocation local[LOCAL_ALLOCATIONS], *alloc = local;
    if (n > LOCAL_ALLOCATIONS && !(alloc = calloc(n, sizeof *alloc)))
        return ERR_NOMEM;
    bool ok;
    size_t na = promise_allocate(v, n, quantity, alloc, &ok);
    LIT(out, "{\"quantity\":");
    put_i64(out, quantity);
    LIT(out, ",\"fulfillable\":");
    put_bool(out, ok);
    LIT(out, ",\"allocations\":[");
    int rc = 0;
    for (size_t i = 0; !rc && i < na; i++) {
        const struct position *p = &v[alloc[i].pos];
        struct range r;
        promise_range(p, s, today, &r);
        if (i)
            LIT(out, ",");
        LIT(out, "{\"quantity\":");
        put_i64(out, alloc[i].quantity);
        LIT(out, ",\"stockType\":");
        rc = put_str(out, position_stock_type_name(p->stock_type));
        LIT(out, ",\"locationId\":");
        rc = rc ? rc : put_str(out, p->location_id);
        if (p->stock_type == STOCK_INTRANSIT) {
            LIT(out, ",\"transitRef\":");
            rc = rc ? rc : put_str(out, p->transit_ref);
            LIT(out, ",\"stockDate\":");
            put_date(out, p->stock_date);
        }
        LIT(out, ",\"expectedDelivery\":");
        rc = rc ? rc : put_range(out, &r);
        LIT(out, "}");
    }
    LIT(out, "]}");
    if (alloc != local)
        free(alloc);
    return rc ? rc : out->oom ? ERR_NOMEM : 0;
}

int view_item_write(struct buf *out, const struct item *it, int64_t quantity,
                    const struct settings *s, date_t today)
{
    const struct availability *a = &it->avail;
    LIT(out, "{\"sku\":");
    int rc = put_str(out, it->sku);
    LIT(out, ",\"status\":");
    rc = rc ? rc : put_str(out, promise_status_name(a->status));
    LIT(out, ",\"inStock\":");
    put_bool(out, a->in_stock);
    LIT(out, ",\"backorder\":");
    put_bool(out, a->backorder);
    LIT(out, ",\"availableStockQuantity\":");
    put_i64(out, a->available_stock);
    LIT(out, ",\"availableTransitQuantity\":");
    put_i64(out, a->available_transit);
    LIT(out, ",\"availableTotal\":");
    put_i64(out, a->available_total);
    LIT(out, ",\"stockDate\":");
    put_date(out, a->stock_date);
    LIT(out, ",\"addToCart\":");
    put_bool(out, a->add_to_cart);
    if (!it->found)
        LIT(out, ",\"found\":false");
    LIT(out, ",\"lowStock\":");
    put_bool(out, a->low_stock);
    LIT(out, ",\"expectedDelivery\":");
    if (a->has_expected)
        rc = rc ? rc : put_range(out, &a->expected);
    else
        LIT(out, "null");
    LIT(out, ",\"positions\":[");
    for (size_t i = 0; !rc && i < it->positions.n; i++) {
        if (i)
            LIT(out, ",");
        rc = put_position(out, &it->positions.v[i]);
    }
    LIT(out, "]");
    if (!rc && quantity > 0) {
        LIT(out, ",\"promise\":");
        rc = view_promise_write(out, it->positions.v, it->positions.n, quantity, s, today);
    }
    LIT(out, "}");
    return rc ? rc : out->oom ? ERR_NOMEM : 0;
}

/* Import row rules (SPEC section 3). Runs once per row of imports with millions of rows, so
 * the happy path does no allocation and no formatting: messages are built only for errors. */
#include "core/importrow.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

const char *const importrow_columns[COL_COUNT] = {
    [COL_SKU] = "sku",
    [COL_LOCATION_ID] = "locationId",
    [COL_STOCK_TYPE] = "stockType",
    [COL_QUANTITY] = "quantity",
    [COL_RESERVED] = "reservedQuantity",
    [COL_TRANSIT_REF] = "transitRef",
    [COL_ORDER_DATE] = "transitOrderDate",
    [COL_STOCK_DATE] = "transitStockDate",
    [COL_CHANNEL_ID] = "channelId",
    [COL_SAFETY_STOCK] = "safetyStock",
    [COL_PREORDER_LIMIT] = "preorderLimit",
    [COL_BACKORDER_LIMIT] = "backorderLimit",
    [COL_LOW_STOCK] = "lowStock",
};

/* Columns a header may leave out. */
#define COL_OPTIONAL                                                                          \
    ((1u << COL_RESERVED) | (1u << COL_CHANNEL_ID) | (1u << COL_SAFETY_STOCK) |                \
     (1u << COL_PREORDER_LIMIT) | (1u << COL_BACKORDER_LIMIT) | (1u << COL_LOW_STOCK))

#define MSG_CAP 256 /* fits struct import_error.message, where every message ends up */
_Static_assert(sizeof ((struct import_error *)0)->message == MSG_CAP, "message size");

#define ECHO_MAX 40 /* bytes of a bad value quoted inside a message (the value is sent too) */
#define ECHO_CAP (ECHO_MAX * 4 + 4) /* every byte escaped as \xNN, plus "..." and NUL */
#define UTF8_BAD 0xFFFFFFFFu
#define QTY_MAX 2147483647
#define FILE_NAME_MAX 255 /* struct import_job.file_name keeps the name with its NUL */

/* ---- characters ---- */

/* Locale-independent: merchants' files must not validate differently per server locale. */
static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* s[0..len) equals the literal; s may hold NULs and need not be terminated. */
static bool eq_exact(const char *s, size_t len, const char *lit)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (lit[i] == '\0' || s[i] != lit[i])
            return false;
    return lit[len] == '\0';
}

static bool eq_nocase(const char *s, size_t len, const char *lit)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (lit[i] == '\0' || lower((unsigned char)s[i]) != lower((unsigned char)lit[i]))
            return false;
    return lit[len] == '\0';
}

/* Strict decoder (no overlongs, surrogates or values past U+10FFFF). Returns the bytes
 * consumed, at least 1; *cp is UTF8_BAD for a byte that does not start a valid sequence. */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    uint32_t c;

    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        c = b & 0x0Fu;
        if (b == 0xE0)
            lo = 0xA0;
        else if (b == 0xED)
            hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        c = b & 0x07u;
        if (b == 0xF0)
            lo = 0x90;
        else if (b == 0xF4)
            hi = 0x8F;
    } else {
        *cp = UTF8_BAD;
        return 1;
    }
    if (n <= need || s[1] < lo || s[1] > hi) {
        *cp = UTF8_BAD;
        return 1;
    }
    for (i = 1; i <= need; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = UTF8_BAD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    *cp = c;
    return need + 1;
}

/* Truncation by snprintf may split a multibyte character; JSON encoders reject the result. */
static void utf8_trim_tail(char *s, size_t len)
{
    size_t i = len, back = 0;
    unsigned char b;

    while (i > 0 && back < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return;
    b = (unsigned char)s[i - 1];
    if (b < 0x80)
        return;
    if ((b >= 0xC0 && b < 0xE0 && back < 1) || (b >= 0xE0 && b < 0xF0 && back < 2) ||
        (b >= 0xF0 && back < 3))
        s[i - 1] = '\0';
}

/* Characters a merchant cannot see when printed; they get a name instead. */
static const char *invisible_name(uint32_t cp)
{
    switch (cp) {
    case 0x00A0: return "no-break space";
    case 0x00AD: return "soft hyphen";
    case 0x200B: return "zero-width space";
    case 0x200C: return "zero-width non-joiner";
    case 0x200D: return "zero-width joiner";
    case 0x200E: return "left-to-right mark";
    case 0x200F: return "right-to-left mark";
    case 0x2028: return "line separator";
    case 0x2029: return "paragraph separator";
    case 0x202F: return "narrow no-break space";
    case 0x2060: return "word joiner";
    case 0x3000: return "ideographic space";
    case 0xFEFF: return "byte order mark";
    default: return cp >= 0x2000 && cp <= 0x200A ? "space" : NULL;
    }
}

/* "' ' (0x20)", "'é' (U+00E9)", "0x0A (line break)": what the bad character is, printed so
 * that it can be seen even when it is invisible or would break the message. */
static void describe_char(char *out, size_t cap, uint32_t cp, const unsigned char *raw,
                          size_t rawlen)
{
    const char *name;

    if (cp == UTF8_BAD)
        snprintf(out, cap, "0x%02X (not valid UTF-8)", raw[0]);
    else if (cp == '\t')
        snprintf(out, cap, "0x09 (tab)");
    else if (cp == '\n')
        snprintf(out, cap, "0x0A (line break)");
    else if (cp == '\r')
        snprintf(out, cap, "0x0D (carriage return)");
    else if (cp < 0x20 || cp == 0x7F)
        snprintf(out, cap, "0x%02X", (unsigned)cp);
    else if (cp < 0x80)
        snprintf(out, cap, "'%c' (0x%02X)", (char)cp, (unsigned)cp);
    else if (cp <= 0x9F) /* C1 controls */
        snprintf(out, cap, "U+%04X", (unsigned)cp);
    else if ((name = invisible_name(cp)) != NULL)
        snprintf(out, cap, "U+%04X (%s)", (unsigned)cp, name);
    else
        snprintf(out, cap, "'%.*s' (U+%04X)", (int)rawlen, (const char *)raw, (unsigned)cp);
}

/* A value quoted inside a message: at most ECHO_MAX bytes, cut on a character boundary,
 * control characters and invalid bytes escaped so the message stays one valid UTF-8 line. */
static const char *echo(char out[ECHO_CAP], const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, o = 0, k;
    uint32_t cp;

    while (i < len) {
        k = utf8_decode(p + i, len - i, &cp);
        if (i + k > ECHO_MAX)
            break;
        if (cp == UTF8_BAD || cp < 0x20 || cp == 0x7F) {
            o += (size_t)snprintf(out + o, ECHO_CAP - o, "\\x%02X", p[i]);
        } else {
            memcpy(out + o, p + i, k);
            o += k;
        }
        i += k;
    }
    if (i < len) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* ---- error reporting ---- */

struct reporter {
    importrow_error_fn fn;
    void *ctx;
    int n;
};

static void report(struct reporter *r, int col, const struct importrow_value *v,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Formats only when someone listens: callers that just count errors pay nothing. */
static void report(struct reporter *r, int col, const struct importrow_value *v,
                   const char *fmt, ...)
{
    char msg[MSG_CAP];
    va_list ap;
    int len;

    r->n++;
    if (!r->fn)
        return;
    va_start(ap, fmt);
    len = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (len >= (int)sizeof msg)
        utf8_trim_tail(msg, sizeof msg - 1);
    if (v && v->len)
        r->fn(r->ctx, col, v->s, v->len, msg);
    else
        r->fn(r->ctx, col, NULL, 0, msg);
}

/* ---- columns and header ---- */

int importrow_column(const char *name, size_t len, bool allow_aliases)
{
    int c;

    for (c = 0; c < COL_COUNT; c++)
        if (eq_exact(name, len, importrow_columns[c]))
            return c;
    if (allow_aliases) {
        if (eq_exact(name, len, "type"))
            return COL_STOCK_TYPE;
        if (eq_exact(name, len, "totalQuantity"))
            return COL_QUANTITY;
    }
    return -1;
}

static void column_list(char *out, size_t cap)
{
    size_t o = 0;
    int c;

    out[0] = '\0';
    for (c = 0; c < COL_COUNT && o < cap; c++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s", c ? ", " : "", importrow_columns[c]);
}

/* Guesses the column a near miss meant: stray spaces or the wrong case. */
static int near_column(const char *s, size_t len, bool *trimmed)
{
    size_t a = 0, b = len;
    int c;

    while (a < b && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t'))
        b--;
    *trimmed = a > 0 || b < len;
    for (c = 0; c < COL_COUNT; c++)
        if (eq_nocase(s + a, b - a, importrow_columns[c]))
            return c;
    return -1;
}

static void report_unknown(struct reporter *r, size_t i, const struct importrow_value *name)
{
    char list[224], e[ECHO_CAP];
    bool trimmed;
    int c;

    if (name->len == 0) {
        column_list(list, sizeof list);
        report(r, -1, name, "column %zu of the header has no name: the columns are %s", i + 1,
               list);
        return;
    }
    echo(e, name->s, name->len);
    /* The bulk API's aliases are a common mistake in files exported from the same ERP. */
    if ((c = importrow_column(name->s, name->len, true)) >= 0) {
        report(r, -1, name, "unknown column \"%s\": in a CSV file the column is \"%s\"", e,
               importrow_columns[c]);
    } else if ((c = near_column(name->s, name->len, &trimmed)) >= 0) {
        report(r, -1, name, "unknown column \"%s\": %s, did you mean \"%s\"?", e,
               trimmed ? "column names must not have spaces around them"
                       : "column names are case-sensitive",
               importrow_columns[c]);
    } else {
        column_list(list, sizeof list);
        report(r, -1, name, "unknown column \"%s\": the columns are %s", e, list);
    }
}

int importrow_header(const struct importrow_value *names, size_t n, int *map,
                     importrow_error_fn on_error, void *ctx)
{
    struct reporter r = {on_error, ctx, 0};
    size_t seen[COL_COUNT] = {0};
    size_t i;
    int c;

    /* Spreadsheets in many locales save "CSV" with semicolons between values: one error
     * that says so, not one per column the header then seems to lack. */
    for (i = 0; i < n; i++)
        if (memchr(names[i].s, ';', names[i].len)) {
            report(&r, -1, &names[i], "the header has ';' between column names: values must "
                                      "be separated by commas (save the file as "
                                      "comma-separated CSV)");
            for (i = 0; i < n; i++)
                map[i] = -1;
            return r.n;
        }

    for (i = 0; i < n; i++) {
        c = importrow_column(names[i].s, names[i].len, false);
        if (c < 0) {
            map[i] = -1;
            report_unknown(&r, i, &names[i]);
            continue;
        }
        map[i] = seen[c]++ ? -1 : c; /* the first occurrence wins; the file fails anyway */
    }
    for (c = 0; c < COL_COUNT; c++) {
        struct importrow_value v = {importrow_columns[c], strlen(importrow_columns[c])};

        if (seen[c] == 2)
            report(&r, -1, &v, "column \"%s\" appears twice", v.s);
        else if (seen[c] > 2)
            report(&r, -1, &v, "column \"%s\" appears %zu times", v.s, seen[c]);
        else if (seen[c] == 0 && !(COL_OPTIONAL & (1u << c)))
            report(&r, -1, NULL, "required column \"%s\" is missing", v.s);
    }
    return r.n;
}

/* ---- field rules ---- */

/* [A-Za-z0-9]{1,ID_MAX} for a non-empty value; copies it into dst when it passes. Reports
 * the first bad character only: one error per value keeps the error list readable. */
static void check_id(struct reporter *r, int col, const struct importrow_value *v,
                     char dst[ID_MAX + 1])
{
    const unsigned char *p = (const unsigned char *)v->s;
    size_t i = 0, pos = 1, k;
    char what[64];
    uint32_t cp;

    for (; i < v->len; pos++) {
        if (is_alnum(p[i])) {
            i++;
            continue;
        }
        k = utf8_decode(p + i, v->len - i, &cp);
        describe_char(what, sizeof what, cp, p + i, k);
        report(r, col, v, "character %s at position %zu is not allowed: only letters and digits",
               what, pos);
        return;
    }
    /* All ASCII from here, so bytes are characters. */
    if (v->len > ID_MAX) {
        report(r, col, v, "%s is %zu characters long: at most %d allowed",
               importrow_columns[col], v->len, ID_MAX);
        return;
    }
    memcpy(dst, v->s, v->len);
    dst[v->len] = '\0';
}

static void required_id(struct reporter *r, int col, const struct importrow_value *v,
                        char dst[ID_MAX + 1])
{
    if (v->len == 0)
        report(r, col, v, "%s is required", importrow_columns[col]);
    else
        check_id(r, col, v, dst);
}

/* STOCK_ONHAND, STOCK_INTRANSIT, or -1 when missing or unknown. */
static int parse_stock_type(struct reporter *r, const struct importrow_value *v)
{
    char e[ECHO_CAP];

    if (v->len == 0) {
        report(r, COL_STOCK_TYPE, v, "stockType is required");
        return -1;
    }
    if (eq_nocase(v->s, v->len, "onhand") || eq_nocase(v->s, v->len, "stock"))
        return STOCK_ONHAND;
    if (eq_nocase(v->s, v->len, "intransit") || eq_nocase(v->s, v->len, "transit"))
        return STOCK_INTRANSIT;
    report(r, COL_STOCK_TYPE, v, "stockType \"%s\" must be onhand or intransit (or Stock/Transit)",
           echo(e, v->s, v->len));
    return -1;
}

/* Decimal digits only, 0..QTY_MAX; leading zeros allowed. Empty gives 0 (callers decide
 * whether empty is allowed). */
static void parse_count(struct reporter *r, int col, const struct importrow_value *v,
                        int64_t *out)
{
    const unsigned char *p = (const unsigned char *)v->s;
    size_t i, k, sig = 0;
    int64_t n = 0;
    char what[64], e[ECHO_CAP];
    uint32_t cp;

    *out = 0;
    for (i = 0; i < v->len && p[i] >= '0' && p[i] <= '9'; i++) {
        if (sig == 0 && p[i] == '0')
            continue; /* leading zero */
        if (++sig <= 10) /* 11 significant digits exceed any int32 */
            n = n * 10 + (p[i] - '0');
    }
    if (i < v->len) {
        k = utf8_decode(p + i, v->len - i, &cp);
        describe_char(what, sizeof what, cp, p + i, k);
        /* Only ASCII digits precede it, so its byte offset is its character position. */
        report(r, col, v,
               "%s must be a whole number of 0 or more: character %s at position %zu is not "
               "allowed",
               importrow_columns[col], what, i + 1);
        return;
    }
    if (sig > 10 || n > QTY_MAX) {
        report(r, col, v, "%s %s is larger than %d", importrow_columns[col],
               echo(e, v->s, v->len), QTY_MAX);
        return;
    }
    *out = n;
}

static bool date_shape(const char *s, size_t len)
{
    static const char pat[] = "dddd-dd-dd";
    size_t i;

    if (len != sizeof pat - 1)
        return false;
    for (i = 0; i < len; i++)
        if (pat[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != pat[i])
            return false;
    return true;
}

/* A non-empty date value; DATE_NONE when it does not parse (reported). */
static date_t parse_date(struct reporter *r, int col, const struct importrow_value *v)
{
    char e[ECHO_CAP];
    date_t d;

    if (date_parse(v->s, v->len, &d) == 0)
        return d;
    if (date_shape(v->s, v->len))
        report(r, col, v, "%s %.*s is not a real date (use YYYY-MM-DD)", importrow_columns[col],
               (int)v->len, v->s);
    else
        report(r, col, v, "%s \"%s\" is not a date: use YYYY-MM-DD", importrow_columns[col],
               echo(e, v->s, v->len));
    return DATE_NONE;
}

int importrow_parse(const struct importrow_value vals[COL_COUNT], struct position *out,
                    importrow_error_fn on_error, void *ctx)
{
    struct reporter r = {on_error, ctx, 0};
    const struct importrow_value *ref = &vals[COL_TRANSIT_REF];
    const struct importrow_value *od = &vals[COL_ORDER_DATE], *sd = &vals[COL_STOCK_DATE];
    int type, c;

    out->id = 0;
    out->sku[0] = out->location_id[0] = out->transit_ref[0] = '\0';
    out->order_date = out->stock_date = DATE_NONE;
    out->allocated = 0;

    /* Errors come out in column order, and every column is checked. */
    required_id(&r, COL_SKU, &vals[COL_SKU], out->sku);
    required_id(&r, COL_LOCATION_ID, &vals[COL_LOCATION_ID], out->location_id);
    type = parse_stock_type(&r, &vals[COL_STOCK_TYPE]);
    out->stock_type = type == STOCK_INTRANSIT ? STOCK_INTRANSIT : STOCK_ONHAND;
    if (vals[COL_QUANTITY].len == 0) {
        out->quantity = 0;
        report(&r, COL_QUANTITY, &vals[COL_QUANTITY], "quantity is required");
    } else {
        parse_count(&r, COL_QUANTITY, &vals[COL_QUANTITY], &out->quantity);
    }
    parse_count(&r, COL_RESERVED, &vals[COL_RESERVED], &out->reserved);
    /* SPEC 9: a positive whole number, or empty for a position that serves every channel. */
    const struct importrow_value *ch = &vals[COL_CHANNEL_ID];
    int errors = r.n;
    parse_count(&r, COL_CHANNEL_ID, ch, &out->channel_id);
    if (ch->len && r.n == errors && out->channel_id == 0)
        report(&r, COL_CHANNEL_ID, ch,
               "channelId must be 1 or more: leave it empty for a position without a channel");

    if (type == STOCK_ONHAND) {
        for (c = COL_TRANSIT_REF; c <= COL_STOCK_DATE; c++)
            if (vals[c].len)
                report(&r, c, &vals[c], "%s must be empty for onhand stock",
                       importrow_columns[c]);
        return r.n;
    }

    /* intransit, or an unknown type: still check what was given so that one upload shows
     * every problem; presence is only required once the type is known. */
    if (ref->len)
        check_id(&r, COL_TRANSIT_REF, ref, out->transit_ref);
    else if (type == STOCK_INTRANSIT)
        report(&r, COL_TRANSIT_REF, ref, "transitRef is required for intransit stock");
    if (od->len)
        out->order_date = parse_date(&r, COL_ORDER_DATE, od);
    else if (type == STOCK_INTRANSIT)
        report(&r, COL_ORDER_DATE, od, "transitOrderDate is required for intransit stock");
    if (sd->len)
        out->stock_date = parse_date(&r, COL_STOCK_DATE, sd);
    if (out->order_date != DATE_NONE && out->stock_date != DATE_NONE &&
        out->stock_date < out->order_date)
        report(&r, COL_STOCK_DATE, sd, "transitStockDate %.*s is before transitOrderDate %.*s",
               (int)sd->len, sd->s, (int)od->len, od->s);
    return r.n;
}

const char importrow_null[] = "";

int importrow_limits(const struct importrow_value vals[COL_COUNT], unsigned *set,
                     struct limits *out, importrow_error_fn on_error, void *ctx)
{
    struct reporter r = {on_error, ctx, 0};
    bool *has[4] = {&out->has_safety_stock, &out->has_preorder_limit,
                    &out->has_backorder_limit, &out->has_low_stock};
    int64_t *v[4] = {&out->safety_stock, &out->preorder_limit, &out->backorder_limit,
                     &out->low_stock};

    memset(out, 0, sizeof *out);
    *set = 0;
    for (int k = 0; k < 4; k++) {
        const struct importrow_value *val = &vals[COL_SAFETY_STOCK + k];
        int before = r.n;

        if (val->len == 0 && val->s != importrow_null)
            continue;
        if (val->len)
            parse_count(&r, COL_SAFETY_STOCK + k, val, v[k]);
        if (r.n == before) {
            *set |= 1u << k;
            *has[k] = val->len > 0;
        }
    }
    return r.n;
}

/* ---- file name ---- */

/* Whitespace a file name must not contain, Unicode ones included: they are invisible in
 * most file pickers, which is why the rule exists. */
static const char *space_name(uint32_t cp)
{
    switch (cp) {
    case '\t': return "a tab";
    case '\n': case '\r': case 0x85: case 0x2028: case 0x2029: return "a line break";
    case ' ': case '\v': case '\f': case 0x00A0: case 0x1680: case 0x202F: case 0x205F:
    case 0x3000: return "a space";
    default: return cp >= 0x2000 && cp <= 0x200A ? "a space" : NULL;
    }
}

int importrow_file_name(const char *name, err_t *e)
{
    const unsigned char *p = (const unsigned char *)name;
    char echoed[ECHO_CAP], what_buf[64], msg[sizeof e->msg];
    const char *what;
    size_t len, i, k;
    uint32_t cp;
    int n;

    len = name ? strlen(name) : 0;
    if (len == 0) {
        return err_set(e, ERR_INVALID, "the file name is empty: name the file like inventory.csv");
    }
    echo(echoed, name, len);
    if (len > FILE_NAME_MAX) {
        return err_set(e, ERR_INVALID, "file name \"%s\" is %zu bytes long: at most %d allowed",
                       echoed, len, FILE_NAME_MAX);
    }
    for (i = 0; i < len; i += k) {
        k = utf8_decode(p + i, len - i, &cp);
        if (cp == UTF8_BAD) {
            n = snprintf(msg, sizeof msg, "file name \"%s\" is not valid UTF-8: rename the file", echoed);
            goto fail;
        }
        if ((what = space_name(cp)) != NULL) {
            n = snprintf(msg, sizeof msg, "file name \"%s\" contains %s: rename the file without spaces",
                         echoed, what);
            goto fail;
        }
        if (cp == '/' || cp == '\\') {
            n = snprintf(msg, sizeof msg,
                         "file name \"%s\" contains '%c': give the file's name only, without "
                         "folders",
                         echoed, (char)cp);
            goto fail;
        }
        if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) {
            describe_char(what_buf, sizeof what_buf, cp, p + i, k);
            n = snprintf(msg, sizeof msg, "file name \"%s\" contains character %s: rename the file",
                         echoed, what_buf);
            goto fail;
        }
    }
    if (len < 4 || !eq_nocase(name + len - 4, 4, ".csv")) {
        n = snprintf(msg, sizeof msg, "file name \"%s\" must end in .csv: save the file as CSV", echoed);
        goto fail;
    }
    if (len == 4) {
        n = snprintf(msg, sizeof msg, "file name \"%s\" has no name before .csv: name the file like "
                     "inventory.csv", echoed);
        goto fail;
    }
    return 0;
fail:
    /* A quoted name is at most ECHO_CAP bytes: every message fits. */
    assert(n > 0 && (size_t)n < sizeof msg);
    return err_set(e, ERR_INVALID, "%s", msg);
}

/* ---- job ---- */

void import_job_free(struct import_job *job)
{
    if (!job)
        return;
    free(job->errors);
    job->errors = NULL;
    job->nerrors = 0;
    free(job->warnings);
    job->warnings = NULL;
    job->nwarnings = 0;
}

static void keep_message(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    (void)col;
    (void)value;
    (void)vlen;
    err_set(ctx, ERR_INVALID, "%s", msg);
}

int importrow_id(int col, const char *s, size_t len, err_t *e)
{
    struct reporter r = {keep_message, e, 0};
    struct importrow_value v = {s, len};
    char dst[ID_MAX + 1];
    required_id(&r, col, &v, dst);
    return r.n ? ERR_INVALID : 0;
}

const char importrow_template[] =
    "sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,"
    "transitStockDate\n"
    "TSHIRT1,WH1,onhand,25,0,,,\n"
    "TSHIRT1,WH1,intransit,100,0,PO1001,2026-11-20,2026-12-15\n"
    "HOODIE2,WH1,intransit,50,0,ADV2,2026-11-20,\n";

/* ---- products (SPEC 5.3) ---- */

const char *const productrow_columns[PCOL_COUNT] = {
    [PCOL_SKU] = "sku",
    [PCOL_NAME] = "name",
    [PCOL_PRICE] = "price",
    [PCOL_CURRENCY] = "currency",
    [PCOL_DESCRIPTION] = "description",
    [PCOL_IMAGE_URL] = "imageUrl",
    [PCOL_ITEM_ID] = "itemId",
};

#define PCOL_OPTIONAL                                                                          \
    ((1u << PCOL_CURRENCY) | (1u << PCOL_DESCRIPTION) | (1u << PCOL_IMAGE_URL) |              \
     (1u << PCOL_ITEM_ID))

const char *import_column_name(int source, int col)
{
    if (source == IMPORT_PRODUCTS)
        return col >= 0 && col < PCOL_COUNT ? productrow_columns[col] : NULL;
    if (col == COL_ITEM_ID)
        return "itemId";
    return col >= 0 && col < COL_COUNT ? importrow_columns[col] : NULL;
}

void import_warning_set(struct import_warning *w, const char *sku)
{
    snprintf(w->sku, sizeof w->sku, "%s", sku);
    snprintf(w->message, sizeof w->message,
             "%s has no product, so it is not for sale: add it with a products import", sku);
}

int productrow_column(const char *name, size_t len)
{
    int c;

    for (c = 0; c < PCOL_COUNT; c++)
        if (eq_exact(name, len, productrow_columns[c]))
            return c;
    return -1;
}

int productrow_header(const struct importrow_value *names, size_t n, int *map,
                      importrow_error_fn on_error, void *ctx)
{
    static const char list[] = "sku, name, price, currency, description, imageUrl, itemId";
    struct reporter r = {on_error, ctx, 0};
    size_t seen[PCOL_COUNT] = {0};
    char e[ECHO_CAP];
    size_t i;
    int c;

    for (i = 0; i < n; i++) {
        const struct importrow_value *v = &names[i];

        c = productrow_column(v->s, v->len);
        map[i] = c < 0 || seen[c]++ ? -1 : c;
        if (c >= 0)
            continue;
        if (v->len == 0) {
            report(&r, -1, v, "column %zu of the header has no name: the columns are %s",
                   i + 1, list);
            continue;
        }
        echo(e, v->s, v->len);
        for (c = 0; c < PCOL_COUNT && !eq_nocase(v->s, v->len, productrow_columns[c]); c++)
            ;
        if (c < PCOL_COUNT)
            report(&r, -1, v, "unknown column \"%s\": column names are case-sensitive, did you "
                   "mean \"%s\"?", e, productrow_columns[c]);
        else if (importrow_column(v->s, v->len, true) >= 0)
            report(&r, -1, v, "unknown column \"%s\": this is an inventory file, import it "
                   "with sellahead import (the products columns are %s)", e, list);
        else
            report(&r, -1, v, "unknown column \"%s\": the columns are %s", e, list);
    }
    for (c = 0; c < PCOL_COUNT; c++) {
        struct importrow_value v = {productrow_columns[c], strlen(productrow_columns[c])};

        if (seen[c] > 1)
            report(&r, -1, &v, "column \"%s\" appears %zu times", v.s, seen[c]);
        else if (seen[c] == 0 && !(PCOL_OPTIONAL & (1u << c)))
            report(&r, -1, NULL, "required column \"%s\" is missing", v.s);
    }
    return r.n;
}

/* Text of at most max bytes, valid UTF-8, without control characters (but line breaks and
 * tabs when multiline). Copies it into dst when it passes. */
static void check_text(struct reporter *r, int col, const struct importrow_value *v,
                       size_t max, bool multiline, char *dst)
{
    const unsigned char *p = (const unsigned char *)v->s;
    const char *name = productrow_columns[col];
    size_t i, k, pos = 1;
    char what[64];
    uint32_t cp;

    for (i = 0; i < v->len; i += k, pos++) {
        k = utf8_decode(p + i, v->len - i, &cp);
        if (cp == UTF8_BAD || ((cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F)) &&
                               !(multiline && (cp == '\n' || cp == '\r' || cp == '\t')))) {
            describe_char(what, sizeof what, cp, p + i, k);
            report(r, col, v, "%s: character %s at position %zu is not allowed%s", name, what,
                   pos, multiline ? "" : ": a name is one line of text");
            return;
        }
    }
    if (v->len > max) {
        report(r, col, v, "%s is %zu bytes long: at most %zu allowed", name, v->len, max);
        return;
    }
    if (v->len) /* an absent optional value has no bytes (s may be NULL) */
        memcpy(dst, v->s, v->len);
    dst[v->len] = '\0';
}

static void check_price(struct reporter *r, const struct importrow_value *v, int64_t *out)
{
    const unsigned char *p = (const unsigned char *)v->s;
    size_t i, k, sig = 0;
    int64_t n = 0;
    char what[64], e[ECHO_CAP];
    uint32_t cp;

    *out = 0;
    if (v->len == 0) {
        report(r, PCOL_PRICE, v, "price is required");
        return;
    }
    for (i = 0; i < v->len && p[i] >= '0' && p[i] <= '9'; i++) {
        if (sig == 0 && p[i] == '0')
            continue;
        if (++sig <= 13) /* 14 significant digits exceed 10^12 */
            n = n * 10 + (p[i] - '0');
    }
    if (i < v->len) {
        k = utf8_decode(p + i, v->len - i, &cp);
        describe_char(what, sizeof what, cp, p + i, k);
        report(r, PCOL_PRICE, v,
               "price must be a whole number of minor units (1999 for 19.99): character %s at "
               "position %zu is not allowed",
               what, i + 1);
        return;
    }
    if (sig > 13 || n > PRODUCT_PRICE_MAX) {
        report(r, PCOL_PRICE, v, "price %s is larger than %lld", echo(e, v->s, v->len),
               (long long)PRODUCT_PRICE_MAX);
        return;
    }
    *out = n;
}

static void check_currency(struct reporter *r, const struct importrow_value *v, char dst[4])
{
    char e[ECHO_CAP];
    size_t i;

    memcpy(dst, "USD", 4);
    if (v->len == 0)
        return;
    for (i = 0; i < v->len && v->s[i] >= 'A' && v->s[i] <= 'Z'; i++)
        ;
    if (i != 3 || v->len != 3) {
        report(r, PCOL_CURRENCY, v,
               "currency \"%s\" must be an ISO 4217 code of three capital letters, such as USD",
               echo(e, v->s, v->len));
        return;
    }
    memcpy(dst, v->s, 3);
}

/* https://host[/...]: browsers block http:// pictures on an https shop, and other schemes
 * are no picture at all. Only visible ASCII: anything else must be percent-encoded. */
static void check_image_url(struct reporter *r, const struct importrow_value *v,
                            char dst[PRODUCT_URL_MAX + 1])
{
    static const char scheme[] = "https://";
    const unsigned char *p = (const unsigned char *)v->s;
    size_t n = sizeof scheme - 1, i, k;
    char what[64], e[ECHO_CAP];
    uint32_t cp;

    dst[0] = '\0';
    if (v->len == 0)
        return;
    echo(e, v->s, v->len);
    if (v->len < n || !eq_nocase(v->s, n, scheme)) {
        if (v->len >= 7 && eq_nocase(v->s, 7, "http://"))
            report(r, PCOL_IMAGE_URL, v,
                   "imageUrl \"%s\" must use https://, not http://: browsers block http:// "
                   "images on a shop served over https",
                   e);
        else
            report(r, PCOL_IMAGE_URL, v,
                   "imageUrl \"%s\" must be an https:// URL, such as "
                   "https://cdn.example.com/tshirt.jpg",
                   e);
        return;
    }
    for (i = 0; i < v->len; i += k) {
        k = utf8_decode(p + i, v->len - i, &cp);
        if (cp <= 0x20 || cp >= 0x7F || cp == '"' || cp == '<' || cp == '>' || cp == '\\') {
            describe_char(what, sizeof what, cp, p + i, k);
            report(r, PCOL_IMAGE_URL, v,
                   "imageUrl: character %s at byte %zu is not allowed in a URL: percent-encode "
                   "it",
                   what, i + 1);
            return;
        }
    }
    if (n == v->len || v->s[n] == '/' || v->s[n] == '?' || v->s[n] == '#') {
        report(r, PCOL_IMAGE_URL, v, "imageUrl \"%s\" has no host name after https://", e);
        return;
    }
    if (v->len > PRODUCT_URL_MAX) {
        report(r, PCOL_IMAGE_URL, v, "imageUrl is %zu bytes long: at most %d allowed", v->len,
               PRODUCT_URL_MAX);
        return;
    }
    memcpy(dst, v->s, v->len);
    dst[v->len] = '\0';
}

/* fabric's itemId (SPEC 9): empty for none, else a whole number from 1. */
static void check_item_id(struct reporter *r, const struct importrow_value *v, int64_t *out)
{
    const unsigned char *p = (const unsigned char *)v->s;
    size_t i, k;
    char what[64], e[ECHO_CAP];
    uint32_t cp;
    int64_t n = 0;

    *out = 0;
    for (i = 0; i < v->len && p[i] >= '0' && p[i] <= '9'; i++) {
        if (n <= PRODUCT_ITEM_ID_MAX)
            n = n * 10 + (p[i] - '0');
    }
    if (i < v->len) {
        k = utf8_decode(p + i, v->len - i, &cp);
        describe_char(what, sizeof what, cp, p + i, k);
        report(r, PCOL_ITEM_ID, v,
               "itemId must be a whole number from 1: character %s at position %zu is not "
               "allowed",
               what, i + 1);
    } else if (v->len && (n < 1 || n > PRODUCT_ITEM_ID_MAX)) {
        report(r, PCOL_ITEM_ID, v, "itemId %s must be from 1 to %lld", echo(e, v->s, v->len),
               (long long)PRODUCT_ITEM_ID_MAX);
    } else {
        *out = n;
    }
}

int productrow_parse(const struct importrow_value vals[PCOL_COUNT], struct product *out,
                     importrow_error_fn on_error, void *ctx)
{
    struct reporter r = {on_error, ctx, 0};
    const struct importrow_value *name = &vals[PCOL_NAME];
    size_t i;

    _Static_assert((int)PCOL_SKU == (int)COL_SKU, "check_id names the column by enum import_col");
    memset(out, 0, sizeof *out);
    required_id(&r, COL_SKU, &vals[PCOL_SKU], out->sku);
    for (i = 0; i < name->len && name->s[i] == ' '; i++)
        ;
    if (i == name->len)
        report(&r, PCOL_NAME, name, "name is required");
    else
        check_text(&r, PCOL_NAME, name, PRODUCT_NAME_MAX, false, out->name);
    check_price(&r, &vals[PCOL_PRICE], &out->price);
    check_currency(&r, &vals[PCOL_CURRENCY], out->currency);
    check_text(&r, PCOL_DESCRIPTION, &vals[PCOL_DESCRIPTION], PRODUCT_TEXT_MAX, true,
               out->description);
    check_image_url(&r, &vals[PCOL_IMAGE_URL], out->image_url);
    check_item_id(&r, &vals[PCOL_ITEM_ID], &out->item_id);
    return r.n;
}

const char productrow_template[] =
    "sku,name,price,currency,description,imageUrl\n"
    "TSHIRT1,Organic cotton T-shirt,2500,USD,Soft and heavy. Ships from our warehouse.,"
    "https://cdn.example.com/tshirt1.jpg\n"
    "HOODIE2,Zip hoodie,5900,USD,\"Brushed fleece, two pockets.\",\n";

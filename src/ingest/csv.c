/* Streaming RFC 4180 reader (see csv.h).
 *
 * Two paths read records:
 *  - csv_fast() takes a whole simple record (plain ASCII, quotes without escapes or line
 *    breaks, ended by LF or CRLF inside the current chunk) and hands out pointers straight into
 *    the caller's buffer. Nearly every line of a real import is like that, so the common case
 *    costs one table lookup per byte and no copy.
 *  - csv_scan() is the exact state machine for everything else. It copies the record's
 *    unescaped bytes into r->buf so a record may span chunks, and it finds every error.
 * csv_fast() bails out (returns 0) on anything unusual, before it has changed any state, so the
 * two paths can never disagree; the fuzzer checks this by comparing chunkings. */
#include "ingest/csv.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"

/* The field limits bound the record buffer, whatever the input. */
#define CSV_RECORD_MAX ((size_t)CSV_FIELDS_MAX * CSV_FIELD_MAX)
#define CSV_BUF_INIT 1024

enum csv_state {
    S_REC,    /* nothing of a record read yet */
    S_FIELD,  /* a field starts at the next byte (after a comma) */
    S_BARE,   /* in an unquoted field */
    S_QUOTED, /* in a quoted field */
    S_QUOTE2, /* after a quote in a quoted field: "" escape or the closing quote */
    S_QCR,    /* after a CR in a quoted field */
    S_CR,     /* after a CR outside quotes */
    S_SKIP    /* after an error: dropping bytes up to the next LF */
};

/* Byte classes. The order matters: csv_class[c] <= C_COMMA is "plain inside quotes". */
enum { C_PLAIN, C_COMMA, C_QUOTE, C_CR, C_LF, C_NUL, C_HIGH };

#define X4(c) c, c, c, c
#define X16(c) X4(c), X4(c), X4(c), X4(c)
#define X64(c) X16(c), X16(c), X16(c), X16(c)

static const unsigned char csv_class[256] = {
    [0] = C_NUL,
    ['\n'] = C_LF,
    ['\r'] = C_CR,
    ['"'] = C_QUOTE,
    [','] = C_COMMA,
    [0x80] = X64(C_HIGH),
    X64(C_HIGH),
};

static const unsigned char csv_bom[3] = {0xEF, 0xBB, 0xBF};

struct csv_reader {
    csv_record_fn on_record;
    csv_error_fn on_error;
    void *ctx;
    unsigned char *buf; /* the record's unescaped field bytes, back to back */
    size_t len, cap;
    size_t fstart;     /* offset in buf of the field being read */
    size_t nfields;    /* fields completed in the record; also the current field's index */
    size_t line;       /* physical line of the next byte */
    size_t rec_line;   /* line the record started on */
    size_t quote_line; /* line the open quoted field started on */
    size_t u8_pos;     /* position in the field of the pending sequence's lead byte */
    int stop;          /* first nonzero result; the reader does nothing more after it */
    enum csv_state state;
    unsigned bom;           /* BOM bytes matched at the start of input; 3 once past it */
    unsigned u8_need;       /* continuation bytes still due */
    unsigned char u8_lo;    /* range the next continuation byte must fall in: this is */
    unsigned char u8_hi;    /* how overlong forms, surrogates and > U+10FFFF are refused */
    unsigned char u8_lead;
    bool quoted;   /* the field being read started with a quote */
    bool cr_blank; /* the pending CR came first on the line */
    struct csv_field fields[CSV_FIELDS_MAX];
};

struct csv_reader *csv_new(csv_record_fn on_record, csv_error_fn on_error, void *ctx)
{
    struct csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->buf = malloc(CSV_BUF_INIT);
    if (!r->buf) {
        free(r);
        return NULL;
    }
    r->cap = CSV_BUF_INIT;
    r->on_record = on_record;
    r->on_error = on_error;
    r->ctx = ctx;
    r->line = 1;
    r->state = S_REC;
    return r;
}

void csv_free(struct csv_reader *r)
{
    if (!r)
        return;
    free(r->buf);
    free(r);
}

static int csv_fail(struct csv_reader *r, size_t line, int field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Drops the record and skips to the next LF. The byte that went wrong is left unread, so the
 * skip sees it: when it is the LF itself, the next line is not lost. */
static int csv_fail(struct csv_reader *r, size_t line, int field, const char *fmt, ...)
{
    r->len = 0;
    r->nfields = 0;
    r->u8_need = 0;
    r->state = S_SKIP;
    if (!r->on_error)
        return 0;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rc = r->on_error(r->ctx, line, field, msg);
    if (rc)
        r->stop = rc;
    return rc;
}

/* 1-based byte position in the current field's value of the byte about to be added. */
static size_t csv_pos(const struct csv_reader *r)
{
    return r->len - r->fstart + 1;
}

static int csv_grow(struct csv_reader *r, size_t need)
{
    size_t cap = r->cap;
    while (cap < need)
        cap *= 2;
    /* csv_put caps every field, so need never exceeds the record limit. */
    assert(need <= CSV_RECORD_MAX);
    if (cap > CSV_RECORD_MAX)
        cap = CSV_RECORD_MAX;
    unsigned char *b = realloc(r->buf, cap);
    if (!b) {
        r->stop = ERR_NOMEM;
        return ERR_NOMEM;
    }
    r->buf = b;
    r->cap = cap;
    return 0;
}

/* Adds n bytes to the current field. Returns 0 with r->state == S_SKIP when the field got too
 * long; callers check the state before going on. */
static int csv_put(struct csv_reader *r, const unsigned char *s, size_t n)
{
    if (r->len - r->fstart + n > CSV_FIELD_MAX)
        return csv_fail(r, r->line, (int)r->nfields,
                        "value longer than %d characters: shorten it", CSV_FIELD_MAX);
    if (r->len + n > r->cap && csv_grow(r, r->len + n))
        return ERR_NOMEM;
    memcpy(r->buf + r->len, s, n);
    r->len += n;
    return 0;
}

static int csv_bad_utf8(struct csv_reader *r, unsigned char c, size_t pos)
{
    return csv_fail(r, r->line, (int)r->nfields,
                    "byte 0x%02X at position %zu is not valid UTF-8: save the file as UTF-8",
                    c, pos);
}

/* Takes a byte >= 0x80, or any byte while a sequence is pending. A broken sequence is
 * reported at its lead byte: in a file saved as Latin-1 or Windows-1252 that byte is the
 * accented letter the merchant typed. */
static int csv_utf8(struct csv_reader *r, unsigned char c)
{
    if (r->u8_need) {
        if (c < r->u8_lo || c > r->u8_hi)
            return csv_bad_utf8(r, r->u8_lead, r->u8_pos);
        r->u8_need--;
        r->u8_lo = 0x80;
        r->u8_hi = 0xBF;
        return csv_put(r, &c, 1);
    }
    unsigned need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* beyond U+10FFFF */
    } else {
        return csv_bad_utf8(r, c, csv_pos(r)); /* stray continuation, C0, C1, F5..FF */
    }
    r->u8_need = need;
    r->u8_lo = lo;
    r->u8_hi = hi;
    r->u8_lead = c;
    r->u8_pos = csv_pos(r);
    return csv_put(r, &c, 1);
}

static void csv_end_field(struct csv_reader *r)
{
    struct csv_field *f = &r->fields[r->nfields++];
    f->len = r->len - r->fstart;
    f->quoted = r->quoted;
}

/* After a field ends at a comma: a next field is coming. */
static int csv_next_field(struct csv_reader *r)
{
    csv_end_field(r);
    if (r->nfields == CSV_FIELDS_MAX)
        return csv_fail(r, r->line, -1,
                        "more than %d values on one line: check for extra commas",
                        CSV_FIELDS_MAX);
    r->state = S_FIELD;
    return 0;
}

static int csv_deliver(struct csv_reader *r, size_t line, size_t nfields)
{
    r->state = S_REC;
    if (!r->on_record)
        return 0;
    struct csv_record rec = {.line = line, .nfields = nfields, .fields = r->fields};
    int rc = r->on_record(r->ctx, &rec);
    if (rc)
        r->stop = rc;
    return rc;
}

/* Hands out the record gathered in r->buf. */
static int csv_emit(struct csv_reader *r)
{
    const unsigned char *s = r->buf;
    size_t n = r->nfields;
    for (size_t i = 0; i < n; i++) {
        r->fields[i].s = (const char *)s;
        s += r->fields[i].len;
    }
    r->len = 0;
    r->nfields = 0;
    return csv_deliver(r, r->rec_line, n);
}

/* Takes one whole simple record from [p, end) and returns the bytes it used, or 0 to leave the
 * record to csv_scan. Bails out rather than judging anything: errors, escapes, line breaks in
 * quotes, non-ASCII, limits and records cut by the chunk end all go the slow way. */
static size_t csv_fast(struct csv_reader *r, const unsigned char *p, const unsigned char *end,
                       int *rc)
{
    const unsigned char *q = p;
    size_t n = 0;
    for (;;) {
        const unsigned char *s;
        bool quoted = q < end && *q == '"';
        if (quoted) {
            s = ++q;
            while (q < end && csv_class[*q] <= C_COMMA)
                q++;
            if (q == end || *q != '"')
                return 0;
            r->fields[n].len = (size_t)(q++ - s);
        } else {
            s = q;
            while (q < end && csv_class[*q] == C_PLAIN)
                q++;
            r->fields[n].len = (size_t)(q - s);
        }
        if (q == end || r->fields[n].len > CSV_FIELD_MAX)
            return 0;
        r->fields[n].s = (const char *)s;
        r->fields[n].quoted = quoted;
        n++;
        if (*q == ',') {
            if (n == CSV_FIELDS_MAX)
                return 0;
            q++;
        } else if (*q == '\n') {
            q++;
            break;
        } else if (*q == '\r' && q + 1 < end && q[1] == '\n') {
            q += 2;
            break;
        } else {
            return 0;
        }
    }
    if (n == 1 && r->fields[0].len == 0 && !r->fields[0].quoted)
        return 0; /* blank line */
    *rc = csv_deliver(r, r->line++, n);
    return (size_t)(q - p);
}

static int csv_scan(struct csv_reader *r, const unsigned char *p, const unsigned char *end)
{
    int rc = 0;
    while (p < end) {
        switch (r->state) {
        case S_REC: {
            size_t used = csv_fast(r, p, end, &rc);
            if (used) {
                if (rc)
                    return rc;
                p += used;
                continue;
            }
            r->rec_line = r->line;
            if (*p == '\n') {
                if ((rc = csv_fail(r, r->line, -1, "blank line: remove empty lines from the file")))
                    return rc;
            } else if (*p == '\r') {
                r->cr_blank = true;
                r->state = S_CR;
                p++;
            } else {
                r->state = S_FIELD;
            }
            continue;
        }

        case S_FIELD:
            r->fstart = r->len;
            r->quoted = *p == '"';
            if (r->quoted) {
                r->quote_line = r->line;
                r->state = S_QUOTED;
                p++;
            } else {
                r->state = S_BARE;
            }
            continue;

        case S_BARE: {
            if (!r->u8_need) {
                const unsigned char *s = p;
                while (p < end && csv_class[*p] == C_PLAIN)
                    p++;
                if (p > s) {
                    if ((rc = csv_put(r, s, (size_t)(p - s))))
                        return rc;
                    if (r->state != S_BARE || p == end)
                        continue;
                }
            }
            unsigned char c = *p;
            if (r->u8_need || csv_class[c] == C_HIGH) {
                if ((rc = csv_utf8(r, c)))
                    return rc;
                if (r->state == S_BARE)
                    p++;
                continue;
            }
            switch (csv_class[c]) {
            case C_COMMA:
                if ((rc = csv_next_field(r)))
                    return rc;
                if (r->state == S_FIELD)
                    p++;
                break;
            case C_LF:
                csv_end_field(r);
                p++;
                r->line++;
                if ((rc = csv_emit(r)))
                    return rc;
                break;
            case C_CR:
                csv_end_field(r);
                r->cr_blank = false;
                r->state = S_CR;
                p++;
                break;
            case C_QUOTE:
                rc = csv_fail(r, r->line, (int)r->nfields,
                              "a quote (\") at position %zu inside a value that does not start "
                              "with a quote: wrap the whole value in quotes and double the "
                              "inner quote (\"\")",
                              csv_pos(r));
                if (rc)
                    return rc;
                break;
            default: /* C_NUL */
                rc = csv_fail(r, r->line, (int)r->nfields,
                              "character 0x00 at position %zu is not allowed: save the file "
                              "as plain text (CSV UTF-8)",
                              csv_pos(r));
                if (rc)
                    return rc;
                break;
            }
            continue;
        }

        case S_QUOTED: {
            if (!r->u8_need) {
                const unsigned char *s = p;
                while (p < end && csv_class[*p] <= C_COMMA)
                    p++;
                if (p > s) {
                    if ((rc = csv_put(r, s, (size_t)(p - s))))
                        return rc;
                    if (r->state != S_QUOTED || p == end)
                        continue;
                }
            }
            unsigned char c = *p;
            if (r->u8_need || csv_class[c] == C_HIGH) {
                if ((rc = csv_utf8(r, c)))
                    return rc;
                if (r->state == S_QUOTED)
                    p++;
                continue;
            }
            switch (csv_class[c]) {
            case C_QUOTE:
                r->state = S_QUOTE2;
                p++;
                break;
            case C_LF:
                if ((rc = csv_put(r, p, 1)))
                    return rc;
                if (r->state == S_QUOTED) {
                    p++;
                    r->line++;
                }
                break;
            case C_CR:
                r->state = S_QCR;
                p++;
                break;
            default: /* C_NUL */
                rc = csv_fail(r, r->line, (int)r->nfields,
                              "character 0x00 at position %zu is not allowed: save the file "
                              "as plain text (CSV UTF-8)",
                              csv_pos(r));
                if (rc)
                    return rc;
                break;
            }
            continue;
        }

        case S_QCR:
            /* A CRLF in quotes is kept as it is; a lone CR is refused even in quotes, as the
             * file then has old Mac line endings and every line number would be wrong. */
            if (*p == '\n') {
                static const unsigned char crlf[2] = {'\r', '\n'};
                if ((rc = csv_put(r, crlf, 2)))
                    return rc;
                if (r->state == S_QCR) {
                    r->state = S_QUOTED;
                    p++;
                    r->line++;
                }
            } else if ((rc = csv_fail(r, r->line, -1,
                                      "line break CR without LF: save the file with LF or CRLF "
                                      "line endings"))) {
                return rc;
            }
            continue;

        case S_QUOTE2: {
            unsigned char c = *p;
            if (c == '"') {
                if ((rc = csv_put(r, p, 1)))
                    return rc;
                if (r->state == S_QUOTE2) {
                    r->state = S_QUOTED;
                    p++;
                }
            } else if (c == ',') {
                if ((rc = csv_next_field(r)))
                    return rc;
                if (r->state == S_FIELD)
                    p++;
            } else if (c == '\n') {
                csv_end_field(r);
                p++;
                r->line++;
                if ((rc = csv_emit(r)))
                    return rc;
            } else if (c == '\r') {
                csv_end_field(r);
                r->cr_blank = false;
                r->state = S_CR;
                p++;
            } else {
                char name[16];
                if (c >= 0x20 && c < 0x7F)
                    snprintf(name, sizeof name, "'%c' (0x%02X)", c, c);
                else
                    snprintf(name, sizeof name, "0x%02X", c);
                rc = csv_fail(r, r->line, (int)r->nfields,
                              "character %s after the closing quote: a quoted value must end "
                              "with its quote, then a comma or the end of the line",
                              name);
                if (rc)
                    return rc;
            }
            continue;
        }

        case S_CR:
            if (*p != '\n') {
                rc = csv_fail(r, r->line, -1,
                              "line break CR without LF: save the file with LF or CRLF line "
                              "endings");
            } else if (r->cr_blank) {
                rc = csv_fail(r, r->line, -1, "blank line: remove empty lines from the file");
            } else {
                p++;
                r->line++;
                rc = csv_emit(r);
            }
            if (rc)
                return rc;
            continue;

        case S_SKIP: {
            const unsigned char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!nl)
                return 0;
            p = nl + 1;
            r->line++;
            r->state = S_REC;
            continue;
        }
        }
    }
    return 0;
}

/* Bytes that began like a BOM but were not one are input after all. */
static int csv_bom_replay(struct csv_reader *r)
{
    unsigned n = r->bom;
    r->bom = 3;
    return csv_scan(r, csv_bom, csv_bom + n);
}

int csv_feed(struct csv_reader *r, const char *buf, size_t len)
{
    if (r->stop)
        return r->stop;
    if (!len)
        return 0;
    const unsigned char *p = (const unsigned char *)buf, *end = p + len;
    while (r->bom < 3 && p < end) {
        if (*p == csv_bom[r->bom]) {
            r->bom++;
            p++;
        } else {
            int rc = csv_bom_replay(r);
            if (rc)
                return rc;
        }
    }
    return csv_scan(r, p, end);
}

int csv_finish(struct csv_reader *r)
{
    int rc = 0;
    if (r->stop)
        return r->stop;
    if (r->bom < 3 && (rc = csv_bom_replay(r)))
        return rc;
    switch (r->state) {
    case S_REC:
    case S_SKIP:
        break;
    case S_FIELD: /* after a comma: the last field is empty */
        r->fstart = r->len;
        r->quoted = false;
        csv_end_field(r);
        rc = csv_emit(r);
        break;
    case S_BARE:
        if (r->u8_need) {
            rc = csv_bad_utf8(r, r->u8_lead, r->u8_pos);
            break;
        }
        csv_end_field(r);
        rc = csv_emit(r);
        break;
    case S_QUOTE2:
        csv_end_field(r);
        rc = csv_emit(r);
        break;
    case S_QUOTED:
    case S_QCR:
        /* Reported on the record's line: that is where the merchant starts looking, and the
         * message names the line where the quote opened. */
        rc = csv_fail(r, r->rec_line, (int)r->nfields,
                      "quoted value opened on line %zu is never closed: add the closing "
                      "quote (\")",
                      r->quote_line);
        break;
    case S_CR:
        rc = csv_fail(r, r->line, -1,
                      "line break CR without LF: save the file with LF or CRLF line endings");
        break;
    }
    if (rc)
        return rc;
    r->state = S_REC;
    return 0;
}

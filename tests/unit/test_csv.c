/* SPEC section 3: the streaming CSV reader. Every input is read whole and in chunks of 1, 2, 3,
 * 5, 7 and 64 bytes, and must give the same records and errors each time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "ingest/csv.h"

/* Records and errors written out as text, one event a line:
 *   R<line>:<field>|<field>...   a quoted field shows as "<value>"
 *   E<line>,<field>:<message> */
struct log {
    char *s;
    size_t len, cap;
    int events;
    int stop_at; /* the event with this 1-based number returns stop_rc; 0 = never */
    int stop_rc;
};

static void log_add(struct log *l, const char *s, size_t n)
{
    if (l->len + n + 1 > l->cap) {
        l->cap = (l->len + n + 1) * 2;
        l->s = realloc(l->s, l->cap);
        assert_non_null(l->s);
    }
    memcpy(l->s + l->len, s, n);
    l->len += n;
    l->s[l->len] = '\0';
}

static void log_str(struct log *l, const char *s)
{
    log_add(l, s, strlen(s));
}

static int log_event(struct log *l)
{
    l->events++;
    return l->events == l->stop_at ? l->stop_rc : 0;
}

static int on_rec(void *ctx, const struct csv_record *rec)
{
    struct log *l = ctx;
    char head[32];
    snprintf(head, sizeof head, "R%zu:", rec->line);
    log_str(l, head);
    assert_true(rec->nfields >= 1 && rec->nfields <= CSV_FIELDS_MAX);
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct csv_field *f = &rec->fields[i];
        assert_true(f->len <= CSV_FIELD_MAX);
        if (i)
            log_str(l, "|");
        if (f->quoted)
            log_str(l, "\"");
        log_add(l, f->s, f->len);
        if (f->quoted)
            log_str(l, "\"");
    }
    log_str(l, "\n");
    return log_event(l);
}

static int on_err(void *ctx, size_t line, int field, const char *message)
{
    struct log *l = ctx;
    char head[48];
    snprintf(head, sizeof head, "E%zu,%d:", line, field);
    log_str(l, head);
    log_str(l, message);
    log_str(l, "\n");
    return log_event(l);
}

/* Reads in[0..n) in chunks of `chunk` bytes (0 = whole); returns the log, sets *rc. */
static char *run(const char *in, size_t n, size_t chunk, int stop_at, int stop_rc, int *rc)
{
    struct log l = {.stop_at = stop_at, .stop_rc = stop_rc};
    log_str(&l, "");
    struct csv_reader *r = csv_new(on_rec, on_err, &l);
    assert_non_null(r);
    if (!chunk)
        chunk = n ? n : 1;
    *rc = 0;
    for (size_t off = 0; off < n && !*rc; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        /* A copy of just this chunk, so reads beyond it show up under ASan. */
        char *piece = malloc(k);
        assert_non_null(piece);
        memcpy(piece, in + off, k);
        *rc = csv_feed(r, piece, k);
        free(piece);
    }
    if (!*rc)
        *rc = csv_finish(r);
    csv_free(r);
    return l.s;
}

static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 64};

/* Checks the log and return code for every chunking. */
static void check_n_stop(const char *in, size_t n, int stop_at, int stop_rc, int want_rc,
                         const char *want)
{
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        int rc;
        char *got = run(in, n, chunks[i], stop_at, stop_rc, &rc);
        if (strcmp(got, want) != 0 || rc != want_rc)
            fail_msg("chunk %zu: rc %d (want %d)\n--- got:\n%s--- want:\n%s", chunks[i], rc,
                     want_rc, got, want);
        free(got);
    }
}

static void check_n(const char *in, size_t n, const char *want)
{
    check_n_stop(in, n, 0, 0, 0, want);
}

static void check(const char *in, const char *want)
{
    check_n(in, strlen(in), want);
}

#define CHECK_BYTES(lit, want) check_n(lit, sizeof(lit) - 1, want)

#define MSG_BLANK "blank line: remove empty lines from the file"
#define MSG_CR "line break CR without LF: save the file with LF or CRLF line endings"
#define MSG_LONG "value longer than 4096 characters: shorten it"
#define MSG_UTF8(b, pos) "byte " b " at position " pos " is not valid UTF-8: save the file as UTF-8"
#define MSG_NUL(pos)                                                                           \
    "character 0x00 at position " pos " is not allowed: save the file as plain text (CSV UTF-8)"
#define MSG_QUOTE(pos)                                                                         \
    "a quote (\") at position " pos " inside a value that does not start with a quote: wrap "  \
    "the whole value in quotes and double the inner quote (\"\")"
#define MSG_AFTER(ch)                                                                          \
    "character " ch " after the closing quote: a quoted value must end with its quote, then a " \
    "comma or the end of the line"
#define MSG_UNCLOSED(line)                                                                     \
    "quoted value opened on line " line " is never closed: add the closing quote (\")"
#define MSG_TOOMANY "more than 64 values on one line: check for extra commas"

#define TEMPLATE                                                                               \
    "sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,"          \
    "transitStockDate\n"                                                                       \
    "TSHIRT1,WH1,onhand,25,0,,,\n"                                                             \
    "TSHIRT1,WH1,intransit,100,0,PO1001,2026-11-20,2026-12-15\n"                               \
    "HOODIE2,WH1,intransit,50,0,ADV2,2026-11-20,\n"

#define TEMPLATE_LOG                                                                           \
    "R1:sku|locationId|stockType|quantity|reservedQuantity|transitRef|transitOrderDate|"       \
    "transitStockDate\n"                                                                       \
    "R2:TSHIRT1|WH1|onhand|25|0|||\n"                                                          \
    "R3:TSHIRT1|WH1|intransit|100|0|PO1001|2026-11-20|2026-12-15\n"                            \
    "R4:HOODIE2|WH1|intransit|50|0|ADV2|2026-11-20|\n"

static void test_csv_reads_the_template(void **state)
{
    (void)state;
    check(TEMPLATE, TEMPLATE_LOG);
}

static void test_csv_empty_input_has_no_records(void **state)
{
    (void)state;
    check("", "");
    check("\xEF\xBB\xBF", "");
}

static void test_csv_skips_leading_bom(void **state)
{
    (void)state;
    check("\xEF\xBB\xBF" TEMPLATE, TEMPLATE_LOG);
    check("\xEF\xBB\xBF\"a\",b\n", "R1:\"a\"|b\n");
    /* Only at the very start: later it is an ordinary (valid) character of the value. */
    check("a\n\xEF\xBB\xBF"
          "b\n",
          "R1:a\nR2:\xEF\xBB\xBF"
          "b\n");
    check("\xEF\xBB\xBF\xEF\xBB\xBF"
          "a\n",
          "R1:\xEF\xBB\xBF"
          "a\n");
}

static void test_csv_partial_bom_is_input(void **state)
{
    (void)state;
    check("\xEF\xBB"
          "a\nb\n",
          "E1,0:" MSG_UTF8("0xEF", "1") "\nR2:b\n");
    check("\xEF"
          "a\n",
          "E1,0:" MSG_UTF8("0xEF", "1") "\n");
    check("\xEF\xBB", "E1,0:" MSG_UTF8("0xEF", "1") "\n");
    check("\xEF\xBF\xBF\n", "R1:\xEF\xBF\xBF\n"); /* U+FFFF, not a BOM */
}

static void test_csv_crlf_and_lf_line_endings(void **state)
{
    (void)state;
    check("a,b\r\nc,d\r\n", "R1:a|b\nR2:c|d\n");
    check("a,b\nc,d\r\ne\n", "R1:a|b\nR2:c|d\nR3:e\n");
    check("\"a\"\r\n\"b\"\r\n", "R1:\"a\"\nR2:\"b\"\n");
    check("a,\r\n", "R1:a|\n");
}

static void test_csv_final_record_without_newline(void **state)
{
    (void)state;
    check("a,b\nc,d", "R1:a|b\nR2:c|d\n");
    check("a\nb,", "R1:a\nR2:b|\n");
    check("a\n\"b\"", "R1:a\nR2:\"b\"\n");
    check("a\n\"b\",", "R1:a\nR2:\"b\"|\n");
    check("x", "R1:x\n");
    check("a\n", "R1:a\n"); /* one final newline: no blank line after it */
}

static void test_csv_empty_fields(void **state)
{
    (void)state;
    check(",\n", "R1:|\n");
    check(",,\n", "R1:||\n");
    check("\"\"\n", "R1:\"\"\n"); /* one empty quoted field: not a blank line */
    check("\"\",\"\"\n", "R1:\"\"|\"\"\n");
    check(" \n", "R1: \n");
}

static void test_csv_quoted_fields(void **state)
{
    (void)state;
    check("\"a,b\",\"c\"\"d\",\"\"\"\",x\n", "R1:\"a,b\"|\"c\"d\"|\"\"\"|x\n");
    check("\"a\"\"\"\n", "R1:\"a\"\"\n");
    check("\"\"\"\"\"\"\n", "R1:\"\"\"\"\n");
    check("\"caf\xC3\xA9\",\"\xE2\x82\xAC\"\n", "R1:\"caf\xC3\xA9\"|\"\xE2\x82\xAC\"\n");
}

static void test_csv_quoted_line_breaks_advance_lines(void **state)
{
    (void)state;
    check("\"a\nb\",c\nd\n", "R1:\"a\nb\"|c\nR3:d\n");
    check("h\n\"1\n2\n3\",\"x\ny\"\nz\n", "R1:h\nR2:\"1\n2\n3\"|\"x\ny\"\nR6:z\n");
    check("\"a\r\nb\"\r\nc\r\n", "R1:\"a\r\nb\"\nR3:c\n");
    check("\"\n\"\n", "R1:\"\n\"\n");
    /* An error on a later line of a multi-line record is reported where it is. */
    check("h\n\"a\nb\xFF\"\nc\n", "R1:h\nE3,0:" MSG_UTF8("0xFF", "4") "\nR4:c\n");
}

static void test_csv_blank_lines(void **state)
{
    (void)state;
    check("a\n\nb\n", "R1:a\nE2,-1:" MSG_BLANK "\nR3:b\n");
    check("a\n\n", "R1:a\nE2,-1:" MSG_BLANK "\n");
    check("\n", "E1,-1:" MSG_BLANK "\n");
    check("\na\n", "E1,-1:" MSG_BLANK "\nR2:a\n");
    check("a\r\n\r\nb\r\n", "R1:a\nE2,-1:" MSG_BLANK "\nR3:b\n");
    check("a\n\n\n\nb", "R1:a\nE2,-1:" MSG_BLANK "\nE3,-1:" MSG_BLANK "\nE4,-1:" MSG_BLANK
                        "\nR5:b\n");
    check("\xEF\xBB\xBF\n", "E1,-1:" MSG_BLANK "\n");
}

static void test_csv_invalid_utf8(void **state)
{
    (void)state;
    check("ab\xFF\n", "E1,0:" MSG_UTF8("0xFF", "3") "\n");
    check("x,ab\xFF,y\nz\n", "E1,1:" MSG_UTF8("0xFF", "3") "\nR2:z\n");
    check("\xC0\xAF\n", "E1,0:" MSG_UTF8("0xC0", "1") "\n");         /* overlong '/' */
    check("\xE0\x80\xAF\n", "E1,0:" MSG_UTF8("0xE0", "1") "\n");     /* overlong */
    check("\xF0\x8F\xBF\xBF\n", "E1,0:" MSG_UTF8("0xF0", "1") "\n"); /* overlong */
    check("a\xED\xA0\x80\n", "E1,0:" MSG_UTF8("0xED", "2") "\n");    /* surrogate */
    check("\xF4\x90\x80\x80\n", "E1,0:" MSG_UTF8("0xF4", "1") "\n"); /* > U+10FFFF */
    check("\xF5\x80\x80\x80\n", "E1,0:" MSG_UTF8("0xF5", "1") "\n");
    check("a\x80\n", "E1,0:" MSG_UTF8("0x80", "2") "\n"); /* stray continuation */
    check("caf\xE9,x\n", "E1,0:" MSG_UTF8("0xE9", "4") "\n"); /* Latin-1 */
    check("caf\xE9x\n", "E1,0:" MSG_UTF8("0xE9", "4") "\n");
    check("\xC3\nx\n", "E1,0:" MSG_UTF8("0xC3", "1") "\nR2:x\n");
}

static void test_csv_truncated_utf8(void **state)
{
    (void)state;
    check("a\xE2\x82", "E1,0:" MSG_UTF8("0xE2", "2") "\n"); /* at end of input */
    check("a,\xE2\x82\nb\n", "E1,1:" MSG_UTF8("0xE2", "1") "\nR2:b\n"); /* at LF: next line kept */
    check("\xC3,b\n", "E1,0:" MSG_UTF8("0xC3", "1") "\n");
    check("\xC3\r\nb\n", "E1,0:" MSG_UTF8("0xC3", "1") "\nR2:b\n");
    check("\"\xC3\"\n", "E1,0:" MSG_UTF8("0xC3", "1") "\n");
    check("\"x\xC3", "E1,0:" MSG_UNCLOSED("1") "\n");
}

static void test_csv_valid_utf8(void **state)
{
    (void)state;
    check("\xC2\x80\xDF\xBF,\xE0\xA0\x80\xEF\xBF\xBF,\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\n",
          "R1:\xC2\x80\xDF\xBF|\xE0\xA0\x80\xEF\xBF\xBF|\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\n");
    check("\xED\x9F\xBF\xEE\x80\x80\n", "R1:\xED\x9F\xBF\xEE\x80\x80\n"); /* around surrogates */
}

static void test_csv_utf8_position_counts_unescaped_bytes(void **state)
{
    (void)state;
    check("\"a\"\"\xFF\"\n", "E1,0:" MSG_UTF8("0xFF", "3") "\n");
    check("\"\xC3\xA9\xFF\"\n", "E1,0:" MSG_UTF8("0xFF", "3") "\n");
}

static void test_csv_nul_byte(void **state)
{
    (void)state;
    CHECK_BYTES("a\0b\nc\n", "E1,0:" MSG_NUL("2") "\nR2:c\n");
    CHECK_BYTES("x,\"a\0\"\n", "E1,1:" MSG_NUL("2") "\n");
    CHECK_BYTES("\0", "E1,0:" MSG_NUL("1") "\n");
    CHECK_BYTES("\"a\"\0\n", "E1,0:" MSG_AFTER("0x00") "\n");
    /* Other control characters are left to the row rules. */
    check("a\tb\x01\n", "R1:a\tb\x01\n");
}

static void test_csv_quote_inside_unquoted_value(void **state)
{
    (void)state;
    check("ab\"c,d\ne\n", "E1,0:" MSG_QUOTE("3") "\nR2:e\n");
    check("x,a\"\n", "E1,1:" MSG_QUOTE("2") "\n");
    check("x,a\"", "E1,1:" MSG_QUOTE("2") "\n");
    check(" \"a\"\n", "E1,0:" MSG_QUOTE("2") "\n");
}

static void test_csv_text_after_closing_quote(void **state)
{
    (void)state;
    check("\"ab\"c,d\ne\n", "E1,0:" MSG_AFTER("'c' (0x63)") "\nR2:e\n");
    check("x,\"ab\" \n", "E1,1:" MSG_AFTER("' ' (0x20)") "\n");
    check("\"ab\"\t\n", "E1,0:" MSG_AFTER("0x09") "\n");
    check("\"ab\"\xC3\xA9\n", "E1,0:" MSG_AFTER("0xC3") "\n");
    /* The skip after an error goes to the next LF even inside the broken quotes. */
    check("\"a\"b\nc\"\nd\n", "E1,0:" MSG_AFTER("'b' (0x62)") "\nE2,0:" MSG_QUOTE("2") "\nR3:d\n");
}

static void test_csv_cr_without_lf(void **state)
{
    (void)state;
    check("a\rb\nc\n", "E1,-1:" MSG_CR "\nR2:c\n");
    check("a\r", "E1,-1:" MSG_CR "\n");
    check("\r", "E1,-1:" MSG_CR "\n");
    check("\rx\ny\n", "E1,-1:" MSG_CR "\nR2:y\n");
    check("\"a\"\rb\n", "E1,-1:" MSG_CR "\n");
    check("a\r\r\n", "E1,-1:" MSG_CR "\n");
    check("a\n\"x\ry\"\nb\n", "R1:a\nE2,-1:" MSG_CR "\nR3:b\n"); /* refused in quotes too */
    check("\"x\r", "E1,0:" MSG_UNCLOSED("1") "\n");
}

static char *repeat(const char *head, char c, size_t n, const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail);
    char *s = malloc(hl + n + tl + 1);
    assert_non_null(s);
    memcpy(s, head, hl);
    memset(s + hl, c, n);
    memcpy(s + hl + n, tail, tl + 1);
    return s;
}

static void test_csv_field_length_limit(void **state)
{
    (void)state;
    char *ok = repeat("a,", 'x', CSV_FIELD_MAX, ",b\n");
    char *want = repeat("R1:a|", 'x', CSV_FIELD_MAX, "|b\n");
    check(ok, want);
    free(ok);
    free(want);

    char *bad = repeat("h\na,b,", 'x', CSV_FIELD_MAX + 1, ",c\nd\n");
    check(bad, "R1:h\nE2,2:" MSG_LONG "\nR3:d\n");
    free(bad);

    bad = repeat("\"", 'x', CSV_FIELD_MAX + 1, "\"\nd\n");
    check(bad, "E1,0:" MSG_LONG "\nR2:d\n");
    free(bad);

    bad = repeat("", 'x', CSV_FIELD_MAX + 1, "");
    check(bad, "E1,0:" MSG_LONG "\n");
    free(bad);

    /* The limit is on the value: 4096 escaped quotes take 8192 bytes of the file. */
    ok = repeat("\"", '"', 2 * CSV_FIELD_MAX, "\"\n");
    want = repeat("R1:\"", '"', CSV_FIELD_MAX, "\"\n");
    check(ok, want);
    free(ok);
    free(want);

    /* A multi-byte character may not straddle the limit. */
    ok = repeat("", 'x', CSV_FIELD_MAX - 1, "\xC3\xA9\n");
    check(ok, "E1,0:" MSG_LONG "\n");
    free(ok);
}

static char *fields_line(size_t n, const char *prefix)
{
    char *s = malloc(strlen(prefix) + 3 * n + 2);
    assert_non_null(s);
    size_t k = (size_t)sprintf(s, "%s", prefix);
    for (size_t i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%s%c", i ? "," : "", "abcdefghijklmnopqrstuvwxyz"[i % 26]);
    strcpy(s + k, "\n");
    return s;
}

static void test_csv_field_count_limit(void **state)
{
    (void)state;
    char *in = fields_line(CSV_FIELDS_MAX, "");
    char *want = fields_line(CSV_FIELDS_MAX, "R1:");
    for (char *c = want; *c; c++)
        if (*c == ',')
            *c = '|';
    check(in, want);
    free(in);
    free(want);

    in = fields_line(CSV_FIELDS_MAX + 1, "");
    check(in, "E1,-1:" MSG_TOOMANY "\n");
    free(in);

    /* 64 full-length fields: the largest record there can be. */
    size_t n = CSV_FIELDS_MAX * (CSV_FIELD_MAX + 1);
    char *big = malloc(n + 1);
    assert_non_null(big);
    memset(big, 'y', n);
    for (size_t i = 1; i <= CSV_FIELDS_MAX; i++)
        big[i * (CSV_FIELD_MAX + 1) - 1] = i == CSV_FIELDS_MAX ? '\n' : ',';
    big[n] = '\0';
    struct log l = {0};
    struct csv_reader *r = csv_new(on_rec, on_err, &l);
    assert_non_null(r);
    for (size_t off = 0; off < n; off += 1000)
        assert_int_equal(csv_feed(r, big + off, n - off < 1000 ? n - off : 1000), 0);
    assert_int_equal(csv_finish(r), 0);
    csv_free(r);
    assert_int_equal(l.events, 1);
    assert_int_equal(l.len, strlen("R1:\n") + n - 1);
    free(l.s);
    free(big);
}

static void test_csv_unclosed_quote(void **state)
{
    (void)state;
    check("a\n\"b\nc\n", "R1:a\nE2,0:" MSG_UNCLOSED("2") "\n");
    check("a,\"b", "E1,1:" MSG_UNCLOSED("1") "\n");
    check("\"", "E1,0:" MSG_UNCLOSED("1") "\n");
    check("\"a\"\"", "E1,0:" MSG_UNCLOSED("1") "\n");
    /* Reported on the record's line; the message names where the quote opened. */
    check("\"x\ny\",\"z\nw", "E1,1:" MSG_UNCLOSED("2") "\n");
}

static void test_csv_stops_when_on_record_returns_nonzero(void **state)
{
    (void)state;
    check_n_stop("a\nb\nc\n", 6, 1, 7, 7, "R1:a\n");
    check_n_stop("a\nb\nc\n", 6, 2, 7, 7, "R1:a\nR2:b\n");
    check_n_stop("a\nb\nc", 5, 3, 9, 9, "R1:a\nR2:b\nR3:c\n"); /* from csv_finish */

    struct log l = {.stop_at = 1, .stop_rc = 5};
    struct csv_reader *r = csv_new(on_rec, on_err, &l);
    assert_non_null(r);
    assert_int_equal(csv_feed(r, "a\nb\n", 4), 5);
    assert_int_equal(csv_feed(r, "c\n", 2), 5); /* stays stopped */
    assert_int_equal(csv_finish(r), 5);
    assert_int_equal(l.events, 1);
    csv_free(r);
    free(l.s);
}

static void test_csv_stops_when_on_error_returns_nonzero(void **state)
{
    (void)state;
    check_n_stop("a\n\nb\n", 5, 2, -3, -3, "R1:a\nE2,-1:" MSG_BLANK "\n");
    check_n_stop("\xFF\n\xFF\n", 4, 1, 4, 4, "E1,0:" MSG_UTF8("0xFF", "1") "\n");
    check_n_stop("\"a", 2, 1, 1, 1, "E1,0:" MSG_UNCLOSED("1") "\n");
    check_n_stop("a\r", 2, 1, 2, 2, "E1,-1:" MSG_CR "\n");
}

static void test_csv_null_callbacks(void **state)
{
    (void)state;
    struct csv_reader *r = csv_new(NULL, NULL, NULL);
    assert_non_null(r);
    assert_int_equal(csv_feed(r, "a\n\n\xFF\n\"x", 8), 0);
    assert_int_equal(csv_feed(r, NULL, 0), 0);
    assert_int_equal(csv_finish(r), 0);
    csv_free(r);
    csv_free(NULL);
}

/* Many records across chunk boundaries: fast and slow paths interleave. */
static void test_csv_many_records_in_chunks(void **state)
{
    (void)state;
    enum { ROWS = 20000 };
    size_t cap = ROWS * 48, n = 0;
    char *in = malloc(cap);
    assert_non_null(in);
    for (int i = 0; i < ROWS; i++)
        n += (size_t)snprintf(in + n, cap - n, i % 3 ? "SKU%d,WH1,onhand,%d,0,,,\n"
                                                     : "\"SKU%d\",WH1,onhand,%d,0,,,\r\n",
                              i, i * 7);
    int rc;
    char *whole = run(in, n, 0, 0, 0, &rc);
    assert_int_equal(rc, 0);
    char *pieces = run(in, n, 4093, 0, 0, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(whole, pieces);
    assert_non_null(strstr(whole, "R20000:SKU19999|WH1|onhand|139993|0|||\n"));
    free(whole);
    free(pieces);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_reads_the_template),
        cmocka_unit_test(test_csv_empty_input_has_no_records),
        cmocka_unit_test(test_csv_skips_leading_bom),
        cmocka_unit_test(test_csv_partial_bom_is_input),
        cmocka_unit_test(test_csv_crlf_and_lf_line_endings),
        cmocka_unit_test(test_csv_final_record_without_newline),
        cmocka_unit_test(test_csv_empty_fields),
        cmocka_unit_test(test_csv_quoted_fields),
        cmocka_unit_test(test_csv_quoted_line_breaks_advance_lines),
        cmocka_unit_test(test_csv_blank_lines),
        cmocka_unit_test(test_csv_invalid_utf8),
        cmocka_unit_test(test_csv_truncated_utf8),
        cmocka_unit_test(test_csv_valid_utf8),
        cmocka_unit_test(test_csv_utf8_position_counts_unescaped_bytes),
        cmocka_unit_test(test_csv_nul_byte),
        cmocka_unit_test(test_csv_quote_inside_unquoted_value),
        cmocka_unit_test(test_csv_text_after_closing_quote),
        cmocka_unit_test(test_csv_cr_without_lf),
        cmocka_unit_test(test_csv_field_length_limit),
        cmocka_unit_test(test_csv_field_count_limit),
        cmocka_unit_test(test_csv_unclosed_quote),
        cmocka_unit_test(test_csv_stops_when_on_record_returns_nonzero),
        cmocka_unit_test(test_csv_stops_when_on_error_returns_nonzero),
        cmocka_unit_test(test_csv_null_callbacks),
        cmocka_unit_test(test_csv_many_records_in_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

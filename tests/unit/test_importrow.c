/* Import row rules (SPEC section 3): one test per rule, asserting column and exact message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/importrow.h"

#define MAXERR 16

struct got {
    int col;
    bool has_value;
    char value[512];
    char message[512];
};

struct sink {
    size_t n;
    struct got e[MAXERR];
};

static void collect(void *ctx, int col, const char *value, size_t vlen, const char *message)
{
    struct sink *s = ctx;
    struct got *g;

    assert_true(s->n < MAXERR);
    assert_non_null(message);
    assert_true(strlen(message) < 256); /* fits struct import_error.message */
    g = &s->e[s->n++];
    g->col = col;
    g->has_value = value != NULL;
    assert_true(vlen < sizeof g->value);
    if (value)
        memcpy(g->value, value, vlen);
    g->value[value ? vlen : 0] = '\0';
    snprintf(g->message, sizeof g->message, "%s", message);
}

/* A row from eight C strings in column order; NULL or "" is an empty value. */
static void row(struct importrow_value v[COL_COUNT], const char *sku, const char *loc,
                const char *type, const char *qty, const char *res, const char *ref,
                const char *od, const char *sd)
{
    const char *s[COL_COUNT] = {sku, loc, type, qty, res, ref, od, sd};
    int c;

    for (c = 0; c < COL_COUNT; c++) {
        v[c].s = s[c];
        v[c].len = s[c] ? strlen(s[c]) : 0;
    }
}

static int parse(struct sink *s, struct position *p, const char *sku, const char *loc,
                 const char *type, const char *qty, const char *res, const char *ref,
                 const char *od, const char *sd)
{
    struct importrow_value v[COL_COUNT];

    memset(s, 0, sizeof *s);
    row(v, sku, loc, type, qty, res, ref, od, sd);
    return importrow_parse(v, p, collect, s);
}

/* Exactly one error, in col, with this message. */
static void one_error(const char *sku, const char *loc, const char *type, const char *qty,
                      const char *res, const char *ref, const char *od, const char *sd, int col,
                      const char *message)
{
    struct sink s;
    struct position p;

    assert_int_equal(parse(&s, &p, sku, loc, type, qty, res, ref, od, sd), 1);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.e[0].col, col);
    assert_string_equal(s.e[0].message, message);
}

static void onhand_error(const char *sku, int col, const char *message)
{
    one_error(sku, "WH1", "onhand", "5", "", "", "", "", col, message);
}

static int header(struct sink *s, int *map, const char *csv_line)
{
    struct importrow_value names[32];
    size_t n = 0;
    const char *p = csv_line, *comma;

    memset(s, 0, sizeof *s);
    for (;;) {
        comma = strchr(p, ',');
        names[n].s = p;
        names[n].len = comma ? (size_t)(comma - p) : strlen(p);
        n++;
        if (!comma)
            break;
        p = comma + 1;
    }
    return importrow_header(names, n, map, collect, s);
}

#define ALL_COLUMNS "sku,locationId,stockType,quantity,reservedQuantity,transitRef,transitOrderDate,transitStockDate"
#define COLUMN_LIST "sku, locationId, stockType, quantity, reservedQuantity, transitRef, transitOrderDate, transitStockDate, channelId, safetyStock, preorderLimit, backorderLimit, lowStock"

/* ---- valid rows ---- */

static void test_valid_onhand_row(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    memset(&p, 0xA5, sizeof p); /* every field must be set, not left over */
    assert_int_equal(parse(&s, &p, "TSHIRT1", "WH1", "onhand", "25", "3", "", "", ""), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(p.id, 0);
    assert_string_equal(p.sku, "TSHIRT1");
    assert_string_equal(p.location_id, "WH1");
    assert_int_equal(p.stock_type, STOCK_ONHAND);
    assert_string_equal(p.transit_ref, "");
    assert_int_equal(p.order_date, DATE_NONE);
    assert_int_equal(p.stock_date, DATE_NONE);
    assert_int_equal(p.quantity, 25);
    assert_int_equal(p.reserved, 3);
    assert_int_equal(p.allocated, 0);
}

static void test_valid_preorder_row(void **state)
{
    struct sink s;
    struct position p;
    date_t od, sd;

    (void)state;
    assert_int_equal(parse(&s, &p, "TSHIRT1", "WH1", "intransit", "100", "0", "PO1001",
                           "2026-11-20", "2026-12-15"),
                     0);
    assert_int_equal(date_parse("2026-11-20", 10, &od), 0);
    assert_int_equal(date_parse("2026-12-15", 10, &sd), 0);
    assert_int_equal(p.stock_type, STOCK_INTRANSIT);
    assert_string_equal(p.transit_ref, "PO1001");
    assert_int_equal(p.order_date, od);
    assert_int_equal(p.stock_date, sd);
    assert_int_equal(p.quantity, 100);
    assert_int_equal(p.reserved, 0);
}

static void test_valid_backorder_row(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "HOODIE2", "WH1", "intransit", "50", "0", "ADV2",
                           "2026-11-20", ""),
                     0);
    assert_int_equal(p.stock_type, STOCK_INTRANSIT);
    assert_string_equal(p.transit_ref, "ADV2");
    assert_true(p.order_date != DATE_NONE);
    assert_int_equal(p.stock_date, DATE_NONE);
}

static void test_stock_date_same_as_order_date_is_valid(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "A", "WH1", "intransit", "1", "", "PO1", "2026-11-20",
                           "2026-11-20"),
                     0);
    assert_int_equal(p.order_date, p.stock_date);
}

static void test_stock_type_aliases_any_case(void **state)
{
    static const struct {
        const char *v;
        int type;
    } cases[] = {{"Stock", STOCK_ONHAND},       {"STOCK", STOCK_ONHAND},
                 {"ONHAND", STOCK_ONHAND},      {"OnHand", STOCK_ONHAND},
                 {"Transit", STOCK_INTRANSIT},  {"transit", STOCK_INTRANSIT},
                 {"InTransit", STOCK_INTRANSIT}, {"INTRANSIT", STOCK_INTRANSIT}};
    struct sink s;
    struct position p;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].type == STOCK_ONHAND)
            assert_int_equal(parse(&s, &p, "A", "WH1", cases[i].v, "1", "", "", "", ""), 0);
        else
            assert_int_equal(
                parse(&s, &p, "A", "WH1", cases[i].v, "1", "", "PO1", "2026-11-20", ""), 0);
        assert_int_equal(p.stock_type, cases[i].type);
    }
}

static void test_reserved_quantity_empty_is_zero(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "A", "WH1", "onhand", "7", NULL, NULL, NULL, NULL), 0);
    assert_int_equal(p.reserved, 0);
}

/* ---- sku, locationId, transitRef ---- */

static void test_id_only_letters_and_digits(void **state)
{
    (void)state;
    onhand_error("T SHIRT", COL_SKU,
                 "character ' ' (0x20) at position 2 is not allowed: only letters and digits");
    onhand_error("T-1", COL_SKU,
                 "character '-' (0x2D) at position 2 is not allowed: only letters and digits");
    one_error("A", "WH_1", "onhand", "1", "", "", "", "", COL_LOCATION_ID,
              "character '_' (0x5F) at position 3 is not allowed: only letters and digits");
    one_error("A", "WH1", "intransit", "1", "", "PO.1", "2026-11-20", "", COL_TRANSIT_REF,
              "character '.' (0x2E) at position 3 is not allowed: only letters and digits");
}

static void test_id_reports_first_bad_character_only(void **state)
{
    (void)state;
    onhand_error("A B C", COL_SKU,
                 "character ' ' (0x20) at position 2 is not allowed: only letters and digits");
}

static void test_id_non_ascii_named_by_code_point(void **state)
{
    (void)state;
    /* Position counts characters, not bytes: 'é' is the 3rd character after "Ca". */
    onhand_error("Caé1", COL_SKU,
                 "character 'é' (U+00E9) at position 3 is not allowed: only letters and digits");
    onhand_error("éé€", COL_SKU,
                 "character 'é' (U+00E9) at position 1 is not allowed: only letters and digits");
    onhand_error("A\xF0\x9F\x98\x80", COL_SKU,
                 "character '\xF0\x9F\x98\x80' (U+1F600) at position 2 is not allowed: only "
                 "letters and digits");
    /* Invisible characters are named instead of printed. */
    onhand_error("A\xC2\xA0" "B", COL_SKU,
                 "character U+00A0 (no-break space) at position 2 is not allowed: only letters "
                 "and digits");
    onhand_error("\xEF\xBB\xBF" "A", COL_SKU,
                 "character U+FEFF (byte order mark) at position 1 is not allowed: only letters "
                 "and digits");
}

static void test_id_control_characters_not_printed(void **state)
{
    (void)state;
    onhand_error("ABC\nD", COL_SKU,
                 "character 0x0A (line break) at position 4 is not allowed: only letters and "
                 "digits");
    onhand_error("A\tB", COL_SKU,
                 "character 0x09 (tab) at position 2 is not allowed: only letters and digits");
    onhand_error("\x01" "A", COL_SKU,
                 "character 0x01 at position 1 is not allowed: only letters and digits");
    onhand_error("A\x7F", COL_SKU,
                 "character 0x7F at position 2 is not allowed: only letters and digits");
}

static void test_id_invalid_utf8_byte(void **state)
{
    (void)state;
    onhand_error("AB\xFF", COL_SKU,
                 "character 0xFF (not valid UTF-8) at position 3 is not allowed: only letters "
                 "and digits");
    /* A truncated sequence is one bad byte, never a read past the value. */
    onhand_error("A\xC3", COL_SKU,
                 "character 0xC3 (not valid UTF-8) at position 2 is not allowed: only letters "
                 "and digits");
}

static void test_id_required(void **state)
{
    (void)state;
    one_error("", "WH1", "onhand", "1", "", "", "", "", COL_SKU, "sku is required");
    one_error("A", "", "onhand", "1", "", "", "", "", COL_LOCATION_ID, "locationId is required");
}

static void test_id_at_most_64_characters(void **state)
{
    char s64[65], s70[71];
    struct sink s;
    struct position p;

    (void)state;
    memset(s64, 'a', 64);
    s64[64] = '\0';
    memset(s70, 'b', 70);
    s70[70] = '\0';
    assert_int_equal(parse(&s, &p, s64, s64, "intransit", "1", "", s64, "2026-11-20", ""), 0);
    assert_string_equal(p.sku, s64);
    assert_string_equal(p.location_id, s64);
    assert_string_equal(p.transit_ref, s64);
    onhand_error(s70, COL_SKU, "sku is 70 characters long: at most 64 allowed");
    one_error("A", "WH1", "intransit", "1", "", s70, "2026-11-20", "", COL_TRANSIT_REF,
              "transitRef is 70 characters long: at most 64 allowed");
}

/* ---- stockType ---- */

static void test_stock_type_onhand_or_intransit(void **state)
{
    (void)state;
    one_error("A", "WH1", "onhnd", "1", "", "", "", "", COL_STOCK_TYPE,
              "stockType \"onhnd\" must be onhand or intransit (or Stock/Transit)");
    one_error("A", "WH1", "on hand", "1", "", "", "", "", COL_STOCK_TYPE,
              "stockType \"on hand\" must be onhand or intransit (or Stock/Transit)");
    one_error("A", "WH1", "", "1", "", "", "", "", COL_STOCK_TYPE, "stockType is required");
}

static void test_stock_type_value_echo_is_bounded_and_escaped(void **state)
{
    char big[200];
    struct sink s;
    struct position p;

    (void)state;
    one_error("A", "WH1", "on\nhand", "1", "", "", "", "", COL_STOCK_TYPE,
              "stockType \"on\\x0Ahand\" must be onhand or intransit (or Stock/Transit)");
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(parse(&s, &p, "A", "WH1", big, "1", "", "", "", ""), 1);
    assert_string_equal(s.e[0].message,
                        "stockType \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\" must be onhand "
                        "or intransit (or Stock/Transit)");
    assert_string_equal(s.e[0].value, big); /* the full value still goes to the caller */
}

/* ---- quantity, reservedQuantity ---- */

static void test_quantity_digits_only(void **state)
{
    (void)state;
    one_error("A", "WH1", "onhand", "-5", "", "", "", "", COL_QUANTITY,
              "quantity must be a whole number of 0 or more: character '-' (0x2D) at position 1 "
              "is not allowed");
    one_error("A", "WH1", "onhand", "+5", "", "", "", "", COL_QUANTITY,
              "quantity must be a whole number of 0 or more: character '+' (0x2B) at position 1 "
              "is not allowed");
    one_error("A", "WH1", "onhand", "1.5", "", "", "", "", COL_QUANTITY,
              "quantity must be a whole number of 0 or more: character '.' (0x2E) at position 2 "
              "is not allowed");
    one_error("A", "WH1", "onhand", "1 0", "", "", "", "", COL_QUANTITY,
              "quantity must be a whole number of 0 or more: character ' ' (0x20) at position 2 "
              "is not allowed");
    one_error("A", "WH1", "onhand", "12", "x", "", "", "", COL_RESERVED,
              "reservedQuantity must be a whole number of 0 or more: character 'x' (0x78) at "
              "position 1 is not allowed");
}

static void test_quantity_required(void **state)
{
    (void)state;
    one_error("A", "WH1", "onhand", "", "", "", "", "", COL_QUANTITY, "quantity is required");
}

static void test_quantity_range_0_to_2147483647(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "A", "WH1", "onhand", "0", "2147483647", "", "", ""), 0);
    assert_int_equal(p.quantity, 0);
    assert_int_equal(p.reserved, 2147483647);
    assert_int_equal(parse(&s, &p, "A", "WH1", "onhand", "000000000000002147483647", "007", "",
                           "", ""),
                     0);
    assert_int_equal(p.quantity, 2147483647);
    assert_int_equal(p.reserved, 7);
    one_error("A", "WH1", "onhand", "3000000000", "", "", "", "", COL_QUANTITY,
              "quantity 3000000000 is larger than 2147483647");
    one_error("A", "WH1", "onhand", "1", "2147483648", "", "", "", COL_RESERVED,
              "reservedQuantity 2147483648 is larger than 2147483647");
    one_error("A", "WH1", "onhand", "99999999999999999999999", "", "", "", "", COL_QUANTITY,
              "quantity 99999999999999999999999 is larger than 2147483647");
}

/* ---- dates ---- */

static void test_dates_real_calendar_dates(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    one_error("A", "WH1", "intransit", "1", "", "PO1", "2026-11-20", "2027-02-29",
              COL_STOCK_DATE, "transitStockDate 2027-02-29 is not a real date (use YYYY-MM-DD)");
    one_error("A", "WH1", "intransit", "1", "", "PO1", "2026-13-01", "", COL_ORDER_DATE,
              "transitOrderDate 2026-13-01 is not a real date (use YYYY-MM-DD)");
    one_error("A", "WH1", "intransit", "1", "", "PO1", "0000-01-01", "", COL_ORDER_DATE,
              "transitOrderDate 0000-01-01 is not a real date (use YYYY-MM-DD)");
    assert_int_equal(parse(&s, &p, "A", "WH1", "intransit", "1", "", "PO1", "2028-02-29",
                           "2028-02-29"),
                     0); /* a leap day */
}

static void test_dates_yyyy_mm_dd(void **state)
{
    (void)state;
    one_error("A", "WH1", "intransit", "1", "", "PO1", "20/11/2026", "", COL_ORDER_DATE,
              "transitOrderDate \"20/11/2026\" is not a date: use YYYY-MM-DD");
    one_error("A", "WH1", "intransit", "1", "", "PO1", "2026-11-20", "2026-12-5",
              COL_STOCK_DATE, "transitStockDate \"2026-12-5\" is not a date: use YYYY-MM-DD");
    one_error("A", "WH1", "intransit", "1", "", "PO1", "2026-11-20T00:00", "", COL_ORDER_DATE,
              "transitOrderDate \"2026-11-20T00:00\" is not a date: use YYYY-MM-DD");
}

/* ---- onhand / intransit ---- */

static void test_onhand_transit_fields_empty(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    one_error("A", "WH1", "onhand", "1", "", "PO1", "", "", COL_TRANSIT_REF,
              "transitRef must be empty for onhand stock");
    assert_int_equal(
        parse(&s, &p, "A", "WH1", "Stock", "1", "", "PO1", "2026-11-20", "2026-12-15"), 3);
    assert_int_equal(s.e[0].col, COL_TRANSIT_REF);
    assert_int_equal(s.e[1].col, COL_ORDER_DATE);
    assert_string_equal(s.e[1].message, "transitOrderDate must be empty for onhand stock");
    assert_string_equal(s.e[1].value, "2026-11-20");
    assert_int_equal(s.e[2].col, COL_STOCK_DATE);
    assert_string_equal(s.e[2].message, "transitStockDate must be empty for onhand stock");
}

static void test_intransit_ref_and_order_date_required(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    one_error("A", "WH1", "intransit", "1", "", "", "2026-11-20", "", COL_TRANSIT_REF,
              "transitRef is required for intransit stock");
    one_error("A", "WH1", "Transit", "1", "", "PO1", "", "2026-12-15", COL_ORDER_DATE,
              "transitOrderDate is required for intransit stock");
    assert_int_equal(parse(&s, &p, "A", "WH1", "intransit", "1", "", "", "", ""), 2);
    assert_false(s.e[0].has_value);
    assert_false(s.e[1].has_value);
}

static void test_intransit_stock_date_not_before_order_date(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    one_error("A", "WH1", "intransit", "1", "", "PO1", "2026-11-20", "2026-11-01",
              COL_STOCK_DATE, "transitStockDate 2026-11-01 is before transitOrderDate 2026-11-20");
    assert_int_equal(parse(&s, &p, "A", "WH1", "intransit", "1", "", "PO1", "2026-11-20",
                           "2026-11-01"),
                     1);
    assert_string_equal(s.e[0].value, "2026-11-01");
}

/* ---- whole rows ---- */

static void test_row_reports_every_error(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "T SHIRT", "", "intransit", "-1", "1.0", "", "2026-02-30",
                           "2026-01-01"),
                     6);
    assert_int_equal(s.n, 6);
    assert_int_equal(s.e[0].col, COL_SKU);
    assert_string_equal(s.e[0].value, "T SHIRT");
    assert_int_equal(s.e[1].col, COL_LOCATION_ID);
    assert_string_equal(s.e[1].message, "locationId is required");
    assert_int_equal(s.e[2].col, COL_QUANTITY);
    assert_int_equal(s.e[3].col, COL_RESERVED);
    assert_int_equal(s.e[4].col, COL_TRANSIT_REF);
    assert_int_equal(s.e[5].col, COL_ORDER_DATE);
    assert_string_equal(s.e[5].message,
                        "transitOrderDate 2026-02-30 is not a real date (use YYYY-MM-DD)");
}

static void test_unknown_stock_type_still_checks_transit_fields(void **state)
{
    struct sink s;
    struct position p;

    (void)state;
    assert_int_equal(parse(&s, &p, "A", "WH1", "preorder", "1", "", "PO 1", "2026-11-20",
                           "2026-11-01"),
                     3);
    assert_int_equal(s.e[0].col, COL_STOCK_TYPE);
    assert_int_equal(s.e[1].col, COL_TRANSIT_REF);
    assert_int_equal(s.e[2].col, COL_STOCK_DATE);
}

static void test_parse_without_callback_counts(void **state)
{
    struct importrow_value v[COL_COUNT];
    struct position p;

    (void)state;
    row(v, "", "", "", "", "", "", "", "");
    /* sku, locationId, stockType, quantity: the transit rules wait for a known type. */
    assert_int_equal(importrow_parse(v, &p, NULL, NULL), 4);
}

/* ---- header ---- */

static void test_column_names_and_aliases(void **state)
{
    int c;

    (void)state;
    for (c = 0; c < COL_COUNT; c++)
        assert_int_equal(importrow_column(importrow_columns[c], strlen(importrow_columns[c]),
                                          false),
                         c);
    assert_string_equal(importrow_columns[COL_RESERVED], "reservedQuantity");
    assert_int_equal(importrow_column("SKU", 3, false), -1);
    assert_int_equal(importrow_column("type", 4, false), -1);
    assert_int_equal(importrow_column("type", 4, true), COL_STOCK_TYPE);
    assert_int_equal(importrow_column("totalQuantity", 13, true), COL_QUANTITY);
    assert_int_equal(importrow_column("sk", 2, false), -1);
    assert_int_equal(importrow_column("skus", 4, false), -1);
    assert_int_equal(importrow_column("sku\0", 4, false), -1);
    assert_int_equal(importrow_column(NULL, 0, true), -1);
}

static void test_header_any_order(void **state)
{
    struct sink s;
    int map[8];

    (void)state;
    assert_int_equal(header(&s, map, ALL_COLUMNS), 0);
    assert_int_equal(map[0], COL_SKU);
    assert_int_equal(map[7], COL_STOCK_DATE);
    assert_int_equal(header(&s, map,
                            "quantity,transitStockDate,sku,transitRef,stockType,locationId,"
                            "transitOrderDate"),
                     0);
    assert_int_equal(map[0], COL_QUANTITY);
    assert_int_equal(map[1], COL_STOCK_DATE);
    assert_int_equal(map[2], COL_SKU);
    assert_int_equal(map[6], COL_ORDER_DATE);
}

static void test_header_reserved_quantity_may_be_absent(void **state)
{
    struct sink s;
    int map[8];

    (void)state;
    assert_int_equal(header(&s, map,
                            "sku,locationId,stockType,quantity,transitRef,transitOrderDate,"
                            "transitStockDate"),
                     0);
}

static void test_header_unknown_columns(void **state)
{
    struct sink s;
    int map[9];

    (void)state;
    assert_int_equal(header(&s, map, ALL_COLUMNS ",qty"), 1);
    assert_int_equal(map[8], -1);
    assert_int_equal(s.e[0].col, -1);
    assert_string_equal(s.e[0].value, "qty");
    assert_string_equal(s.e[0].message, "unknown column \"qty\": the columns are " COLUMN_LIST);
    assert_int_equal(header(&s, map, ALL_COLUMNS ","), 1);
    assert_string_equal(s.e[0].message,
                        "column 9 of the header has no name: the columns are " COLUMN_LIST);
}

/* A spreadsheet's semicolon-separated "CSV": one error that says to use commas. */
static void test_header_semicolons(void **state)
{
    struct sink s;
    int map[1];

    (void)state;
    assert_int_equal(header(&s, map, "sku;locationId;stockType;quantity;transitRef;"
                                     "transitOrderDate;transitStockDate"),
                     1);
    assert_int_equal(s.n, 1);
    assert_int_equal(map[0], -1);
    assert_string_equal(s.e[0].message,
                        "the header has ';' between column names: values must be separated by "
                        "commas (save the file as comma-separated CSV)");
}

static void test_header_names_case_sensitive(void **state)
{
    struct sink s;
    int map[8];

    (void)state;
    assert_int_equal(header(&s, map,
                            "SKU,locationId,stockType,quantity,reservedQuantity,transitRef,"
                            "transitOrderDate,transitStockDate"),
                     2);
    assert_string_equal(s.e[0].message,
                        "unknown column \"SKU\": column names are case-sensitive, did you mean "
                        "\"sku\"?");
    assert_string_equal(s.e[1].message, "required column \"sku\" is missing");
    assert_false(s.e[1].has_value);
    assert_int_equal(header(&s, map, "sku, locationId,stockType,quantity,transitRef,"
                                     "transitOrderDate,transitStockDate"),
                     2);
    assert_string_equal(s.e[0].message,
                        "unknown column \" locationId\": column names must not have spaces "
                        "around them, did you mean \"locationId\"?");
}

static void test_header_aliases_not_in_csv(void **state)
{
    struct sink s;
    int map[8];

    (void)state;
    assert_int_equal(header(&s, map,
                            "sku,locationId,type,quantity,transitRef,transitOrderDate,"
                            "transitStockDate"),
                     2);
    assert_string_equal(s.e[0].message,
                        "unknown column \"type\": in a CSV file the column is \"stockType\"");
    assert_string_equal(s.e[1].message, "required column \"stockType\" is missing");
}

static void test_header_required_columns_exactly_once(void **state)
{
    struct sink s;
    int map[10];

    (void)state;
    assert_int_equal(header(&s, map, ALL_COLUMNS ",quantity"), 1);
    assert_string_equal(s.e[0].message, "column \"quantity\" appears twice");
    assert_string_equal(s.e[0].value, "quantity");
    assert_int_equal(map[3], COL_QUANTITY);
    assert_int_equal(map[8], -1);
    assert_int_equal(header(&s, map, ALL_COLUMNS ",sku,sku"), 1);
    assert_string_equal(s.e[0].message, "column \"sku\" appears 3 times");
    assert_int_equal(header(&s, map, "sku,locationId,stockType,quantity,transitOrderDate"), 2);
    assert_string_equal(s.e[0].message, "required column \"transitRef\" is missing");
    assert_string_equal(s.e[1].message, "required column \"transitStockDate\" is missing");
}

/* ---- file name ---- */

static void file_error(const char *name, const char *message)
{
    err_t e = {0};

    assert_int_equal(importrow_file_name(name, &e), ERR_INVALID);
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, message);
}

static void test_file_name_no_spaces(void **state)
{
    (void)state;
    file_error("my inv.csv",
               "file name \"my inv.csv\" contains a space: rename the file without spaces");
    file_error("my\tinv.csv",
               "file name \"my\\x09inv.csv\" contains a tab: rename the file without spaces");
    file_error("my\xC2\xA0inv.csv",
               "file name \"my\xC2\xA0inv.csv\" contains a space: rename the file without spaces");
}

static void test_file_name_ends_in_csv(void **state)
{
    err_t e;

    (void)state;
    assert_int_equal(importrow_file_name("inv.csv", &e), 0);
    assert_int_equal(importrow_file_name("INV.CSV", &e), 0);
    assert_int_equal(importrow_file_name("Inventar-2026_11.Csv", &e), 0);
    assert_int_equal(importrow_file_name("inv.csv", NULL), 0);
    assert_int_equal(importrow_file_name("x.txt", NULL), ERR_INVALID);
    file_error("inv.xlsx", "file name \"inv.xlsx\" must end in .csv: save the file as CSV");
    file_error("inv.csv.txt", "file name \"inv.csv.txt\" must end in .csv: save the file as CSV");
    file_error("csv", "file name \"csv\" must end in .csv: save the file as CSV");
    file_error(".csv",
               "file name \".csv\" has no name before .csv: name the file like inventory.csv");
}

static void test_file_name_not_empty_no_folders(void **state)
{
    (void)state;
    file_error("", "the file name is empty: name the file like inventory.csv");
    file_error(NULL, "the file name is empty: name the file like inventory.csv");
    file_error("a/inv.csv",
               "file name \"a/inv.csv\" contains '/': give the file's name only, without folders");
    file_error("C:\\inv.csv", "file name \"C:\\inv.csv\" contains '\\': give the file's name "
                              "only, without folders");
    file_error("a\x01.csv", "file name \"a\\x01.csv\" contains character 0x01: rename the file");
    file_error("\xFF.csv", "file name \"\\xFF.csv\" is not valid UTF-8: rename the file");
}

/* ---- job ---- */

static void test_job_free(void **state)
{
    struct import_job job;

    (void)state;
    memset(&job, 0, sizeof job);
    job.errors = calloc(3, sizeof *job.errors);
    job.nerrors = 3;
    import_job_free(&job);
    assert_null(job.errors);
    assert_int_equal(job.nerrors, 0);
    import_job_free(&job);
    import_job_free(NULL);
}


/* ---- limit columns (SPEC 9) ---- */

/* The four limit values of a row in column order: NULL is an empty cell, NULL_VALUE null. */
#define NULL_VALUE "\x01null"

static int limits_of(struct sink *s, unsigned *set, struct limits *l, const char *safety,
                     const char *preorder, const char *backorder, const char *low)
{
    struct importrow_value v[COL_COUNT];
    const char *lim[4] = {safety, preorder, backorder, low};

    memset(s, 0, sizeof *s);
    row(v, "TSHIRT1", "WH1", "onhand", "5", "", "", "", "");
    for (int k = 0; k < 4; k++) {
        struct importrow_value *x = &v[COL_SAFETY_STOCK + k];
        if (lim[k] && !strcmp(lim[k], NULL_VALUE))
            *x = (struct importrow_value){importrow_null, 0};
        else
            *x = (struct importrow_value){lim[k] ? lim[k] : "", lim[k] ? strlen(lim[k]) : 0};
    }
    return importrow_limits(v, set, l, collect, s);
}

static void test_limits_values_empty_and_null(void **state)
{
    struct sink s;
    struct limits l;
    unsigned set;

    (void)state;
    assert_int_equal(limits_of(&s, &set, &l, NULL, NULL, NULL, NULL), 0);
    assert_int_equal(set, 0u);
    assert_false(l.has_safety_stock || l.has_preorder_limit || l.has_backorder_limit ||
                 l.has_low_stock);

    assert_int_equal(limits_of(&s, &set, &l, "4", "", "0", "2147483647"), 0);
    assert_int_equal(set, 1u | 4u | 8u); /* an empty cell leaves preorderLimit alone */
    assert_true(l.has_safety_stock && l.has_backorder_limit && l.has_low_stock);
    assert_false(l.has_preorder_limit);
    assert_int_equal(l.safety_stock, 4);
    assert_int_equal(l.backorder_limit, 0);
    assert_int_equal(l.low_stock, 2147483647);

    /* the bulk API's null clears: named, without a value */
    assert_int_equal(limits_of(&s, &set, &l, NULL, NULL_VALUE, "007", NULL), 0);
    assert_int_equal(set, 2u | 4u);
    assert_false(l.has_preorder_limit);
    assert_true(l.has_backorder_limit);
    assert_int_equal(l.backorder_limit, 7);
}

static void test_limits_follow_the_quantity_rule(void **state)
{
    struct sink s;
    struct limits l;
    unsigned set;

    (void)state;
    assert_int_equal(limits_of(&s, &set, &l, "-1", "2147483648", "1.5", "x"), 4);
    assert_int_equal(set, 0u); /* a bad value sets nothing */
    assert_int_equal(s.e[0].col, COL_SAFETY_STOCK);
    assert_string_equal(s.e[0].value, "-1");
    assert_string_equal(s.e[0].message, "safetyStock must be a whole number of 0 or more: "
                                        "character '-' (0x2D) at position 1 is not allowed");
    assert_int_equal(s.e[1].col, COL_PREORDER_LIMIT);
    assert_string_equal(s.e[1].message, "preorderLimit 2147483648 is larger than 2147483647");
    assert_int_equal(s.e[2].col, COL_BACKORDER_LIMIT);
    assert_string_equal(s.e[2].message, "backorderLimit must be a whole number of 0 or more: "
                                        "character '.' (0x2E) at position 2 is not allowed");
    assert_int_equal(s.e[3].col, COL_LOW_STOCK);
    assert_string_equal(s.e[3].message, "lowStock must be a whole number of 0 or more: "
                                        "character 'x' (0x78) at position 1 is not allowed");

    /* one bad, one good: the good one is still read */
    assert_int_equal(limits_of(&s, &set, &l, "3", NULL, NULL, "1 0"), 1);
    assert_int_equal(set, 1u);
    assert_int_equal(l.safety_stock, 3);
    assert_string_equal(s.e[0].message, "lowStock must be a whole number of 0 or more: "
                                        "character ' ' (0x20) at position 2 is not allowed");
    /* importrow_parse leaves them to importrow_limits */
    struct importrow_value v[COL_COUNT];
    struct position p;
    row(v, "TSHIRT1", "WH1", "onhand", "5", "", "", "", "");
    v[COL_LOW_STOCK] = (struct importrow_value){"x", 1};
    assert_int_equal(importrow_parse(v, &p, NULL, NULL), 0);
}

static void test_header_limit_columns_optional(void **state)
{
    struct sink s;
    int map[16];

    (void)state;
    assert_int_equal(header(&s, map, ALL_COLUMNS ",lowStock,safetyStock"), 0);
    assert_int_equal(map[8], COL_LOW_STOCK);
    assert_int_equal(map[9], COL_SAFETY_STOCK);
    assert_int_equal(header(&s, map, ALL_COLUMNS ",preorderLimit,backorderLimit"), 0);
    assert_int_equal(map[8], COL_PREORDER_LIMIT);
    assert_int_equal(map[9], COL_BACKORDER_LIMIT);
    assert_int_equal(header(&s, map, ALL_COLUMNS ",safetystock,lowStock,lowStock"), 2);
    assert_string_equal(s.e[0].message, "unknown column \"safetystock\": column names are "
                                        "case-sensitive, did you mean \"safetyStock\"?");
    assert_string_equal(s.e[1].message, "column \"lowStock\" appears twice");
    assert_string_equal(importrow_template,
                        ALL_COLUMNS "\n"
                        "TSHIRT1,WH1,onhand,25,0,,,\n"
                        "TSHIRT1,WH1,intransit,100,0,PO1001,2026-11-20,2026-12-15\n"
                        "HOODIE2,WH1,intransit,50,0,ADV2,2026-11-20,\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_onhand_row),
        cmocka_unit_test(test_valid_preorder_row),
        cmocka_unit_test(test_valid_backorder_row),
        cmocka_unit_test(test_stock_date_same_as_order_date_is_valid),
        cmocka_unit_test(test_stock_type_aliases_any_case),
        cmocka_unit_test(test_reserved_quantity_empty_is_zero),
        cmocka_unit_test(test_id_only_letters_and_digits),
        cmocka_unit_test(test_id_reports_first_bad_character_only),
        cmocka_unit_test(test_id_non_ascii_named_by_code_point),
        cmocka_unit_test(test_id_control_characters_not_printed),
        cmocka_unit_test(test_id_invalid_utf8_byte),
        cmocka_unit_test(test_id_required),
        cmocka_unit_test(test_id_at_most_64_characters),
        cmocka_unit_test(test_stock_type_onhand_or_intransit),
        cmocka_unit_test(test_stock_type_value_echo_is_bounded_and_escaped),
        cmocka_unit_test(test_quantity_digits_only),
        cmocka_unit_test(test_quantity_required),
        cmocka_unit_test(test_quantity_range_0_to_2147483647),
        cmocka_unit_test(test_dates_real_calendar_dates),
        cmocka_unit_test(test_dates_yyyy_mm_dd),
        cmocka_unit_test(test_onhand_transit_fields_empty),
        cmocka_unit_test(test_intransit_ref_and_order_date_required),
        cmocka_unit_test(test_intransit_stock_date_not_before_order_date),
        cmocka_unit_test(test_row_reports_every_error),
        cmocka_unit_test(test_unknown_stock_type_still_checks_transit_fields),
        cmocka_unit_test(test_parse_without_callback_counts),
        cmocka_unit_test(test_column_names_and_aliases),
        cmocka_unit_test(test_header_any_order),
        cmocka_unit_test(test_header_reserved_quantity_may_be_absent),
        cmocka_unit_test(test_header_unknown_columns),
        cmocka_unit_test(test_header_semicolons),
        cmocka_unit_test(test_header_names_case_sensitive),
        cmocka_unit_test(test_header_aliases_not_in_csv),
        cmocka_unit_test(test_header_required_columns_exactly_once),
        cmocka_unit_test(test_file_name_no_spaces),
        cmocka_unit_test(test_file_name_ends_in_csv),
        cmocka_unit_test(test_file_name_not_empty_no_folders),
        cmocka_unit_test(test_job_free),
        cmocka_unit_test(test_limits_values_empty_and_null),
        cmocka_unit_test(test_limits_follow_the_quantity_rule),
        cmocka_unit_test(test_header_limit_columns_optional),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

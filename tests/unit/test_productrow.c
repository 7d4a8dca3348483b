/* Product row rules (SPEC 5.3), shared by the products CSV and POST /v1/products: one test
 * per rule, asserting column and exact message. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/importrow.h"

#define MAXERR 8

struct got {
    int col;
    char value[2100];
    char message[256];
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
    assert_true(strlen(message) < 256); /* fits struct import_error.message */
    g = &s->e[s->n++];
    g->col = col;
    assert_true(vlen < sizeof g->value);
    if (value)
        memcpy(g->value, value, vlen);
    g->value[value ? vlen : 0] = '\0';
    snprintf(g->message, sizeof g->message, "%s", message);
}

/* A row from six C strings in column order; NULL is an empty value. */
static int parse(struct sink *s, struct product *p, const char *sku, const char *name,
                 const char *price, const char *currency, const char *desc, const char *url)
{
    const char *v[PCOL_COUNT] = {sku, name, price, currency, desc, url};
    struct importrow_value vals[PCOL_COUNT];

    for (int c = 0; c < PCOL_COUNT; c++)
        vals[c] = (struct importrow_value){v[c], v[c] ? strlen(v[c]) : 0};
    memset(s, 0, sizeof *s);
    return productrow_parse(vals, p, collect, s);
}

static void one_error(const char *sku, const char *name, const char *price,
                      const char *currency, const char *desc, const char *url, int col,
                      const char *message)
{
    struct sink s;
    struct product p;

    assert_int_equal(parse(&s, &p, sku, name, price, currency, desc, url), 1);
    assert_int_equal(s.e[0].col, col);
    assert_string_equal(s.e[0].message, message);
}

static void test_valid_row(void **state)
{
    struct sink s;
    struct product p;

    (void)state;
    assert_int_equal(parse(&s, &p, "TSHIRT1", "Organic T-shirt", "2500", "EUR",
                           "Soft.\nTwo lines.", "https://cdn.example.com/t.jpg"),
                     0);
    assert_string_equal(p.sku, "TSHIRT1");
    assert_string_equal(p.name, "Organic T-shirt");
    assert_int_equal(p.price, 2500);
    assert_string_equal(p.currency, "EUR");
    assert_string_equal(p.description, "Soft.\nTwo lines.");
    assert_string_equal(p.image_url, "https://cdn.example.com/t.jpg");
}

static void test_optional_columns_default(void **state)
{
    struct sink s;
    struct product p;

    (void)state;
    assert_int_equal(parse(&s, &p, "MUG3", "Mug", "0", NULL, NULL, NULL), 0);
    assert_string_equal(p.currency, "USD");
    assert_string_equal(p.description, "");
    assert_string_equal(p.image_url, "");
    assert_int_equal(p.price, 0);
}

static void test_sku_rule(void **state)
{
    (void)state;
    one_error("P-1", "x", "1", NULL, NULL, NULL, PCOL_SKU,
              "character '-' (0x2D) at position 2 is not allowed: only letters and digits");
    one_error(NULL, "x", "1", NULL, NULL, NULL, PCOL_SKU, "sku is required");
}

static void test_name_rules(void **state)
{
    char longname[PRODUCT_NAME_MAX + 2];

    (void)state;
    one_error("A1", NULL, "1", NULL, NULL, NULL, PCOL_NAME, "name is required");
    one_error("A1", "   ", "1", NULL, NULL, NULL, PCOL_NAME, "name is required");
    one_error("A1", "Two\nlines", "1", NULL, NULL, NULL, PCOL_NAME,
              "name: character 0x0A (line break) at position 4 is not allowed: a name is one "
              "line of text");
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    one_error("A1", longname, "1", NULL, NULL, NULL, PCOL_NAME,
              "name is 201 bytes long: at most 200 allowed");
}

static void test_description_rules(void **state)
{
    char *d = malloc(PRODUCT_TEXT_MAX + 2);

    (void)state;
    one_error("A1", "x", "1", NULL, "bell\a", NULL, PCOL_DESCRIPTION,
              "description: character 0x07 at position 5 is not allowed");
    memset(d, 'd', PRODUCT_TEXT_MAX + 1);
    d[PRODUCT_TEXT_MAX + 1] = '\0';
    one_error("A1", "x", "1", NULL, d, NULL, PCOL_DESCRIPTION,
              "description is 2001 bytes long: at most 2000 allowed");
    free(d);
}

static void test_price_rules(void **state)
{
    struct sink s;
    struct product p;

    (void)state;
    one_error("A1", "x", NULL, NULL, NULL, NULL, PCOL_PRICE, "price is required");
    one_error("A1", "x", "19.99", NULL, NULL, NULL, PCOL_PRICE,
              "price must be a whole number of minor units (1999 for 19.99): character '.' "
              "(0x2E) at position 3 is not allowed");
    one_error("A1", "x", "-1", NULL, NULL, NULL, PCOL_PRICE,
              "price must be a whole number of minor units (1999 for 19.99): character '-' "
              "(0x2D) at position 1 is not allowed");
    one_error("A1", "x", "1000000000001", NULL, NULL, NULL, PCOL_PRICE,
              "price 1000000000001 is larger than 1000000000000");
    one_error("A1", "x", "99999999999999999999", NULL, NULL, NULL, PCOL_PRICE,
              "price 99999999999999999999 is larger than 1000000000000");
    assert_int_equal(parse(&s, &p, "A1", "x", "1000000000000", NULL, NULL, NULL), 0);
    assert_int_equal(p.price, PRODUCT_PRICE_MAX);
    assert_int_equal(parse(&s, &p, "A1", "x", "000150", NULL, NULL, NULL), 0);
    assert_int_equal(p.price, 150);
}

static void test_currency_rule(void **state)
{
    (void)state;
    one_error("A1", "x", "1", "usd", NULL, NULL, PCOL_CURRENCY,
              "currency \"usd\" must be an ISO 4217 code of three capital letters, such as USD");
    one_error("A1", "x", "1", "EURO", NULL, NULL, PCOL_CURRENCY,
              "currency \"EURO\" must be an ISO 4217 code of three capital letters, such as "
              "USD");
    one_error("A1", "x", "1", "E1R", NULL, NULL, PCOL_CURRENCY,
              "currency \"E1R\" must be an ISO 4217 code of three capital letters, such as USD");
}

static void test_image_url_rules(void **state)
{
    char *u = malloc(PRODUCT_URL_MAX + 2);

    (void)state;
    one_error("A1", "x", "1", NULL, NULL, "http://cdn.example.com/a.jpg", PCOL_IMAGE_URL,
              "imageUrl \"http://cdn.example.com/a.jpg\" must use https://, not http://: "
              "browsers block http:// images on a shop served over https");
    one_error("A1", "x", "1", NULL, NULL, "/img/a.jpg", PCOL_IMAGE_URL,
              "imageUrl \"/img/a.jpg\" must be an https:// URL, such as "
              "https://cdn.example.com/tshirt.jpg");
    one_error("A1", "x", "1", NULL, NULL, "https:///a.jpg", PCOL_IMAGE_URL,
              "imageUrl \"https:///a.jpg\" has no host name after https://");
    one_error("A1", "x", "1", NULL, NULL, "https://cdn.example.com/my pic.jpg", PCOL_IMAGE_URL,
              "imageUrl: character ' ' (0x20) at byte 27 is not allowed in a URL: "
              "percent-encode it");
    memcpy(u, "https://", 8);
    memset(u + 8, 'a', PRODUCT_URL_MAX - 7);
    u[PRODUCT_URL_MAX + 1] = '\0';
    one_error("A1", "x", "1", NULL, NULL, u, PCOL_IMAGE_URL,
              "imageUrl is 1001 bytes long: at most 1000 allowed");
    free(u);
}

static void test_every_column_checked(void **state)
{
    struct sink s;
    struct product p;

    (void)state;
    assert_int_equal(parse(&s, &p, "A-1", NULL, "x", "usd", NULL, "ftp://a"), 5);
    assert_int_equal(s.e[0].col, PCOL_SKU);
    assert_int_equal(s.e[1].col, PCOL_NAME);
    assert_int_equal(s.e[2].col, PCOL_PRICE);
    assert_string_equal(s.e[2].value, "x");
    assert_int_equal(s.e[3].col, PCOL_CURRENCY);
    assert_int_equal(s.e[4].col, PCOL_IMAGE_URL);
}

static int header(struct sink *s, int *map, const char *line)
{
    struct importrow_value names[16];
    size_t n = 0;
    const char *p = line, *comma;

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
    return productrow_header(names, n, map, collect, s);
}

static void test_header(void **state)
{
    struct sink s;
    int map[16];

    (void)state;
    assert_int_equal(header(&s, map, "price,sku,name"), 0);
    assert_int_equal(map[0], PCOL_PRICE);
    assert_int_equal(map[1], PCOL_SKU);
    assert_int_equal(map[2], PCOL_NAME);
    assert_int_equal(header(&s, map, "sku,name,price,currency,description,imageUrl"), 0);
    assert_int_equal(map[5], PCOL_IMAGE_URL);

    assert_int_equal(header(&s, map, "sku,name"), 1);
    assert_string_equal(s.e[0].message, "required column \"price\" is missing");
    assert_int_equal(s.e[0].col, -1);

    assert_int_equal(header(&s, map, "sku,Name,price"), 2);
    assert_string_equal(s.e[0].message,
                        "unknown column \"Name\": column names are case-sensitive, did you "
                        "mean \"name\"?");
    assert_string_equal(s.e[1].message, "required column \"name\" is missing");

    assert_int_equal(header(&s, map, "sku,name,price,colour"), 1);
    assert_string_equal(s.e[0].message,
                        "unknown column \"colour\": the columns are sku, name, price, "
                        "currency, description, imageUrl, itemId");

    assert_int_equal(header(&s, map, "sku,name,price,locationId"), 1);
    assert_string_equal(s.e[0].message,
                        "unknown column \"locationId\": this is an inventory file, import it "
                        "with sellahead import (the products columns are sku, name, price, "
                        "currency, description, imageUrl, itemId)");

    assert_int_equal(header(&s, map, "sku,name,price,sku"), 1);
    assert_string_equal(s.e[0].message, "column \"sku\" appears 2 times");
}

static void test_column_names_by_source(void **state)
{
    (void)state;
    assert_string_equal(import_column_name(IMPORT_PRODUCTS, PCOL_IMAGE_URL), "imageUrl");
    assert_string_equal(import_column_name(IMPORT_CSV, COL_LOCATION_ID), "locationId");
    assert_null(import_column_name(IMPORT_PRODUCTS, -1));
    assert_int_equal(productrow_column("imageUrl", 8), PCOL_IMAGE_URL);
    assert_int_equal(productrow_column("imageurl", 8), -1);
}

static void test_template_parses(void **state)
{
    struct sink s;
    struct product p;

    (void)state;
    assert_non_null(strstr(productrow_template, "sku,name,price,currency,description,imageUrl\n"));
    assert_int_equal(parse(&s, &p, "TSHIRT1", "Organic cotton T-shirt", "2500", "USD",
                           "Soft and heavy. Ships from our warehouse.",
                           "https://cdn.example.com/tshirt1.jpg"),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_row),
        cmocka_unit_test(test_optional_columns_default),
        cmocka_unit_test(test_sku_rule),
        cmocka_unit_test(test_name_rules),
        cmocka_unit_test(test_description_rules),
        cmocka_unit_test(test_price_rules),
        cmocka_unit_test(test_currency_rule),
        cmocka_unit_test(test_image_url_rules),
        cmocka_unit_test(test_every_column_checked),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_column_names_by_source),
        cmocka_unit_test(test_template_parses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

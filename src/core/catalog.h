/* Catalog records: products (what the storefront sells) and locations (where stock is). */
#ifndef SELLAHEAD_CATALOG_H
#define SELLAHEAD_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "core/position.h"

#define PRODUCT_NAME_MAX 200
#define PRODUCT_TEXT_MAX 2000
#define PRODUCT_URL_MAX 1000
/* The highest price, in minor units (10^12): with ORDER_QTY_MAX units a line still fits in
 * 64 bits. */
#define PRODUCT_PRICE_MAX 1000000000000LL

struct product {
    char sku[ID_MAX + 1];
    char name[PRODUCT_NAME_MAX + 1];
    int64_t price; /* minor units */
    char currency[4];
    char description[PRODUCT_TEXT_MAX + 1];
    char image_url[PRODUCT_URL_MAX + 1];
    int64_t item_id; /* fabric's itemId (SPEC 9), unique; 0 when none */
};

struct location {
    char id[ID_MAX + 1];
    char name[PRODUCT_NAME_MAX + 1];
};

/* One row of a page of SKUs: every SKU that has a product or a position. */
struct sku_entry {
    char sku[ID_MAX + 1];
    char name[PRODUCT_NAME_MAX + 1]; /* "" without a product */
};

#endif

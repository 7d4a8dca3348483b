/* Import row rules (SPEC section 3), shared by the CSV upload and the bulk API, and the
 * import job record. Pure: values in, a position or error messages out. */
#ifndef SELLAHEAD_IMPORTROW_H
#define SELLAHEAD_IMPORTROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/err.h"
#include "core/position.h"

enum import_col {
    COL_SKU = 0,
    COL_LOCATION_ID,
    COL_STOCK_TYPE,
    COL_QUANTITY,
    COL_RESERVED,
    COL_TRANSIT_REF,
    COL_ORDER_DATE,
    COL_STOCK_DATE,
    COL_CHANNEL_ID, /* SPEC 9: optional; empty for none */
    /* SPEC 9: optional, the limits of the row's (sku, locationId); importrow_limits */
    COL_SAFETY_STOCK,
    COL_PREORDER_LIMIT,
    COL_BACKORDER_LIMIT,
    COL_LOW_STOCK,
    COL_COUNT,
    /* A bulk record's field that is no CSV column: only errors name it, as a column. */
    COL_ITEM_ID = COL_COUNT
};

/* Header names exactly as SPEC section 3 spells them, indexed by enum import_col. */
extern const char *const importrow_columns[COL_COUNT];

struct importrow_value {
    const char *s; /* need not be NUL-terminated */
    size_t len;
};

/* col: an enum import_col or -1 (file level); value may be NULL. */
typedef void (*importrow_error_fn)(void *ctx, int col, const char *value, size_t vlen,
                                   const char *message);

/* Column for a header name; aliases (`type`, `totalQuantity`) only when allow_aliases.
 * -1 when unknown. */
int importrow_column(const char *name, size_t len, bool allow_aliases);

/* Validates a CSV header of n names; fills map[i] with the column of name i.
 * Reports each problem through on_error (col -1) and returns the number of problems. */
int importrow_header(const struct importrow_value *names, size_t n, int *map,
                     importrow_error_fn on_error, void *ctx);

/* Checks one row (values indexed by column; absent = len 0) and fills out.
 * Returns the number of errors reported through on_error. Location existence and
 * duplicates within a file are checked by the importer, which knows the store. */
int importrow_parse(const struct importrow_value vals[COL_COUNT], struct position *out,
                    importrow_error_fn on_error, void *ctx);

/* A value that stands for JSON null (the bulk API): empty for every rule, but a limit
 * column given null clears that limit (as PUT /v1/inventory/limits does). */
extern const char importrow_null[];

/* The limit columns of one row (SPEC 9): *set gets bit k for column COL_SAFETY_STOCK + k
 * when it has a value or is importrow_null, and out that value (has_ false for null); an
 * empty value leaves the limit as it is. Values follow the quantity rule. Returns the
 * number of errors reported through on_error. */
int importrow_limits(const struct importrow_value vals[COL_COUNT], unsigned *set,
                     struct limits *out, importrow_error_fn on_error, void *ctx);

/* The identifier rule (sku, locationId, transitRef) for one value, for callers outside
 * imports (products, locations): 0 or ERR_INVALID with the message in e. */
int importrow_id(int col, const char *s, size_t len, err_t *e);

/* The CSV template: header and three example rows. */
extern const char importrow_template[];

/* Checks a file name: no spaces, ends in .csv (any case). 0 or ERR_INVALID with e. */
int importrow_file_name(const char *name, err_t *e);

/* --- the job record (SPEC section 3) --- */

#define IMPORT_ERRORS_MAX 1000
#define IMPORT_VALUE_MAX 128 /* longest bad value echoed back in an error */

enum import_source { IMPORT_CSV = 0, IMPORT_API = 1 };
enum import_status { IMPORT_COMPLETED = 0, IMPORT_FAILED = 1 };

struct import_error {
    int64_t line;
    int col; /* enum import_col, or -1 for null */
    bool has_value;
    char value[IMPORT_VALUE_MAX + 1];
    char message[256];
};

struct import_job {
    char id[48];
    int source;
    char file_name[256];
    int status;
    int64_t total_rows, rows_applied, total_errors;
    struct import_error *errors; /* owned; at most IMPORT_ERRORS_MAX */
    size_t nerrors;
    char created_at[24], finished_at[24]; /* "2026-11-27T10:00:00Z" */
    /* Inventory jobs: SKUs written that have no product, so are not for sale. */
    struct import_warning *warnings; /* owned; at most IMPORT_WARNINGS_MAX */
    size_t nwarnings;
    int64_t total_warnings;
};

#define IMPORT_WARNINGS_MAX 1000

struct import_warning {
    char sku[ID_MAX + 1];
    char message[160];
};

/* The warning an inventory job gives a SKU without a product. */
void import_warning_set(struct import_warning *w, const char *sku);

void import_job_free(struct import_job *job);

/* --- products (SPEC 5.3): the catalog CSV and POST /v1/products check values with the same
 * rules. Column indexes share struct import_error.col with enum import_col; a job's source
 * (IMPORT_PRODUCTS) tells which names they stand for. --- */

enum product_col {
    PCOL_SKU = 0,
    PCOL_NAME,
    PCOL_PRICE,
    PCOL_CURRENCY,
    PCOL_DESCRIPTION,
    PCOL_IMAGE_URL,
    PCOL_ITEM_ID, /* SPEC 9: optional */
    PCOL_COUNT
};

#define IMPORT_PRODUCTS 2         /* a job's source: the products CSV */
#define PRODUCT_PRICE_MAX 1000000000000LL /* 10^12 minor units */
#define PRODUCT_ITEM_ID_MAX 9007199254740991LL /* 2^53 - 1: exact in every JSON reader */

extern const char *const productrow_columns[PCOL_COUNT];

/* Column for a header name (or a JSON field name); -1 when unknown. */
int productrow_column(const char *name, size_t len);

/* Like importrow_header for the products CSV: sku, name and price are required. */
int productrow_header(const struct importrow_value *names, size_t n, int *map,
                      importrow_error_fn on_error, void *ctx);

/* Checks one product (values indexed by enum product_col; absent = len 0) and fills out;
 * an empty currency is USD. Returns the number of errors reported through on_error. */
int productrow_parse(const struct importrow_value vals[PCOL_COUNT], struct product *out,
                     importrow_error_fn on_error, void *ctx);

/* The products CSV template: header and two example rows. */
extern const char productrow_template[];

/* The name of column col of a job's errors: inventory or product columns by source
 * (COL_ITEM_ID: "itemId"). NULL for -1. */
const char *import_column_name(int source, int col);

#endif

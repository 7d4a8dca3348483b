/* Import row rules (SPEC section 3), shared by the CSV upload and the bulk API, and the
 * import job record. Pure: values in, a position or error messages out. */
#ifndef SELLAHEAD_IMPORTROW_H
#define SELLAHEAD_IMPORTROW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
    COL_COUNT
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

/* The identifier rule (sku, locationId, transitRef) for one value, for callers outside
 * imports (products, locations): 0 or ERR_INVALID with the message in msg. */
int importrow_id(int col, const char *s, size_t len, char *msg, size_t cap);

/* The CSV template: header and three example rows. */
extern const char importrow_template[];

/* Checks a file name: no spaces, ends in .csv (any case). 0 or ERR_INVALID with msg. */
int importrow_file_name(const char *name, char *msg, size_t cap);

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
};

void import_job_free(struct import_job *job);

#endif

/* Storage behind one interface, like curl's struct Curl_ssl: a table of operations that each
 * backend fills. SQL lives only in the backends. A struct store is one connection, used by
 * one thread at a time. All functions return 0 or a negative ERR_ code and fill err. */
#ifndef SELLAHEAD_STORE_H
#define SELLAHEAD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/err.h"
#include "core/importrow.h"
#include "core/position.h"
#include "core/settings.h"

#define APIKEY_HASH_LEN 32

struct store;

struct store_ops {
    const char *name;
    void (*close)(struct store *st);

    /* Transactions. A write transaction takes the write lock at once (BEGIN IMMEDIATE). */
    int (*begin)(struct store *st, bool write, err_t *e);
    int (*commit)(struct store *st, err_t *e);
    void (*rollback)(struct store *st);
    /* Changes whenever anything was committed, by any connection or process; lets callers
     * cache derived documents. */
    uint64_t (*version)(struct store *st);

    int (*location_add)(struct store *st, const struct location *l, err_t *e);
    int (*location_list)(struct store *st, struct location **out, size_t *n, err_t *e);

    int (*product_upsert)(struct store *st, const struct product *p, err_t *e);
    int (*product_get)(struct store *st, const char *sku, struct product *out, err_t *e);
    /* Up to limit products with sku > after, by sku. Caller frees *out. */
    int (*product_page)(struct store *st, const char *after, size_t limit,
                        struct product **out, size_t *n, err_t *e);

    /* Appends the SKU's positions (any order) to out. */
    int (*positions_by_sku)(struct store *st, const char *sku, struct position_list *out,
                            err_t *e);
    /* Whether a SKU has a product or a position. */
    int (*sku_exists)(struct store *st, const char *sku, bool *exists, err_t *e);
    /* Up to limit SKUs > after (products and positions), by sku; q filters on a substring
     * of sku or product name when not NULL/empty. Caller frees *out. */
    int (*sku_page)(struct store *st, const char *after, size_t limit, const char *q,
                    struct sku_entry **out, size_t *n, err_t *e);

    /* Inside a write transaction: sets a position's quantity, reserved and dates (never its
     * allocation). *duplicate is set when the same run (a random token) already wrote this
     * position, which is how a position named twice in one file is found without memory. */
    int (*position_import)(struct store *st, const struct position *p, int64_t run,
                           bool *duplicate, err_t *e);

    int (*import_save)(struct store *st, const struct import_job *job, err_t *e);
    /* Fills job including its listed errors (owned by job). */
    int (*import_get)(struct store *st, const char *id, struct import_job *job, err_t *e);
    /* Newest first, without errors. Caller frees *out with free(). */
    int (*import_list)(struct store *st, size_t limit, struct import_job **out, size_t *n,
                       err_t *e);

    int (*settings_get)(struct store *st, struct settings *out, err_t *e);
    int (*settings_put)(struct store *st, const struct settings *s, err_t *e);

    int (*apikey_add)(struct store *st, const char *id, const char *name,
                      const unsigned char hash[APIKEY_HASH_LEN], err_t *e);
    int (*apikey_hash)(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                       err_t *e);

    /* Idempotency keys: the id of what a (scope, key) first produced. */
    int (*idem_get)(struct store *st, const char *scope, const char *key, char *result,
                    size_t cap, err_t *e);
    int (*idem_put)(struct store *st, const char *scope, const char *key, const char *result,
                    err_t *e);
};

struct store {
    const struct store_ops *ops;
};

/* Opens a connection: a postgresql:// URL selects PostgreSQL, anything else is a SQLite
 * file path. Creates or migrates the schema. */
int store_open(const char *url, struct store **out, err_t *e);
/* The database named by --db, SELLAHEAD_DB, or ./sellahead.db. */
const char *store_default_url(const char *flag);

int store_sqlite_open(const char *path, struct store **out, err_t *e);

#endif

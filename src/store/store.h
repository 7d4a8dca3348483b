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
#include "core/order.h"
#include "core/outbox.h"
#include "core/position.h"
#include "core/settings.h"

#define APIKEY_HASH_LEN 32
/* How often a transaction that failed with ERR_RETRY (it lost a race) is run again. */
#define STORE_ATTEMPTS 5
#define SESSION_HASH_LEN 32
#define SESSION_CSRF_LEN 32

struct store;

/* Units of one shipment held on one position. */
struct alloc_row {
    char shipment_id[ORDER_ID_MAX];
    int64_t shipment_seq;
    struct position pos; /* key fields only: sku, location_id, stock_type, transit_ref */
    int64_t quantity;
};

/* --- copying a whole database (sellahead migrate) --- */

enum store_type { STORE_NULL = 0, STORE_INT, STORE_TEXT, STORE_BLOB };

struct store_value {
    int type;
    int64_t i;      /* STORE_INT */
    const char *p;  /* STORE_TEXT, STORE_BLOB; valid during the callback */
    size_t len;
};

#define STORE_COLS_MAX 16

/* A table as both backends have it: the columns to copy (not identity columns, which the
 * target numbers itself) and each backend's ORDER BY for the original insertion order. */
struct store_table {
    const char *name;
    const char *cols[STORE_COLS_MAX];
    size_t ncols;
    const char *order_sqlite, *order_pg;
};

/* Every table, parents before children. */
extern const struct store_table store_tables[];
extern const size_t store_ntables;

typedef int (*store_row_fn)(void *ctx, const struct store_value *vals, err_t *e);

/* A position that a run names twice, reported at its later line. */
typedef void (*store_dup_fn)(void *ctx, int64_t line, const struct position *p);

/* One broken invariant, as a sentence; nonzero stops the check. */
typedef int (*store_check_fn)(void *ctx, const char *problem);

struct store_ops {
    const char *name;
    /* Whether many writes should share one commit (batch_begin). Right for SQLite, where
     * writers take turns anyway and each commit costs an fsync; wrong for PostgreSQL, where
     * a batch would hold every row lock of its orders until it commits and so couple
     * unrelated orders (and servers) into waits and deadlocks. */
    bool group_commit;
    void (*close)(struct store *st);

    /* Transactions. A write transaction takes the write lock at once (BEGIN IMMEDIATE). */
    int (*begin)(struct store *st, bool write, err_t *e);
    int (*commit)(struct store *st, err_t *e);
    void (*rollback)(struct store *st);
    /* Group commit: opens one write transaction in which begin/commit/rollback act on
     * savepoints, so many transactions share one durable commit. batch_end commits (or
     * rolls back) them all. */
    int (*batch_begin)(struct store *st, err_t *e);
    int (*batch_end)(struct store *st, bool commit, err_t *e);
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
    /* Inside a write transaction: the SKU's positions, locked against other transactions
     * until it ends, in key order (so two transactions never wait on each other in a
     * circle); and an order, locked the same way. SQLite's write transaction already
     * excludes every other writer, so there these only read. */
    int (*positions_lock)(struct store *st, const char *sku, struct position_list *out,
                          err_t *e);
    int (*order_lock)(struct store *st, const char *id, err_t *e);
    /* Whether a SKU has a product or a position. */
    int (*sku_exists)(struct store *st, const char *sku, bool *exists, err_t *e);
    /* Up to limit SKUs > after (products and positions), by sku; q filters on a substring
     * of sku or product name when not NULL/empty. Caller frees *out. */
    int (*sku_page)(struct store *st, const char *after, size_t limit, const char *q,
                    struct sku_entry **out, size_t *n, err_t *e);

    /* Imports, inside a write transaction. position_import takes one row of a run (a
     * random token) from the given line: it sets the position's quantity, reserved and dates,
     * never its allocation. A backend may write it at once, setting *duplicate when the run
     * already wrote that position (found without memory), or stage it for import_apply and
     * find duplicates in import_flush, which reports every one not reported yet. Call
     * import_flush and then, when the job has no error, import_apply before committing. */
    int (*position_import)(struct store *st, const struct position *p, int64_t run,
                           int64_t line, bool *duplicate, err_t *e);
    int (*import_flush)(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e);
    int (*import_apply)(struct store *st, int64_t run, err_t *e);

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

    /* --- orders; all inside a write transaction --- */

    int (*order_next_number)(struct store *st, int64_t *number, err_t *e);
    /* Inserts the order with its lines, shipments (their items) and payment; assigns each
     * shipment's seq, increasing across all orders. */
    int (*order_insert)(struct store *st, struct order_rec *o, err_t *e);
    /* Fills o completely (caller frees with order_rec_free). ERR_NOTFOUND when unknown. */
    int (*order_get)(struct store *st, const char *id, struct order_rec *o, err_t *e);
    /* Up to limit order ids, newest first, older than `before` when given. Caller frees. */
    int (*order_page)(struct store *st, const char *before, size_t limit,
                      char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
    int (*order_by_shipment)(struct store *st, const char *shipment_id,
                             char order_id[ORDER_ID_MAX], err_t *e);
    int (*order_set_status)(struct store *st, const char *id, int status, err_t *e);
    /* Saves a shipment's status, tracking number and shipped_at. */
    int (*shipment_update)(struct store *st, const struct shipment_rec *sh, err_t *e);
    int (*payment_update)(struct store *st, const char *order_id, const struct payment *p,
                          err_t *e);
    /* shipment_id may be NULL (a capture of the whole order). */
    int (*capture_add)(struct store *st, const char *order_id, const char *shipment_id,
                       int64_t amount, err_t *e);

    /* Adds qty to a position's allocation only while that many are available;
     * ERR_CONFLICT (nothing changed) otherwise. The guard against overselling. */
    int (*position_allocate)(struct store *st, const struct position *key, int64_t qty,
                             err_t *e);
    /* Adds the deltas to a position's quantity and allocation, creating the position (onhand
     * only) when it does not exist. Never lets either fall below zero (ERR_CONFLICT). */
    int (*position_adjust)(struct store *st, const struct position *key, int64_t d_quantity,
                           int64_t d_allocated, err_t *e);
    /* Adds qty units of a shipment held on a position (a negative qty takes them away;
     * the row goes when it reaches zero). */
    int (*alloc_add)(struct store *st, const char *shipment_id, const struct position *key,
                     int64_t qty, err_t *e);
    /* A shipment's allocations (shipment_id given) or a position's, oldest shipment first
     * (key given). Caller frees *out. */
    int (*alloc_list)(struct store *st, const char *shipment_id, const struct position *key,
                      struct alloc_row **out, size_t *n, err_t *e);
    int (*alloc_delete)(struct store *st, const char *shipment_id, err_t *e);
    /* A shipment's fields by id (items included, caller frees them). */
    int (*shipment_get)(struct store *st, const char *id, struct shipment_rec *out, err_t *e);

    /* --- carts --- */
    int (*cart_create)(struct store *st, const char *id, err_t *e);
    /* ERR_NOTFOUND for an unknown cart. Caller frees *out. */
    int (*cart_lines)(struct store *st, const char *id, struct shipment_item **out, size_t *n,
                      err_t *e);
    /* Sets a line's quantity; 0 removes it. */
    int (*cart_set)(struct store *st, const char *id, const char *sku, int64_t qty, err_t *e);

    /* --- email outbox --- */
    int (*outbox_add)(struct store *st, const struct email *m, err_t *e);
    /* The next PENDING email due at `now` (unix seconds), with its bodies, leased to the
     * caller: its next attempt moves `lease` seconds ahead so no other worker takes it.
     * ERR_NOTFOUND when none is due. */
    int (*outbox_claim)(struct store *st, int64_t now, int64_t lease, struct email *out,
                        err_t *e);
    /* Saves status, attempts, last_error and next_attempt_at. */
    int (*outbox_update)(struct store *st, const struct email *m, err_t *e);
    /* Newest first, without bodies. Caller frees *out. */
    int (*outbox_list)(struct store *st, size_t limit, struct email **out, size_t *n,
                       err_t *e);

    /* --- console users --- */
    int (*user_add)(struct store *st, const char *name, const char *hash, err_t *e);
    int (*user_hash)(struct store *st, const char *name, char *hash, size_t cap, err_t *e);

    /* Console sessions, keyed by a hash of the cookie's token. session_delete also drops
     * every session expired before now. */
    int (*session_add)(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                       const char *user, const char *csrf, int64_t expires_at, err_t *e);
    int (*session_get)(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                       char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                       int64_t *expires_at, err_t *e);
    int (*session_delete)(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                          int64_t now, err_t *e);

    /* Reports each broken invariant: allocations that do not match open shipments, negative
     * quantities, captures above authorizations, orders without a confirmation email.
     * *problems counts them. */
    int (*check)(struct store *st, store_check_fn report, void *ctx, size_t *problems,
                 err_t *e);

    /* Copying: every row of a table in insertion order; one row into a table; whether the
     * database holds no data yet; bringing counters (order numbers, shipment seq) past the
     * copied rows. */
    int (*table_rows)(struct store *st, const struct store_table *t, store_row_fn fn,
                      void *ctx, err_t *e);
    int (*table_insert)(struct store *st, const struct store_table *t,
                        const struct store_value *vals, err_t *e);
    int (*is_empty)(struct store *st, bool *empty, err_t *e);
    int (*after_copy)(struct store *st, err_t *e);

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

/* Copies every table of from into to, which must be empty, in one transaction of to.
 * *rows counts the rows copied. */
int store_copy(struct store *from, struct store *to, size_t *rows, err_t *e);
/* url: postgresql://... or postgres://... (libpq's URI syntax). ERR_UNAVAILABLE when the
 * server cannot be reached. */
int store_postgres_open(const char *url, struct store **out, err_t *e);

/* Idempotency keys (SPEC 5.5) over idem_get/idem_put. The caller's scope names the endpoint
 * path and the credential; fp is a fingerprint of the request body bytes, kept with the id
 * of what the first request produced. */
#define STORE_FP_LEN 64 /* hex characters */
/* 0 with the first request's id in id; ERR_NOTFOUND for a new key; ERR_INVALID named
 * IDEMPOTENCY_KEY_REUSED when the key came with other body bytes. */
int store_idem_find(struct store *st, const char *scope, const char *key, const char *fp,
                    char *id, size_t cap, err_t *e);
int store_idem_save(struct store *st, const char *scope, const char *key, const char *fp,
                    const char *id, err_t *e);

#endif

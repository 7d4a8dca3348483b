/* Storage behind one interface, like curl's struct Curl_ssl: a table of operations that each
 * backend fills. SQL lives only in the backends. A struct store is one connection, used by
 * one thread at a time. All functions return 0 or a negative ERR_ code and fill err. */
#ifndef SELLAHEAD_STORE_H
#define SELLAHEAD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/backorder.h"
#include "core/catalog.h"
#include "core/err.h"
#include "core/importrow.h"
#include "core/order.h"
#include "core/outbox.h"
#include "core/position.h"
#include "core/settings.h"

#define APIKEY_HASH_LEN 32
/* How often a transaction that failed with ERR_RETRY (it lost a race) is run again. */
#define STORE_ATTEMPTS 8
#define SESSION_HASH_LEN 32
#define SESSION_CSRF_LEN 32

struct store;

/* Units of one shipment held on one position. */
struct alloc_row {
    char shipment_id[ORDER_ID_MAX];
    int64_t shipment_seq;
    int64_t order_number; /* the order's: re-planning and receipts serve the oldest first */
    date_t stock_date;    /* the shipment's, as last planned */
    struct position pos; /* key fields only: sku, location_id, stock_type, transit_ref,
                          * channel_id */
    int64_t quantity;
    int64_t order_channel; /* the order's channel (SPEC 9), 0 for none */
};

/* --- copying a whole database (sellahead migrate) --- */

enum store_type { STORE_NULL = 0, STORE_INT, STORE_TEXT, STORE_BLOB };

struct store_value {
    int type;
    int64_t i;      /* STORE_INT */
    const char *p;  /* STORE_TEXT, STORE_BLOB; valid during the callback */
    size_t len;
};

#define STORE_COLS_MAX 40

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

/* One row of the change log (seq, sku; "" for a settings change); nonzero stops. */
typedef int (*store_change_fn)(void *ctx, int64_t seq, const char *sku);

/* One fabric backorder/preorder record with its pieces (owned by the caller of the fn);
 * nonzero stops the scan and is returned. */
typedef int (*store_bo_fn)(void *ctx, struct bo_record *r, err_t *e);

/* One broken invariant, as a sentence; nonzero stops the check. */
typedef int (*store_check_fn)(void *ctx, const char *problem);

/* A console user or an API key as listed: its name and creation time, never a secret. */
struct store_named {
    char name[ID_MAX + 1];
    char created_at[24]; /* 2026-11-27T10:00:00Z */
};

/* Every function returns 0 or a negative ERR_* and fills the err_t. A list function's
 * outputs (*out, *n) are set before anything can fail: NULL and 0 on failure, so the
 * caller's free() is always safe. */
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
    /* Up to limit SKUs > after (products and positions), by sku; q, when not NULL/empty,
     * keeps the SKUs that start with q as typed or in capitals (store_upper) and those whose
     * product name starts with q in any case. Caller frees *out. */
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
    /* Newest first, without errors, older than job `before` when given. Caller frees *out
     * with free(). */
    int (*import_list)(struct store *st, const char *before, size_t limit,
                       struct import_job **out, size_t *n, err_t *e);

    int (*settings_get)(struct store *st, struct settings *out, err_t *e);
    int (*settings_put)(struct store *st, const struct settings *s, err_t *e);

    int (*apikey_add)(struct store *st, const char *id, const char *name,
                      const unsigned char hash[APIKEY_HASH_LEN], err_t *e);
    int (*apikey_hash)(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                       err_t *e);

    /* --- orders; all inside a write transaction --- */

    int (*order_next_number)(struct store *st, int64_t *number, err_t *e);
    /* Inserts the order with its lines, shipments (their items) and payment; assigns each
     * shipment's seq, increasing across all orders, which order_get reads back (o's
     * shipments need not learn it: PostgreSQL sends the insert without waiting). */
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
    /* Re-planning (SPEC 5.7): a new shipment of sh->order_id (next n, items included; sets
     * sh->seq), a shipment's source, range, amount, status and items saved, a shipment
     * that lost all its units removed with its items and allocations. */
    int (*shipment_add)(struct store *st, struct shipment_rec *sh, err_t *e);
    int (*shipment_save)(struct store *st, const struct shipment_rec *sh, err_t *e);
    int (*shipment_delete)(struct store *st, const char *id, err_t *e);
    /* SKUs whose positions import run changed a value of and that hold open allocations,
     * in SKU order. Caller frees *out. */
    int (*replan_skus)(struct store *st, int64_t run, char (**out)[ID_MAX + 1], size_t *n,
                       err_t *e);
    /* Up to limit transit positions after key `after` (NULL: from the first) by sku,
     * location, transit_ref, channel; of one sku when given; with a stock date before
     * overdue_before unless that is DATE_NONE. Appended to out. */
    int (*transit_page)(struct store *st, const struct position *after, const char *sku,
                        date_t overdue_before, size_t limit, struct position_list *out,
                        err_t *e);

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
    /* Newest first, without bodies, older than email `before` when given. Caller frees *out. */
    int (*outbox_list)(struct store *st, const char *before, size_t limit, struct email **out,
                       size_t *n, err_t *e);

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

    /* Idempotency keys: what a (scope, key) first produced; *result is the caller's to
     * free. */
    int (*idem_get)(struct store *st, const char *scope, const char *key, char **result,
                    err_t *e);
    int (*idem_put)(struct store *st, const char *scope, const char *key, const char *result,
                    err_t *e);

    /* --- console users and API keys, managed from the CLI --- */
    /* Whether the database holds any order, and any inventory position (sellahead demo
     * refuses to overwrite them). */
    int (*holds_stock)(struct store *st, bool *orders, bool *positions, err_t *e);
    /* Users by name. Caller frees *out. */
    int (*user_list)(struct store *st, struct store_named **out, size_t *n, err_t *e);
    /* A new password hash; ends the user's sessions. ERR_NOTFOUND for an unknown user. */
    int (*user_set_hash)(struct store *st, const char *name, const char *hash, err_t *e);
    /* Removes the user and ends their sessions. ERR_NOTFOUND for an unknown user. */
    int (*user_remove)(struct store *st, const char *name, err_t *e);
    /* Keys by name (names need not be unique). Caller frees *out. */
    int (*apikey_list)(struct store *st, struct store_named **out, size_t *n, err_t *e);
    /* Deletes every key with that name; *n counts them. ERR_NOTFOUND when there is none. */
    int (*apikey_revoke)(struct store *st, const char *name, size_t *n, err_t *e);
    /* --- the console at catalog scale --- */
    /* How many SKUs sku_page would list for q, counted up to cap + 1 only: *count is
     * cap + 1 for "more than cap". */
    int (*sku_count)(struct store *st, const char *q, size_t cap, size_t *count, err_t *e);
    /* Up to limit transit positions whose sku or transit_ref starts with q (as typed or in
     * capitals), by sku, location, transit_ref; appended to out. */
    int (*transit_search)(struct store *st, const char *q, size_t limit,
                          struct position_list *out, err_t *e);

    /* --- products (SPEC 5.3) --- */
    /* After import_apply, inside the import's transaction: the SKUs the run wrote that have
     * no product (not for sale), by sku, into job->warnings (at most IMPORT_WARNINGS_MAX;
     * owned by job) and job->total_warnings. import_save and import_get keep them. */
    int (*import_unsold)(struct store *st, int64_t run, struct import_job *job, err_t *e);
    /* Like product_page, only products whose sku or name contains q (ASCII case ignored). */
    int (*product_find)(struct store *st, const char *after, size_t limit, const char *q,
                        struct product **out, size_t *n, err_t *e);

    /* --- payment intents (app/payments.c) and the test provider's own record --- */
    /* Records a PENDING intent, in the caller's transaction. */
    int (*intent_add)(struct store *st, const struct pay_intent *in, err_t *e);
    /* Saves a PENDING intent's outcome (status, ref, error, at). ERR_CONFLICT,
     * nothing changed, when it is no longer PENDING: someone else resolved it. */
    int (*intent_settle)(struct store *st, const struct pay_intent *in, err_t *e);
    /* PENDING intents created at or before `before` (unix seconds), oldest first. Caller
     * frees *out. */
    int (*intent_pending)(struct store *st, int64_t before, struct pay_intent **out, size_t *n,
                          err_t *e);
    /* Outside any transaction, committed at once: the test provider's answer to key. When
     * the key is new, *code, ref and msg are stored as its answer; when it is known, they
     * are replaced by the stored ones. Counts the calls per key. */
    int (*testpay_record)(struct store *st, const char *key, const char *kind, int64_t amount,
                          int *code, char ref[64], char msg[256], err_t *e);

    /* --- change log (the availability read model, SPEC 8) ---
     * Every change of a position, product or the settings appends (seq, sku) in the same
     * transaction (triggers). seq grows with each change but, on PostgreSQL, commits may
     * land out of seq order: a reader holds a gap open until every transaction that was
     * running when it saw the gap has ended, which the snapshot bounds tell. */
    /* Up to limit rows with seq > after, by seq; *xmin: no transaction older than it is
     * still running; *xmax: every transaction that has begun is older than it (both 0 on
     * SQLite, where commits come in seq order). */
    int (*changes_since)(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                         void *ctx, int64_t *xmin, int64_t *xmax, err_t *e);
    /* The highest seq handed out so far (committed or not). */
    int (*changes_head)(struct store *st, int64_t *head, err_t *e);
    /* Deletes the rows with seq <= upto. */
    int (*changes_prune)(struct store *st, int64_t upto, err_t *e);
    /* The positions of up to limit SKUs > after, by SKU (a full scan, page by page). */
    int (*positions_page)(struct store *st, const char *after, size_t limit,
                          struct position_list *out, err_t *e);

    /* --- delays and the promise sweep (SPEC 5.8) --- */
    /* Like order_page, only orders with an open shipment that has a delay. */
    int (*order_page_delayed)(struct store *st, const char *before, size_t limit,
                              char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
    /* The SKUs of open shipments on a transit position whose stock date is before today
     * that are not flagged overdue yet. Caller frees. */
    int (*overdue_skus)(struct store *st, date_t today, char (**skus)[ID_MAX + 1], size_t *n,
                        err_t *e);
    /* Open shipments whose PENDING delay's respondBy is before today, oldest first. */
    int (*delays_due)(struct store *st, date_t today, char (**ids)[ORDER_ID_MAX], size_t *n,
                      err_t *e);
    /* Inside a write transaction: *got when this process may sweep now (PostgreSQL: one
     * server at a time, a lock held until the transaction ends; SQLite: always). */
    int (*sweep_lock)(struct store *st, bool *got, err_t *e);
    /* Records that the sweep of business date day completed (check's PENDING rule). */
    int (*sweep_done)(struct store *st, date_t day, err_t *e);

    /* SPEC 9: the SKU of the product whose itemId is item_id; ERR_NOTFOUND when none. */
    int (*product_by_item)(struct store *st, int64_t item_id, char sku[ID_MAX + 1],
                           err_t *e);
    /* order_get without the payment and its events (o->payment zeroed, no events): what
     * re-planning reads, two queries fewer for each order it changes. */
    int (*order_get_light)(struct store *st, const char *id, struct order_rec *o, err_t *e);

    /* --- limits per (sku, location) (SPEC 9); positions_by_sku, positions_lock and
     * positions_page read them into each position's lim --- */
    /* The limits of (sku, location); all none when it has none. */
    int (*limits_get)(struct store *st, const char *sku, const char *location_id,
                      struct limits *out, err_t *e);
    /* Sets them (inside a write transaction). */
    int (*limits_put)(struct store *st, const char *sku, const char *location_id,
                      const struct limits *l, err_t *e);

    /* --- fabric backorder/preorder records (SPEC 9) --- */
    /* Saves a new record (pieces, item_id, line_quantity, ordered_at are not stored), in
     * the placement's write transaction. */
    int (*bo_add)(struct store *st, const struct bo_record *r, err_t *e);
    /* Each record with its pieces (the order's shipments holding its SKU), by order number
     * then line: the record `id` when given, else those of order number `order_number`
     * when > 0, else those of `sku` when given, else all (indexed, streamed). */
    int (*bo_scan)(struct store *st, const char *id, int64_t order_number, const char *sku,
                   store_bo_fn fn, void *ctx, err_t *e);
    /* An answer to a delay of the order's units of sku came at `at`. */
    int (*bo_consented)(struct store *st, const char *order_id, const char *sku,
                        const char *at, err_t *e);

    /* --- the mail worker's batches (optional: store_outbox_claim_many and
     * store_outbox_update_many fall back on outbox_claim and outbox_update) --- */
    /* Like outbox_claim for up to max emails at once, oldest due first, in one statement.
     * *n is 0 when none is due. Caller frees each email and *out. */
    int (*outbox_claim_many)(struct store *st, int64_t now, int64_t lease, size_t max,
                             struct email **out, size_t *n, err_t *e);
    /* Like outbox_update for n emails, in one statement. */
    int (*outbox_update_many)(struct store *st, const struct email *v, size_t n, err_t *e);

    /* --- a placement's reads in one go (optional: store_lines_read falls back on
     * settings_get, product_get and positions_by_sku or positions_lock) --- */
    /* The next order number when number is not NULL (as order_next_number), the settings,
     * then for each of n SKUs in the order given its product (found[i] false when it is
     * not in the catalog) and its positions, appended to lists[i] (locked until the
     * transaction ends with lock). PostgreSQL sends every statement before it reads any:
     * one round trip. */
    int (*lines_read)(struct store *st, const char *const *skus, size_t n, bool lock,
                      int64_t *number, struct settings *s, struct product *products,
                      bool *found, struct position_list *lists, err_t *e);

    /* --- fabric's offset-paged lists (SPEC 9), counted and paged in SQL --- */
    /* With loc: *count is the SKUs with a position at loc, out the positions (all
     * locations) of the limit SKUs from the offset-th of them on, and *before = offset.
     * Without: *count is every position, out the positions of up to limit SKUs from the
     * one holding the offset-th position (in SKU order) on, and *before the positions of
     * the SKUs before it. out is by SKU, each SKU's positions in no given order. */
    int (*positions_offset_page)(struct store *st, const char *loc, size_t offset,
                                 size_t limit, struct position_list *out, int64_t *count,
                                 int64_t *before, err_t *e);

    /* --- an allocation sent ahead (optional: store_position_allocate_sent falls back on
     * position_allocate) --- */
    /* position_allocate for a caller that holds the position locked (lines_read with lock),
     * where a shortfall is a bug, not a race: PostgreSQL sends it in the write transaction
     * without waiting, and a shortfall fails the transaction (ERR_CONFLICT from the next
     * statement waited for, or from the commit) instead of being answered at once. */
    int (*position_allocate_sent)(struct store *st, const struct position *key, int64_t qty,
                                  err_t *e);
};

/* Longest search term the store takes (sku_page's q, transit_search). */
#define STORE_QUERY_MAX 100
/* q with ASCII letters in capitals, for the SKU and transitRef prefix searches: ids are
 * case-sensitive, and most are written in capitals. out holds STORE_QUERY_MAX + 1 bytes. */
void store_upper(const char *q, char out[STORE_QUERY_MAX + 1]);

/* Counts the commits made by this process, on any connection: a reader of the read model
 * catches up with the change log when it moved. */
uint64_t store_commits(void);
void store_committed(void);

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
                    const char *result, err_t *e);
/* store_idem_find for a result of any length (an answer rather than an id); *result is
 * the caller's to free. */
int store_idem_find_text(struct store *st, const char *scope, const char *key, const char *fp,
                         char **result, err_t *e);

/* --- store_*(): the way to the ops table (src/store/api.c) ---
 * One wrapper per operation, same arguments and contract as the op of that name above. */
bool store_group_commit(const struct store *st);
void store_close(struct store *st);
int store_begin(struct store *st, bool write, err_t *e);
int store_commit(struct store *st, err_t *e);
void store_rollback(struct store *st);
int store_batch_begin(struct store *st, err_t *e);
int store_batch_end(struct store *st, bool commit, err_t *e);
uint64_t store_version(struct store *st);
int store_location_add(struct store *st, const struct location *l, err_t *e);
int store_location_list(struct store *st, struct location **out, size_t *n, err_t *e);
int store_product_upsert(struct store *st, const struct product *p, err_t *e);
int store_product_get(struct store *st, const char *sku, struct product *out, err_t *e);
int store_product_page(struct store *st, const char *after, size_t limit, struct product **out,
                       size_t *n, err_t *e);
int store_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                           err_t *e);
int store_positions_lock(struct store *st, const char *sku, struct position_list *out,
                         err_t *e);
int store_order_lock(struct store *st, const char *id, err_t *e);
int store_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e);
int store_sku_page(struct store *st, const char *after, size_t limit, const char *q,
                   struct sku_entry **out, size_t *n, err_t *e);
int store_position_import(struct store *st, const struct position *p, int64_t run, int64_t line,
                          bool *duplicate, err_t *e);
int store_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e);
int store_import_apply(struct store *st, int64_t run, err_t *e);
int store_import_save(struct store *st, const struct import_job *job, err_t *e);
int store_import_get(struct store *st, const char *id, struct import_job *job, err_t *e);
int store_import_list(struct store *st, const char *before, size_t limit,
                      struct import_job **out, size_t *n, err_t *e);
int store_settings_get(struct store *st, struct settings *out, err_t *e);
int store_settings_put(struct store *st, const struct settings *s, err_t *e);
int store_apikey_add(struct store *st, const char *id, const char *name,
                     const unsigned char hash[APIKEY_HASH_LEN], err_t *e);
int store_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                      err_t *e);
int store_order_next_number(struct store *st, int64_t *number, err_t *e);
int store_order_insert(struct store *st, struct order_rec *o, err_t *e);
int store_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e);
int store_order_page(struct store *st, const char *before, size_t limit,
                     char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int store_order_by_shipment(struct store *st, const char *shipment_id,
                            char order_id[ORDER_ID_MAX], err_t *e);
int store_order_set_status(struct store *st, const char *id, int status, err_t *e);
int store_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e);
int store_payment_update(struct store *st, const char *order_id, const struct payment *p,
                         err_t *e);
int store_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                      int64_t amount, err_t *e);
int store_position_allocate(struct store *st, const struct position *key, int64_t qty,
                            err_t *e);
int store_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                          int64_t d_allocated, err_t *e);
int store_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                    int64_t qty, err_t *e);
int store_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                     struct alloc_row **out, size_t *n, err_t *e);
int store_alloc_delete(struct store *st, const char *shipment_id, err_t *e);
int store_shipment_get(struct store *st, const char *id, struct shipment_rec *out, err_t *e);
int store_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e);
int store_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e);
int store_shipment_delete(struct store *st, const char *id, err_t *e);
int store_replan_skus(struct store *st, int64_t run, char (**out)[ID_MAX + 1], size_t *n,
                      err_t *e);
int store_transit_page(struct store *st, const struct position *after, const char *sku,
                       date_t overdue_before, size_t limit, struct position_list *out,
                       err_t *e);
int store_cart_create(struct store *st, const char *id, err_t *e);
int store_cart_lines(struct store *st, const char *id, struct shipment_item **out, size_t *n,
                     err_t *e);
int store_cart_set(struct store *st, const char *id, const char *sku, int64_t qty, err_t *e);
int store_outbox_add(struct store *st, const struct email *m, err_t *e);
int store_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                       err_t *e);
int store_outbox_update(struct store *st, const struct email *m, err_t *e);
/* Inside the caller's write transaction, with the backend's batch op or one email at a
 * time. */
int store_outbox_claim_many(struct store *st, int64_t now, int64_t lease, size_t max,
                            struct email **out, size_t *n, err_t *e);
int store_outbox_update_many(struct store *st, const struct email *v, size_t n, err_t *e);
int store_lines_read(struct store *st, const char *const *skus, size_t n, bool lock,
                     int64_t *number, struct settings *s, struct product *products,
                     bool *found, struct position_list *lists, err_t *e);
int store_position_allocate_sent(struct store *st, const struct position *key, int64_t qty,
                                 err_t *e);
int store_outbox_list(struct store *st, const char *before, size_t limit, struct email **out,
                      size_t *n, err_t *e);
int store_user_add(struct store *st, const char *name, const char *hash, err_t *e);
int store_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e);
int store_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      const char *user, const char *csrf, int64_t expires_at, err_t *e);
int store_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                      int64_t *expires_at, err_t *e);
int store_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                         int64_t now, err_t *e);
int store_check(struct store *st, store_check_fn report, void *ctx, size_t *problems, err_t *e);
int store_table_rows(struct store *st, const struct store_table *t, store_row_fn fn, void *ctx,
                     err_t *e);
int store_table_insert(struct store *st, const struct store_table *t,
                       const struct store_value *vals, err_t *e);
int store_is_empty(struct store *st, bool *empty, err_t *e);
int store_after_copy(struct store *st, err_t *e);
int store_idem_get(struct store *st, const char *scope, const char *key, char **result,
                   err_t *e);
int store_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                   err_t *e);
int store_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e);
int store_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int store_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e);
int store_user_remove(struct store *st, const char *name, err_t *e);
int store_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int store_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e);
int store_sku_count(struct store *st, const char *q, size_t cap, size_t *count, err_t *e);
int store_transit_search(struct store *st, const char *q, size_t limit,
                         struct position_list *out, err_t *e);
int store_import_unsold(struct store *st, int64_t run, struct import_job *job, err_t *e);
int store_product_find(struct store *st, const char *after, size_t limit, const char *q,
                       struct product **out, size_t *n, err_t *e);
int store_intent_add(struct store *st, const struct pay_intent *in, err_t *e);
int store_intent_settle(struct store *st, const struct pay_intent *in, err_t *e);
int store_intent_pending(struct store *st, int64_t before, struct pay_intent **out, size_t *n,
                         err_t *e);
int store_testpay_record(struct store *st, const char *key, const char *kind, int64_t amount,
                         int *code, char ref[64], char msg[256], err_t *e);
int store_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                        void *ctx, int64_t *xmin, int64_t *xmax, err_t *e);
int store_changes_head(struct store *st, int64_t *head, err_t *e);
int store_changes_prune(struct store *st, int64_t upto, err_t *e);
int store_positions_page(struct store *st, const char *after, size_t limit,
                         struct position_list *out, err_t *e);
int store_order_page_delayed(struct store *st, const char *before, size_t limit,
                             char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int store_overdue_skus(struct store *st, date_t today, char (**skus)[ID_MAX + 1], size_t *n,
                       err_t *e);
int store_delays_due(struct store *st, date_t today, char (**ids)[ORDER_ID_MAX], size_t *n,
                     err_t *e);
int store_sweep_lock(struct store *st, bool *got, err_t *e);
int store_sweep_done(struct store *st, date_t day, err_t *e);
int store_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e);
int store_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e);
int store_limits_get(struct store *st, const char *sku, const char *location_id,
                     struct limits *out, err_t *e);
int store_limits_put(struct store *st, const char *sku, const char *location_id,
                     const struct limits *l, err_t *e);
int store_bo_add(struct store *st, const struct bo_record *r, err_t *e);
int store_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
                  store_bo_fn fn, void *ctx, err_t *e);
int store_bo_consented(struct store *st, const char *order_id, const char *sku,
                       const char *at, err_t *e);
int store_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                                struct position_list *out, int64_t *count, int64_t *before,
                                err_t *e);

#endif

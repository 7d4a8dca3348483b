/* SQLite backend: one connection per thread, WAL, prepared statements cached per
 * connection, BEGIN IMMEDIATE for every read-modify-write.
 *
 * This header is private to the backend's files in src/store/sqlite/: the statement ids, the
 * connection struct and the helpers they share. */
#ifndef SELLAHEAD_STORE_SQLITE_INT_H
#define SELLAHEAD_STORE_SQLITE_INT_H

#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "store/common.h"
#include "store/store.h"

enum stmt_id {
    Q_BEGIN_READ,
    Q_BEGIN_WRITE,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_SAVEPOINT,
    Q_RELEASE,
    Q_ROLLBACK_TO,
    Q_DATA_VERSION,
    Q_LOCATION_ADD,
    Q_LOCATION_LIST,
    Q_PRODUCT_UPSERT,
    Q_PRODUCT_GET,
    Q_PRODUCT_PAGE,
    Q_POSITIONS_BY_SKU,
    Q_SKU_EXISTS,
    Q_SKU_PAGE,
    Q_POSITION_IMPORT,
    Q_IMPORT_SAVE,
    Q_IMPORT_ERROR_SAVE,
    Q_IMPORT_GET,
    Q_IMPORT_ERRORS,
    Q_IMPORT_LIST,
    Q_SETTINGS_GET,
    Q_SETTINGS_PUT,
    Q_APIKEY_ADD,
    Q_APIKEY_HASH,
    Q_IDEM_GET,
    Q_IDEM_PUT,
    Q_ORDER_NEXT_NUMBER,
    Q_ORDER_INSERT,
    Q_ORDER_LINE_INSERT,
    Q_SHIPMENT_INSERT,
    Q_SHIPMENT_ITEM_INSERT,
    Q_PAYMENT_INSERT,
    Q_ORDER_GET,
    Q_ORDER_LINES,
    Q_ORDER_SHIPMENTS,
    Q_SHIPMENT_ITEMS,
    Q_PAYMENT_GET,
    Q_ORDER_PAGE,
    Q_ORDER_BY_SHIPMENT,
    Q_ORDER_SET_STATUS,
    Q_SHIPMENT_UPDATE,
    Q_PAYMENT_UPDATE,
    Q_CAPTURE_ADD,
    Q_POSITION_ALLOCATE,
    Q_POSITION_GET,
    Q_POSITION_CREATE,
    Q_POSITION_ADJUST,
    Q_ALLOC_GET,
    Q_ALLOC_UPSERT,
    Q_ALLOC_TAKE,
    Q_ALLOC_REMOVE,
    Q_ALLOC_BY_SHIPMENT,
    Q_ALLOC_BY_POSITION,
    Q_ALLOC_DELETE,
    Q_SHIPMENT_GET,
    Q_CART_CREATE,
    Q_CART_EXISTS,
    Q_CART_LINES,
    Q_CART_LINE_SET,
    Q_CART_LINE_DELETE,
    Q_OUTBOX_ADD,
    Q_OUTBOX_NEXT,
    Q_OUTBOX_LEASE,
    Q_OUTBOX_UPDATE,
    Q_OUTBOX_LIST,
    Q_USER_ADD,
    Q_USER_HASH,
    Q_SESSION_ADD,
    Q_IS_EMPTY,
    Q_SESSION_GET,
    Q_SESSION_DELETE,
    Q_CHECK_ALLOCATED,
    Q_CHECK_ALLOC_ORPHAN,
    Q_CHECK_NEGATIVE,
    Q_CHECK_CLOSED_ALLOC,
    Q_CHECK_NO_PAYMENT,
    Q_CHECK_OVERCAPTURE,
    Q_CHECK_CAPTURED,
    Q_CHECK_CONFIRMATION,
    Q_HOLDS_STOCK,
    Q_USER_LIST,
    Q_USER_SET_HASH,
    Q_USER_REMOVE,
    Q_USER_SESSIONS_END,
    Q_APIKEY_LIST,
    Q_APIKEY_REVOKE,
    Q_SKU_SEARCH,
    Q_SKU_COUNT,
    Q_SKU_SEARCH_COUNT,
    Q_TRANSIT_SEARCH,
    Q_IMPORT_UNSOLD,
    Q_IMPORT_WARNING_SAVE,
    Q_IMPORT_WARNING_TOTAL,
    Q_IMPORT_WARNINGS,
    Q_PRODUCT_FIND,
    Q_SHIPMENT_SAVE,
    Q_SHIPMENT_ITEMS_DELETE,
    Q_SHIPMENT_DELETE,
    Q_REPLAN_SKUS,
    Q_TRANSIT_PAGE,
    Q_INTENT_ADD,
    Q_INTENT_SETTLE,
    Q_INTENT_PENDING,
    Q_INTENTS_BY_ORDER,
    Q_TESTPAY_RECORD,
    Q_SYNC_NORMAL,
    Q_SYNC_FULL,
    Q_CHECK_LEDGER_OVER,
    Q_CHECK_LEDGER_SUM,
    Q_CHANGES_SINCE,
    Q_CHANGES_HEAD,
    Q_CHANGES_PRUNE,
    Q_POSITIONS_PAGE,
    Q_OVERDUE_SKUS,
    Q_DELAYS_DUE,
    Q_ORDER_PAGE_DELAYED,
    Q_SWEEP_DONE,
    Q_CHECK_SWEEP,
    Q_PRODUCT_BY_ITEM,
    Q_LIMITS_GET,
    Q_LIMITS_PUT,
    Q_CHECK_LIMIT,
    Q_BO_ADD,
    Q_BO_BY_ID,
    Q_BO_BY_ORDER,
    Q_BO_BY_SKU,
    Q_BO_ALL,
    Q_BO_CONSENTED,
    Q_LOC_SKU_COUNT,
    Q_LOC_POSITIONS_PAGE,
    Q_POSITION_COUNT,
    Q_POSITION_AT,
    Q_POSITIONS_FROM,
    Q_COUNT
};

#define NOW_ISO "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"

struct sqlite_store {
    struct store base;
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT];
    uint64_t data_version; /* last PRAGMA data_version seen */
    int64_t version_checked_ns;
    bool batch;   /* inside batch_begin: transactions become savepoints */
    bool sp_open; /* a savepoint of the batch is open */
    sqlite3_stmt *copy_insert[32]; /* by index in store_tables, for migrate */
};

static inline struct sqlite_store *S(struct store *st) { return (struct sqlite_store *)st; }

extern const char *const sq_stmt_sql[Q_COUNT];

/* conn.c */
int sq_fail(struct sqlite_store *s, err_t *e, const char *what);
sqlite3_stmt *sq_stmt(struct sqlite_store *s, enum stmt_id id, err_t *e);
int sq_done(sqlite3_stmt *q, int rc);
void sq_bind_text(sqlite3_stmt *q, int i, const char *v);
void sq_bind_date(sqlite3_stmt *q, int i, date_t d);
date_t sq_col_date(sqlite3_stmt *q, int i);
void sq_col_copy(sqlite3_stmt *q, int i, char *dst, size_t cap);
int sq_exec(struct sqlite_store *s, enum stmt_id id, err_t *e, const char *what);
void *sq_grow(void *v, size_t len, size_t *cap, size_t size);
/* Reads the current row of q into dst. */
typedef void (*sq_row_fn)(sqlite3_stmt *q, void *dst);
/* Steps the bound q for up to limit rows, each read into an array of size-byte elements;
 * *out is the caller's to free (NULL and 0 after a failure). */
int sq_list_rows(struct sqlite_store *s, sqlite3_stmt *q, size_t limit, size_t size,
                 sq_row_fn read, void **out, size_t *n, const char *what, err_t *e);
int sq_run(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what);
int sq_update_one(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what,
                  const char *kind, const char *id);
const char *sq_col_str(sqlite3_stmt *q, int i);
char *sq_col_dup(sqlite3_stmt *q, int i);
void sq_bind_key(sqlite3_stmt *q, const struct position *k);

/* schema.c */
int sq_commit(struct store *st, err_t *e);
void sq_rollback(struct store *st);

/* inventory.c */
int sq_location_add(struct store *st, const struct location *l, err_t *e);
int sq_location_list(struct store *st, struct location **out, size_t *n, err_t *e);
int sq_product_upsert(struct store *st, const struct product *p, err_t *e);
int sq_product_get(struct store *st, const char *sku, struct product *out, err_t *e);
int sq_product_page(struct store *st, const char *after, size_t limit,
                    struct product **out, size_t *n, err_t *e);
int sq_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                        err_t *e);
int sq_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e);
int sq_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                struct sku_entry **out, size_t *n, err_t *e);
int sq_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                 err_t *e);
int sq_transit_search(struct store *st, const char *query, size_t limit,
                      struct position_list *out, err_t *e);
int sq_transit_page(struct store *st, const struct position *after, const char *sku,
                    date_t overdue_before, size_t limit, struct position_list *out,
                    err_t *e);
int sq_position_import(struct store *st, const struct position *p, int64_t run,
                       int64_t line, bool *duplicate, err_t *e);
int sq_import_save(struct store *st, const struct import_job *job, err_t *e);
int sq_import_get(struct store *st, const char *id, struct import_job *job, err_t *e);
int sq_import_list(struct store *st, const char *before, size_t limit,
                   struct import_job **out, size_t *n, err_t *e);
int sq_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e);
int sq_import_apply(struct store *st, int64_t run, err_t *e);
int sq_import_unsold(struct store *st, int64_t run, struct import_job *job, err_t *e);
int sq_product_find(struct store *st, const char *after, size_t limit, const char *qs,
                    struct product **out, size_t *n, err_t *e);
int sq_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                             struct position_list *out, int64_t *count, int64_t *before,
                             err_t *e);
int sq_positions_page(struct store *st, const char *after, size_t limit,
                      struct position_list *out, err_t *e);
int sq_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e);
int sq_limits_get(struct store *st, const char *sku, const char *location_id,
                  struct limits *out, err_t *e);
int sq_limits_put(struct store *st, const char *sku, const char *location_id,
                  const struct limits *l, err_t *e);

/* users.c */
int sq_settings_get(struct store *st, struct settings *out, err_t *e);
int sq_settings_put(struct store *st, const struct settings *set, err_t *e);
int sq_apikey_add(struct store *st, const char *id, const char *name,
                  const unsigned char hash[APIKEY_HASH_LEN], err_t *e);
int sq_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                   err_t *e);
int sq_idem_get(struct store *st, const char *scope, const char *key, char **result,
                err_t *e);
int sq_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                err_t *e);
int sq_user_add(struct store *st, const char *name, const char *hash, err_t *e);
int sq_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e);
int sq_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   const char *user, const char *csrf, int64_t expires_at, err_t *e);
int sq_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                   int64_t *expires_at, err_t *e);
int sq_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      int64_t now, err_t *e);
int sq_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int sq_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int sq_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e);
int sq_user_remove(struct store *st, const char *name, err_t *e);
int sq_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e);

/* outbox.c */
int sq_intent_add(struct store *st, const struct pay_intent *in, err_t *e);
int sq_intent_settle(struct store *st, const struct pay_intent *in, err_t *e);
int sq_read_intents(struct sqlite_store *s, sqlite3_stmt *q, struct pay_intent **out,
                    size_t *n, err_t *e);
int sq_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                      size_t *n, err_t *e);
int sq_testpay_record(struct store *st, const char *key, const char *kind,
                      int64_t amount, int *code, char ref[64], char msg[256], err_t *e);
int sq_outbox_add(struct store *st, const struct email *m, err_t *e);
int sq_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                    err_t *e);
int sq_outbox_update(struct store *st, const struct email *m, err_t *e);
int sq_outbox_list(struct store *st, const char *before, size_t limit,
                   struct email **out, size_t *n, err_t *e);

/* orders.c */
int sq_order_next_number(struct store *st, int64_t *number, err_t *e);
int sq_order_insert(struct store *st, struct order_rec *o, err_t *e);
int sq_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e);
int sq_order_page_delayed(struct store *st, const char *before, size_t limit,
                          char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int sq_overdue_skus(struct store *st, date_t today, char (**out)[ID_MAX + 1], size_t *n,
                    err_t *e);
int sq_delays_due(struct store *st, date_t today, char (**out)[ORDER_ID_MAX], size_t *n,
                  err_t *e);
int sq_sweep_lock(struct store *st, bool *got, err_t *e);
int sq_sweep_done(struct store *st, date_t day, err_t *e);
int sq_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e);
int sq_order_page(struct store *st, const char *before, size_t limit,
                  char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int sq_order_by_shipment(struct store *st, const char *shipment_id,
                         char order_id[ORDER_ID_MAX], err_t *e);
int sq_order_set_status(struct store *st, const char *id, int status, err_t *e);
int sq_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e);
int sq_payment_update(struct store *st, const char *order_id, const struct payment *p,
                      err_t *e);
int sq_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                   int64_t amount, err_t *e);
int sq_position_allocate(struct store *st, const struct position *key, int64_t qty,
                         err_t *e);
int sq_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                       int64_t d_allocated, err_t *e);
int sq_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                 int64_t qty, err_t *e);
int sq_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                  struct alloc_row **out, size_t *n, err_t *e);
int sq_alloc_delete(struct store *st, const char *shipment_id, err_t *e);
int sq_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                    err_t *e);
int sq_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e);
int sq_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e);
int sq_shipment_delete(struct store *st, const char *id, err_t *e);
int sq_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                   err_t *e);
int sq_cart_create(struct store *st, const char *id, err_t *e);
int sq_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                  size_t *n, err_t *e);
int sq_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                err_t *e);
int sq_order_lock(struct store *st, const char *id, err_t *e);

/* copy.c */
int sq_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                  void *ctx, err_t *e);
int sq_table_insert(struct store *st, const struct store_table *t,
                    const struct store_value *vals, err_t *e);
int sq_is_empty(struct store *st, bool *empty, err_t *e);
int sq_after_copy(struct store *st, err_t *e);

/* check.c */
int sq_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
             err_t *e);
int sq_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e);

/* changes.c */
int sq_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                     void *ctx, int64_t *xmin, int64_t *xmax, err_t *e);
int sq_changes_head(struct store *st, int64_t *head, err_t *e);
int sq_changes_prune(struct store *st, int64_t upto, err_t *e);

/* backorders.c */
int sq_bo_add(struct store *st, const struct bo_record *r, err_t *e);
int sq_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
               store_bo_fn fn, void *ctx, err_t *e);
int sq_bo_consented(struct store *st, const char *order_id, const char *sku,
                    const char *at, err_t *e);

#endif

/* PostgreSQL backend: one libpq connection per struct store (so per thread), statements
 * prepared on a connection's first use of each, READ COMMITTED transactions in which
 * conditional updates and row locks keep several servers on one database from overselling.
 *
 * Failures map to the error codes the SQLite backend uses, plus two of this backend's own:
 * a lost connection is ERR_UNAVAILABLE (503; the next operation outside a transaction
 * reconnects) and a serialization failure or deadlock is ERR_RETRY (the caller rolls back
 * and runs the whole transaction again).
 *
 * This header is private to the backend's files in src/store/postgres/: the statement ids, the
 * connection struct and the helpers they share. */
#ifndef SELLAHEAD_STORE_PG_INT_H
#define SELLAHEAD_STORE_PG_INT_H

#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/common.h"
#include "store/store.h"
#include "util/buf.h"

enum stmt_id {
    Q_LOCATION_ADD,
    Q_LOCATION_LIST,
    Q_PRODUCT_UPSERT,
    Q_PRODUCT_GET,
    Q_PRODUCT_PAGE,
    Q_POSITIONS_BY_SKU,
    Q_POSITIONS_LOCK,
    Q_ORDER_LOCK,
    Q_SKU_EXISTS,
    Q_SKU_PAGE,
    Q_IMPORT_APPLY,
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
    Q_SHIPMENT_INSERT,
    Q_SHIPMENT_ITEM_INSERT,
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
    Q_CHECK_LEDGER_OVER,
    Q_CHECK_LEDGER_SUM,
    Q_CHANGES_SINCE,
    Q_CHANGES_HEAD,
    Q_CHANGES_PRUNE,
    Q_POSITIONS_PAGE,
    Q_OVERDUE_SKUS,
    Q_DELAYS_DUE,
    Q_ORDER_PAGE_DELAYED,
    Q_SWEEP_LOCK,
    Q_SWEEP_DONE,
    Q_CHECK_SWEEP,
    Q_PRODUCT_BY_ITEM,
    Q_IMPORT_SPLIT,
    Q_LIMITS_GET,
    Q_LIMITS_PUT,
    Q_CHECK_LIMIT,
    Q_BO_ADD,
    Q_BO_BY_ID,
    Q_BO_BY_ORDER,
    Q_BO_BY_SKU,
    Q_BO_ALL,
    Q_BO_CONSENTED,
    Q_OUTBOX_CLAIM_MANY,
    Q_OUTBOX_UPDATE_MANY,
    Q_LOC_SKU_COUNT,
    Q_LOC_POSITIONS_PAGE,
    Q_POSITION_COUNT,
    Q_POSITION_AT,
    Q_POSITIONS_FROM,
    Q_POSITION_ALLOCATE_SENT,
    Q_REPLAN_SKUS_ALLOC,
    Q_COUNT
};

#define NOW_ISO "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Statements a pipeline holds unread at most before it is read out (see conn.c). */
#define PIPE_MAX 64

/* A statement sent in pipeline mode whose result is still to be read. */
struct pipe_item {
    int id;           /* enum stmt_id; Q_COUNT for constant SQL (BEGIN, COMMIT, SET) */
    bool prepare;     /* the statement's PQsendPrepare, not its execution */
    bool commit;      /* COMMIT: a ROLLBACK in its place means the transaction failed */
    const char *what; /* for messages */
    PGresult **keep;  /* pg_pipe_send: where the result goes when it is read */
};

struct pg_store {
    struct store base;
    PGconn *conn;
    bool prepared[Q_COUNT];
    bool in_tx;   /* a BEGIN of ours is open (a batch's too) */
    bool batch;   /* inside batch_begin: transactions become savepoints */
    bool sp_open; /* a savepoint of the batch is open */
    bool broken;  /* the connection was lost: reset it before the next use outside a tx */
    err_t tx_err; /* the first failure in the open transaction (or savepoint) */
    bool copying; /* an import's COPY into import_stage is open */
    bool staged;  /* import_stage holds rows for import_apply */
    bool pipe;    /* in libpq's pipeline mode: a write transaction (see conn.c) */
    int npend;    /* statements sent whose results are not read yet, oldest first */
    struct pipe_item pend[PIPE_MAX];
    int64_t stage_run; /* the import run whose rows import_stage holds, 0: none */
    size_t stage_rows; /* and how many */
    /* The staged rows' keys as 64-bit hashes (inventory.c): import_flush asks the server
     * for duplicates only when two hashes met or the set outgrew its cap. */
    uint64_t *key_slots;
    size_t key_cap, key_n;
    bool key_met;
};

static inline struct pg_store *S(struct store *st) { return (struct pg_store *)st; }

/* --- parameters --- */

#define PARAMS_MAX 48

struct params {
    int n;
    const char *v[PARAMS_MAX];
    char num[PARAMS_MAX][24];
    char hex[2 + 2 * 64 + 1]; /* one bytea value, as \x... */
};

/* Runs a listing statement into a new array of size-byte elements, one per row, each
 * filled by read. *out is the caller's to free. */
typedef void (*row_fn)(const PGresult *r, int i, void *dst);

extern const char *const pg_stmt_sql[Q_COUNT];

/* conn.c */
void pg_p_text(struct params *p, const char *s);
void pg_p_int(struct params *p, int64_t x);
void pg_p_date(struct params *p, date_t d);
void pg_p_limit(struct params *p, size_t limit);
void pg_p_bytes(struct params *p, const unsigned char *b, size_t len);
void pg_p_key(struct params *p, const struct position *k);
void pg_array_put(struct buf *b, const char *s); /* NULL: a NULL element */
void pg_array_int(struct buf *b, int64_t x);
void pg_array_date(struct buf *b, date_t d);
const char *pg_col_str(const PGresult *r, int row, int c);
void pg_col_copy(const PGresult *r, int row, int c, char *dst, size_t cap);
int64_t pg_col_i64(const PGresult *r, int row, int c);
int pg_col_int(const PGresult *r, int row, int c);
date_t pg_col_date(const PGresult *r, int row, int c);
bool pg_col_bytes(const PGresult *r, int row, int c, unsigned char *out, size_t len);
char *pg_col_dup(const PGresult *r, int row, int c);
void pg_one_line(const char *in, char *out, size_t cap);
int pg_unavailable(err_t *e);
int pg_fail(struct pg_store *s, const PGresult *r, err_t *e, const char *what);
bool pg_result_ok(const PGresult *r);
int pg_session_setup(struct pg_store *s, err_t *e);
int pg_ensure_conn(struct pg_store *s, err_t *e);
int pg_pipe_end(struct pg_store *s, err_t *e);
int pg_pipe_ctl(struct pg_store *s, const char *sql, bool commit, const char *what, err_t *e);
int pg_pipe_send(struct pg_store *s, enum stmt_id id, const struct params *p, PGresult **keep,
                 err_t *e, const char *what);
int pg_pipe_flush(struct pg_store *s, err_t *e);
int pg_ctl_res(struct pg_store *s, const char *sql, PGresult **out, err_t *e,
               const char *what);
int pg_ctl(struct pg_store *s, const char *sql, err_t *e, const char *what);
int pg_exec_stmt(struct pg_store *s, enum stmt_id id, const struct params *p,
                 PGresult **out, err_t *e, const char *what);
int pg_exec_count(struct pg_store *s, enum stmt_id id, const struct params *p,
                  int64_t *n, err_t *e, const char *what);
int pg_run(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
           const char *what);
int pg_update_one(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
                  const char *what, const char *kind, const char *key);
int pg_list_rows(struct pg_store *s, enum stmt_id id, const struct params *p, size_t size,
                 row_fn read, void **out, size_t *n, err_t *e, const char *what);

/* schema.c */
int pg_open_tx(struct pg_store *s, const char *sql, err_t *e);
int pg_open_pipe_tx(struct pg_store *s, err_t *e);
int pg_tx_failed(struct pg_store *s, err_t *e);
void pg_rollback(struct store *st);
int pg_commit(struct store *st, err_t *e);

/* inventory.c */
int pg_location_add(struct store *st, const struct location *l, err_t *e);
int pg_location_list(struct store *st, struct location **out, size_t *n, err_t *e);
int pg_product_upsert(struct store *st, const struct product *pr, err_t *e);
int pg_product_get(struct store *st, const char *sku, struct product *out, err_t *e);
int pg_product_page(struct store *st, const char *after, size_t limit,
                    struct product **out, size_t *n, err_t *e);
int pg_transit_search(struct store *st, const char *query, size_t limit,
                      struct position_list *out, err_t *e);
int pg_transit_page(struct store *st, const struct position *after, const char *sku,
                    date_t overdue_before, size_t limit, struct position_list *out,
                    err_t *e);
int pg_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                        err_t *e);
int pg_positions_lock(struct store *st, const char *sku, struct position_list *out,
                      err_t *e);
int pg_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e);
int pg_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                struct sku_entry **out, size_t *n, err_t *e);
int pg_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                 err_t *e);
int pg_copy_end(struct pg_store *s, bool ok, err_t *e);
/* Forgets an import's stage and key set (inventory.c): at the end of its transaction. */
void pg_import_reset(struct pg_store *s);
int pg_position_import(struct store *st, const struct position *pos, int64_t run_id,
                       int64_t line, bool *duplicate, err_t *e);
int pg_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e);
int pg_import_apply(struct store *st, int64_t run_id, err_t *e);
int pg_import_save(struct store *st, const struct import_job *job, err_t *e);
int pg_import_get(struct store *st, const char *id, struct import_job *job, err_t *e);
int pg_import_list(struct store *st, const char *before, size_t limit,
                   struct import_job **out, size_t *n, err_t *e);
int pg_import_unsold(struct store *st, int64_t run_id, struct import_job *job, err_t *e);
int pg_product_find(struct store *st, const char *after, size_t limit, const char *q,
                    struct product **out, size_t *n, err_t *e);
int pg_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                             struct position_list *out, int64_t *count, int64_t *before,
                             err_t *e);
int pg_positions_page(struct store *st, const char *after, size_t limit,
                      struct position_list *out, err_t *e);
int pg_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e);
int pg_limits_get(struct store *st, const char *sku, const char *location_id,
                  struct limits *out, err_t *e);
int pg_limits_put(struct store *st, const char *sku, const char *location_id,
                  const struct limits *l, err_t *e);
int pg_lines_read(struct store *st, const char *const *skus, size_t n, bool lock,
                  int64_t *number, struct settings *set, struct product *products,
                  bool *found, struct position_list *lists, err_t *e);

/* orders.c */
int pg_order_lock(struct store *st, const char *id, err_t *e);
int pg_order_next_number(struct store *st, int64_t *number, err_t *e);
int pg_order_insert(struct store *st, struct order_rec *o, err_t *e);
int pg_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e);
int pg_order_page_delayed(struct store *st, const char *before, size_t limit,
                          char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int pg_overdue_skus(struct store *st, date_t today, char (**out)[ID_MAX + 1], size_t *n,
                    err_t *e);
int pg_delays_due(struct store *st, date_t today, char (**out)[ORDER_ID_MAX], size_t *n,
                  err_t *e);
int pg_sweep_lock(struct store *st, bool *got, err_t *e);
int pg_sweep_done(struct store *st, date_t day, err_t *e);
int pg_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e);
int pg_order_page(struct store *st, const char *before, size_t limit,
                  char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e);
int pg_order_by_shipment(struct store *st, const char *shipment_id,
                         char order_id[ORDER_ID_MAX], err_t *e);
int pg_order_set_status(struct store *st, const char *id, int status, err_t *e);
int pg_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e);
int pg_payment_update(struct store *st, const char *order_id, const struct payment *pay,
                      err_t *e);
int pg_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                   int64_t amount, err_t *e);
int pg_position_allocate_sent(struct store *st, const struct position *key, int64_t qty,
                              err_t *e);
int pg_position_allocate(struct store *st, const struct position *key, int64_t qty,
                         err_t *e);
int pg_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                       int64_t d_allocated, err_t *e);
int pg_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                 int64_t qty, err_t *e);
int pg_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                  struct alloc_row **out, size_t *n, err_t *e);
int pg_alloc_delete(struct store *st, const char *shipment_id, err_t *e);
int pg_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                    err_t *e);
int pg_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e);
int pg_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e);
int pg_shipment_delete(struct store *st, const char *id, err_t *e);
int pg_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                   err_t *e);
int pg_cart_create(struct store *st, const char *id, err_t *e);
int pg_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                  size_t *n, err_t *e);
int pg_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                err_t *e);

/* users.c */
/* Q_SETTINGS_GET's rows over the defaults. */
void pg_settings_rows(const PGresult *r, struct settings *out);
int pg_settings_get(struct store *st, struct settings *out, err_t *e);
int pg_settings_put(struct store *st, const struct settings *set, err_t *e);
int pg_apikey_add(struct store *st, const char *id, const char *name,
                  const unsigned char hash[APIKEY_HASH_LEN], err_t *e);
int pg_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                   err_t *e);
int pg_idem_get(struct store *st, const char *scope, const char *key, char **result,
                err_t *e);
int pg_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                err_t *e);
int pg_user_add(struct store *st, const char *name, const char *hash, err_t *e);
int pg_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e);
int pg_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   const char *user, const char *csrf, int64_t expires_at, err_t *e);
int pg_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                   char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                   int64_t *expires_at, err_t *e);
int pg_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      int64_t now, err_t *e);
int pg_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int pg_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e);
int pg_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e);
int pg_user_remove(struct store *st, const char *name, err_t *e);
int pg_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e);

/* outbox.c */
int pg_intent_add(struct store *st, const struct pay_intent *in, err_t *e);
int pg_intent_settle(struct store *st, const struct pay_intent *in, err_t *e);
int pg_read_intents(struct pg_store *s, enum stmt_id id, const struct params *p,
                    struct pay_intent **out, size_t *n, err_t *e);
int pg_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                      size_t *n, err_t *e);
int pg_testpay_record(struct store *st, const char *key, const char *kind,
                      int64_t amount, int *code, char ref[64], char msg[256], err_t *e);
int pg_outbox_add(struct store *st, const struct email *m, err_t *e);
int pg_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                    err_t *e);
int pg_outbox_update(struct store *st, const struct email *m, err_t *e);
int pg_outbox_list(struct store *st, const char *before, size_t limit,
                   struct email **out, size_t *n, err_t *e);
int pg_outbox_claim_many(struct store *st, int64_t now, int64_t lease, size_t max,
                         struct email **out, size_t *n, err_t *e);
int pg_outbox_update_many(struct store *st, const struct email *v, size_t n, err_t *e);

/* check.c */
int pg_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
             err_t *e);
int pg_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e);

/* copy.c */
int pg_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                  void *ctx, err_t *e);
int pg_table_insert(struct store *st, const struct store_table *t,
                    const struct store_value *vals, err_t *e);
int pg_is_empty(struct store *st, bool *empty, err_t *e);
int pg_after_copy(struct store *st, err_t *e);

/* changes.c */
int pg_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                     void *ctx, int64_t *xmin, int64_t *xmax, err_t *e);
int pg_changes_head(struct store *st, int64_t *head, err_t *e);
int pg_changes_prune(struct store *st, int64_t upto, err_t *e);

/* backorders.c */
int pg_bo_add(struct store *st, const struct bo_record *r, err_t *e);
int pg_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
               store_bo_fn fn, void *ctx, err_t *e);
int pg_bo_consented(struct store *st, const char *order_id, const char *sku,
                    const char *at, err_t *e);

#endif

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

const char *store_default_url(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("SELLAHEAD_DB");
    return env && *env ? env : "./sellahead.db";
}

int store_open(const char *url, struct store **out, err_t *e)
{
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        return store_postgres_open(url, out, e);
    return store_sqlite_open(url, out, e);
}

#define COLS(...) {__VA_ARGS__}, sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)

const struct store_table store_tables[] = {
    {"locations", COLS("id", "name", "created_at"), "id", "id"},
    {"products",
     COLS("sku", "name", "price", "currency", "description", "image_url", "item_id"), "sku",
     "sku"},
    {"positions",
     COLS("sku", "location_id", "stock_type", "transit_ref", "order_date", "stock_date",
          "quantity", "reserved", "allocated", "import_run", "channel_id"),
     "sku, location_id, stock_type, transit_ref, channel_id",
     "sku, location_id, stock_type, transit_ref, channel_id"},
    {"limits",
     COLS("sku", "location_id", "safety_stock", "preorder_limit", "backorder_limit",
          "low_stock"),
     "sku, location_id", "sku, location_id"},
    {"imports",
     COLS("id", "source", "file_name", "status", "total_rows", "rows_applied", "total_errors",
          "created_at", "finished_at", "total_warnings"),
     "rowid", "seq"},
    {"import_errors", COLS("import_id", "n", "line", "col", "value", "message"),
     "import_id, n", "import_id, n"},
    {"import_warnings", COLS("import_id", "n", "sku", "message"), "import_id, n",
     "import_id, n"},
    {"settings", COLS("key", "value"), "key", "key"},
    {"api_keys", COLS("id", "name", "hash", "created_at"), "id", "id"},
    {"idempotency", COLS("scope", "key", "result", "created_at"), "scope, key", "scope, key"},
    {"orders",
     COLS("id", "number", "access_token", "status", "email", "currency", "total", "ship_name",
          "ship_line1", "ship_line2", "ship_city", "ship_postal_code", "ship_country",
          "created_at", "channel_id"),
     "number", "number"},
    {"order_lines", COLS("order_id", "n", "sku", "name", "quantity", "unit_price", "amount"),
     "order_id, n", "order_id, n"},
    {"shipments",
     COLS("id", "seq", "order_id", "n", "status", "stock_type", "location_id", "transit_ref",
          "stock_date", "expected_from", "expected_to", "expected_message", "amount",
          "tracking_number", "shipped_at", "payment_required", "promised_from", "promised_to",
          "promised_message", "overdue", "delay_consent", "delay_detected", "delay_prev_from",
          "delay_prev_to", "delay_exp_from", "delay_exp_to", "delay_respond_by",
          "delay_required", "accepted_to", "accepted_undated", "consented_before",
          "delay_notified", "bar_units"),
     "seq", "seq"},
    {"shipment_items", COLS("shipment_id", "n", "sku", "quantity"), "shipment_id, n",
     "shipment_id, n"},
    {"allocations",
     COLS("shipment_id", "sku", "location_id", "stock_type", "transit_ref", "quantity",
          "channel_id"),
     "shipment_id, sku, location_id, stock_type, transit_ref, channel_id",
     "shipment_id, sku, location_id, stock_type, transit_ref, channel_id"},
    {"payments",
     COLS("order_id", "provider", "ref", "authorized", "captured", "voided", "refunded"),
     "order_id", "order_id"},
    {"captures", COLS("order_id", "shipment_id", "amount", "created_at"), "rowid", "id"},
    {"carts", COLS("id", "created_at"), "id", "id"},
    {"cart_lines", COLS("cart_id", "sku", "quantity"), "rowid", "seq"},
    {"outbox",
     COLS("id", "kind", "order_id", "from_addr", "to_addr", "subject", "text", "html",
          "status", "attempts", "last_error", "next_attempt_at", "created_at"),
     "rowid", "seq"},
    {"users", COLS("name", "hash", "created_at"), "name", "name"},
    {"sessions", COLS("token_hash", "user", "csrf", "expires_at"), "token_hash", "token_hash"},
    {"payment_intents",
     COLS("id", "order_id", "shipment_id", "kind", "status", "amount", "currency", "provider",
          "token", "ref", "error", "created", "at", "day"),
     "seq", "seq"},
    {"test_payments", COLS("key", "kind", "amount", "code", "ref", "message", "calls"), "key",
     "key"},
    {"sweeps", COLS("day", "at"), "day", "day"},
    {"backorders",
     COLS("id", "order_id", "order_number", "line", "sku", "quantity", "type", "location_id",
          "consent_at"),
     "order_number, line", "order_number, line"},
};

const size_t store_ntables = sizeof store_tables / sizeof store_tables[0];

struct copy_ctx {
    struct store *to;
    const struct store_table *t;
    size_t rows;
};

static int copy_row(void *arg, const struct store_value *vals, err_t *e)
{
    struct copy_ctx *c = arg;
    c->rows++;
    return c->to->ops->table_insert(c->to, c->t, vals, e);
}

int store_copy(struct store *from, struct store *to, size_t *rows, err_t *e)
{
    bool empty = false;
    int rc = to->ops->is_empty(to, &empty, e);
    if (rc)
        return rc;
    if (!empty)
        return err_set(e, ERR_CONFLICT,
                       "the target database already holds data: migrate into an empty one");
    /* One read snapshot of the source, one transaction on the target: all or nothing. */
    if ((rc = from->ops->begin(from, false, e)))
        return rc;
    if ((rc = to->ops->begin(to, true, e))) {
        from->ops->rollback(from);
        return rc;
    }
    struct copy_ctx c = {to, NULL, 0};
    for (size_t i = 0; !rc && i < store_ntables; i++) {
        c.t = &store_tables[i];
        rc = from->ops->table_rows(from, c.t, copy_row, &c, e);
    }
    if (!rc)
        rc = to->ops->after_copy(to, e);
    if (!rc)
        rc = to->ops->commit(to, e);
    else
        to->ops->rollback(to);
    from->ops->rollback(from);
    *rows = c.rows;
    return rc;
}

void store_upper(const char *q, char out[STORE_QUERY_MAX + 1])
{
    size_t i = 0;
    for (; q[i] && i < STORE_QUERY_MAX; i++)
        out[i] = q[i] >= 'a' && q[i] <= 'z' ? (char)(q[i] - 'a' + 'A') : q[i];
    out[i] = '\0';
}

static atomic_uint_fast64_t commits;

uint64_t store_commits(void)
{
    return (uint64_t)atomic_load(&commits);
}

void store_committed(void)
{
    atomic_fetch_add(&commits, 1);
}

/* --- idempotency keys: the result column holds "<fingerprint> <result>" --- */

int store_idem_find_text(struct store *st, const char *scope, const char *key, const char *fp,
                         char **result, err_t *e)
{
    char *stored;
    int rc = st->ops->idem_get(st, scope, key, &stored, e);
    if (rc)
        return rc;
    const char *sp = strchr(stored, ' ');
    if (!sp || (size_t)(sp - stored) != strlen(fp) || strncmp(stored, fp, strlen(fp))) {
        free(stored);
        return err_named(e, ERR_INVALID, "IDEMPOTENCY_KEY_REUSED",
                         "this Idempotency-Key was used with a different request body: use "
                         "a new key for a new request");
    }
    memmove(stored, sp + 1, strlen(sp + 1) + 1);
    *result = stored;
    return 0;
}

int store_idem_find(struct store *st, const char *scope, const char *key, const char *fp,
                    char *id, size_t cap, err_t *e)
{
    char *stored;
    int rc = store_idem_find_text(st, scope, key, fp, &stored, e);
    if (rc)
        return rc;
    snprintf(id, cap, "%s", stored);
    free(stored);
    return 0;
}

int store_idem_save(struct store *st, const char *scope, const char *key, const char *fp,
                    const char *result, err_t *e)
{
    char *stored = malloc(strlen(fp) + 1 + strlen(result) + 1);
    if (!stored)
        return err_set(e, ERR_NOMEM, "out of memory");
    sprintf(stored, "%s %s", fp, result);
    int rc = st->ops->idem_put(st, scope, key, stored, e);
    free(stored);
    return rc;
}

/* SQLite backend: the schema: opening, migrations, transactions and the ops table. */
#include "store/sqlite/sqlite_int.h"

/* Bumped on every commit of this process, since a connection's data_version only moves for
 * other connections' commits. */
static atomic_uint_fast64_t local_commits;

/* Each entry moves the schema from version i to i + 1. */
static const char *const migrations[] = {
    "CREATE TABLE locations(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE products(sku TEXT PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,"
    "  currency TEXT NOT NULL, description TEXT NOT NULL, image_url TEXT NOT NULL);"
    /* Keyed by the position's identity so an import touches one B-tree per row. */
    "CREATE TABLE positions(sku TEXT NOT NULL, location_id TEXT NOT NULL,"
    "  stock_type INTEGER NOT NULL, transit_ref TEXT NOT NULL, order_date INTEGER,"
    "  stock_date INTEGER, quantity INTEGER NOT NULL CHECK (quantity >= 0),"
    "  reserved INTEGER NOT NULL CHECK (reserved >= 0),"
    "  allocated INTEGER NOT NULL CHECK (allocated >= 0), import_run INTEGER,"
    "  PRIMARY KEY(sku, location_id, stock_type, transit_ref)) WITHOUT ROWID;"
    "CREATE TABLE imports(id TEXT PRIMARY KEY, source INTEGER NOT NULL, file_name TEXT,"
    "  status INTEGER NOT NULL, total_rows INTEGER NOT NULL, rows_applied INTEGER NOT NULL,"
    "  total_errors INTEGER NOT NULL, created_at TEXT NOT NULL, finished_at TEXT NOT NULL);"
    "CREATE TABLE import_errors(import_id TEXT NOT NULL, n INTEGER NOT NULL,"
    "  line INTEGER NOT NULL, col INTEGER, value TEXT, message TEXT NOT NULL,"
    "  PRIMARY KEY(import_id, n)) WITHOUT ROWID;"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, hash BLOB NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE idempotency(scope TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
    "  PRIMARY KEY(scope, key));",
    /* 2: orders, shipments, allocations, payments, carts, the email outbox, console users.
     * Statuses are the C enums' integers; dates (date_t) are day numbers or NULL. */
    "CREATE TABLE orders(id TEXT PRIMARY KEY, number INTEGER NOT NULL UNIQUE,"
    "  access_token TEXT NOT NULL, status INTEGER NOT NULL, email TEXT NOT NULL,"
    "  currency TEXT NOT NULL, total INTEGER NOT NULL, ship_name TEXT NOT NULL,"
    "  ship_line1 TEXT NOT NULL, ship_line2 TEXT NOT NULL, ship_city TEXT NOT NULL,"
    "  ship_postal_code TEXT NOT NULL, ship_country TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE order_lines(order_id TEXT NOT NULL REFERENCES orders(id),"
    "  n INTEGER NOT NULL, sku TEXT NOT NULL, name TEXT NOT NULL, quantity INTEGER NOT NULL,"
    "  unit_price INTEGER NOT NULL, amount INTEGER NOT NULL,"
    "  PRIMARY KEY(order_id, n)) WITHOUT ROWID;"
    /* seq orders shipments across all orders: receipts release the oldest first. */
    "CREATE TABLE shipments(id TEXT PRIMARY KEY, seq INTEGER NOT NULL UNIQUE,"
    "  order_id TEXT NOT NULL REFERENCES orders(id), n INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, stock_type INTEGER NOT NULL, location_id TEXT NOT NULL,"
    "  transit_ref TEXT NOT NULL, stock_date INTEGER, expected_from INTEGER,"
    "  expected_to INTEGER, expected_message TEXT NOT NULL, amount INTEGER NOT NULL,"
    "  tracking_number TEXT NOT NULL, shipped_at TEXT NOT NULL, UNIQUE(order_id, n));"
    "CREATE TABLE shipment_items(shipment_id TEXT NOT NULL REFERENCES shipments(id),"
    "  n INTEGER NOT NULL, sku TEXT NOT NULL, quantity INTEGER NOT NULL,"
    "  PRIMARY KEY(shipment_id, n)) WITHOUT ROWID;"
    /* No foreign key to positions, so callers may move units before creating the onhand
     * row; check reports allocations on missing positions instead. */
    "CREATE TABLE allocations(shipment_id TEXT NOT NULL REFERENCES shipments(id),"
    "  sku TEXT NOT NULL, location_id TEXT NOT NULL, stock_type INTEGER NOT NULL,"
    "  transit_ref TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity > 0),"
    "  PRIMARY KEY(shipment_id, sku, location_id, stock_type, transit_ref)) WITHOUT ROWID;"
    /* Receipts list a position's allocations. */
    "CREATE INDEX allocations_position ON allocations(sku, location_id, stock_type,"
    "  transit_ref);"
    "CREATE TABLE payments(order_id TEXT PRIMARY KEY REFERENCES orders(id),"
    "  provider TEXT NOT NULL, ref TEXT NOT NULL, authorized INTEGER NOT NULL,"
    "  captured INTEGER NOT NULL, voided INTEGER NOT NULL, refunded INTEGER NOT NULL);"
    "CREATE TABLE captures(id INTEGER PRIMARY KEY,"
    "  order_id TEXT NOT NULL REFERENCES orders(id),"
    "  shipment_id TEXT REFERENCES shipments(id), amount INTEGER NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE INDEX captures_order ON captures(order_id);"
    "CREATE TABLE carts(id TEXT PRIMARY KEY,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    /* A rowid table: lines list in the order they were first added. */
    "CREATE TABLE cart_lines(cart_id TEXT NOT NULL REFERENCES carts(id), sku TEXT NOT NULL,"
    "  quantity INTEGER NOT NULL CHECK (quantity > 0), PRIMARY KEY(cart_id, sku));"
    "CREATE TABLE outbox(id TEXT PRIMARY KEY, kind TEXT NOT NULL, order_id TEXT,"
    "  from_addr TEXT NOT NULL, to_addr TEXT NOT NULL, subject TEXT NOT NULL,"
    "  text TEXT NOT NULL, html TEXT NOT NULL, status INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL, last_error TEXT NOT NULL,"
    "  next_attempt_at INTEGER NOT NULL, created_at TEXT NOT NULL);"
    /* The mail worker's claim. */
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_at);"
    /* check's look-up of each order's confirmation. */
    "CREATE INDEX outbox_order ON outbox(order_id, kind);"
    "CREATE TABLE users(name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    /* Console sessions: only a hash of the cookie's token is kept. */
    "CREATE TABLE sessions(token_hash BLOB PRIMARY KEY, user TEXT NOT NULL,"
    "  csrf TEXT NOT NULL, expires_at INTEGER NOT NULL);",
    /* 3: the console's searches at catalog scale: transit positions by SKU and by
     * transitRef (partial: onhand rows, most of them, cost nothing), products by name. */
    "CREATE INDEX positions_transit_sku ON positions(sku, location_id, transit_ref)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX positions_transit_ref ON positions(transit_ref, sku, location_id)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX products_name_lower ON products(lower(name));",
    /* 4: inventory jobs list the SKUs they wrote that have no product (SPEC 5.3). */
    "ALTER TABLE imports ADD COLUMN total_warnings INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE import_warnings(import_id TEXT NOT NULL, n INTEGER NOT NULL,"
    "  sku TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY(import_id, n)) WITHOUT ROWID;",
    /* 5: promises follow supply. promised_* is the range given at placement; changed_run
     * marks the positions whose values an import changed, whose SKUs are re-planned. */
    "ALTER TABLE shipments ADD COLUMN promised_from INTEGER;"
    "ALTER TABLE shipments ADD COLUMN promised_to INTEGER;"
    "ALTER TABLE shipments ADD COLUMN promised_message TEXT NOT NULL DEFAULT '';"
    "UPDATE shipments SET promised_from = expected_from, promised_to = expected_to,"
    "  promised_message = expected_message;"
    "ALTER TABLE positions ADD COLUMN changed_run INTEGER;"
    "CREATE INDEX positions_changed ON positions(changed_run) WHERE changed_run IS NOT NULL;",
    /* 6: payment intents, the ledger of provider calls (kind and status by name), and the
     * test provider's own record. Orders placed before get the intents their payment row
     * and captures tell of, so the ledger covers every order. */
    "CREATE TABLE payment_intents(seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,"
    "  order_id TEXT NOT NULL, shipment_id TEXT NOT NULL, kind TEXT NOT NULL,"
    "  status TEXT NOT NULL, amount INTEGER NOT NULL, currency TEXT NOT NULL,"
    "  provider TEXT NOT NULL, token TEXT NOT NULL, ref TEXT NOT NULL, error TEXT NOT NULL,"
    "  created INTEGER NOT NULL, at TEXT NOT NULL, day INTEGER);"
    "ALTER TABLE shipments ADD COLUMN payment_required INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX payment_intents_order ON payment_intents(order_id);"
    "CREATE INDEX payment_intents_status ON payment_intents(status, created);"
    "CREATE TABLE test_payments(key TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    "  amount INTEGER NOT NULL, code INTEGER NOT NULL, ref TEXT NOT NULL,"
    "  message TEXT NOT NULL, calls INTEGER NOT NULL);"
    "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency,"
    "  provider, token, ref, error, created, at) SELECT 'pi_auth_' || p.order_id, p.order_id,"
    "  '', 'authorize', 'SUCCEEDED', p.authorized, o.currency, p.provider, '', p.ref, '', 0,"
    "  o.created_at FROM payments p JOIN orders o ON o.id = p.order_id ORDER BY o.number;"
    "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency,"
    "  provider, token, ref, error, created, at) SELECT 'pi_cap_' || c.id, c.order_id,"
    "  coalesce(c.shipment_id, ''), 'capture', 'SUCCEEDED', c.amount, o.currency, p.provider,"
    "  '', p.ref, '', 0, c.created_at FROM captures c JOIN orders o ON o.id = c.order_id"
    "  JOIN payments p ON p.order_id = c.order_id ORDER BY c.id;"
    "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency,"
    "  provider, token, ref, error, created, at) SELECT 'pi_void_' || p.order_id, p.order_id,"
    "  '', 'void', 'SUCCEEDED', p.voided, o.currency, p.provider, '', p.ref, '', 0,"
    "  o.created_at FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.voided > 0;"
    "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency,"
    "  provider, token, ref, error, created, at) SELECT 'pi_refund_' || p.order_id,"
    "  p.order_id, '', 'refund', 'SUCCEEDED', p.refunded, o.currency, p.provider, '', p.ref,"
    "  '', 0, o.created_at FROM payments p JOIN orders o ON o.id = p.order_id"
    "  WHERE p.refunded > 0;",
    /* 7: the change log that keeps every server's availability read model fresh (SPEC 8).
     * A new seq is the largest + 1; pruning always keeps the last row, so none comes twice
     * (AUTOINCREMENT would cost a write of sqlite_sequence per change). */
    "CREATE TABLE changes(seq INTEGER PRIMARY KEY, sku TEXT NOT NULL);"
    "CREATE TRIGGER positions_ins AFTER INSERT ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER positions_upd AFTER UPDATE ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER positions_del AFTER DELETE ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(old.sku); END;"
    "CREATE TRIGGER products_ins AFTER INSERT ON products"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER products_upd AFTER UPDATE ON products"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER products_del AFTER DELETE ON products"
    "  BEGIN INSERT INTO changes(sku) VALUES(old.sku); END;"
    "CREATE TRIGGER settings_ins AFTER INSERT ON settings"
    "  BEGIN INSERT INTO changes(sku) VALUES(''); END;"
    "CREATE TRIGGER settings_upd AFTER UPDATE ON settings"
    "  BEGIN INSERT INTO changes(sku) VALUES(''); END;"
    "CREATE TRIGGER settings_del AFTER DELETE ON settings"
    "  BEGIN INSERT INTO changes(sku) VALUES(''); END;",
    /* 8: delays and consent (SPEC 5.8). consent by enum delay_consent (0: no delay);
     * accepted_to is the range the shopper last accepted (promised_to until then); sweeps
     * holds the business dates the promise sweep completed. */
    "ALTER TABLE shipments ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE shipments ADD COLUMN delay_consent INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE shipments ADD COLUMN delay_detected INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_prev_from INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_prev_to INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_exp_from INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_exp_to INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_respond_by INTEGER;"
    "ALTER TABLE shipments ADD COLUMN delay_required INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE shipments ADD COLUMN accepted_to INTEGER;"
    "ALTER TABLE shipments ADD COLUMN accepted_undated INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE shipments ADD COLUMN consented_before INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX shipments_overdue ON shipments(stock_date) WHERE stock_type = 1 "
    "  AND status <= 1 AND overdue = 0;"
    "CREATE INDEX shipments_delayed ON shipments(order_id) WHERE delay_consent <> 0 "
    "  AND status <= 1;"
    "CREATE INDEX shipments_pending ON shipments(delay_respond_by) WHERE delay_consent = 1 "
    "  AND status <= 1;"
    "CREATE TABLE sweeps(day INTEGER PRIMARY KEY, at TEXT NOT NULL);",
    /* 9: fabric's itemId on products (SPEC 9): unique where set, NULL for none. */
    "ALTER TABLE products ADD COLUMN item_id INTEGER;"
    "CREATE UNIQUE INDEX products_item_id ON products(item_id);",
    /* 10: limits per (sku, location) (SPEC 9), NULL for none. A change is a change of the
     * SKU's availability, so it goes to the change log like a position's. */
    "CREATE TABLE limits(sku TEXT NOT NULL, location_id TEXT NOT NULL,"
    "  safety_stock INTEGER, preorder_limit INTEGER, backorder_limit INTEGER,"
    "  low_stock INTEGER, PRIMARY KEY(sku, location_id));"
    "CREATE TRIGGER limits_ins AFTER INSERT ON limits"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER limits_upd AFTER UPDATE ON limits"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER limits_del AFTER DELETE ON limits"
    "  BEGIN INSERT INTO changes(sku) VALUES(old.sku); END;",
    /* 11: fabric backorder/preorder records (SPEC 9): what placement knew of each line with
     * units not served from onhand; the rest is read from the shipments. consent_at: when
     * an answer to a delay last came ('' for none). */
    "CREATE TABLE backorders(id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id),"
    "  order_number INTEGER NOT NULL, line INTEGER NOT NULL, sku TEXT NOT NULL,"
    "  quantity INTEGER NOT NULL, type INTEGER NOT NULL, location_id TEXT NOT NULL,"
    "  consent_at TEXT NOT NULL DEFAULT '', UNIQUE(order_id, line));"
    "CREATE INDEX backorders_order ON backorders(order_number, line);"
    "CREATE INDEX backorders_sku ON backorders(sku, order_number, line);",
    /* 12: channels (SPEC 9). A position's channel is part of its key (0: none, serves every
     * channel), so positions and allocations are rebuilt with it in their primary keys (with
     * their indexes and change-log triggers); an order keeps the channel it was placed in. */
    "CREATE TABLE positions_c(sku TEXT NOT NULL, location_id TEXT NOT NULL,"
    "  stock_type INTEGER NOT NULL, transit_ref TEXT NOT NULL, order_date INTEGER,"
    "  stock_date INTEGER, quantity INTEGER NOT NULL CHECK (quantity >= 0),"
    "  reserved INTEGER NOT NULL CHECK (reserved >= 0),"
    "  allocated INTEGER NOT NULL CHECK (allocated >= 0), import_run INTEGER,"
    "  changed_run INTEGER, channel_id INTEGER NOT NULL DEFAULT 0 CHECK (channel_id >= 0),"
    "  PRIMARY KEY(sku, location_id, stock_type, transit_ref, channel_id)) WITHOUT ROWID;"
    "INSERT INTO positions_c(sku, location_id, stock_type, transit_ref, order_date,"
    "  stock_date, quantity, reserved, allocated, import_run, changed_run)"
    "  SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity,"
    "  reserved, allocated, import_run, changed_run FROM positions;"
    "DROP TABLE positions;"
    "ALTER TABLE positions_c RENAME TO positions;"
    "CREATE INDEX positions_transit_sku ON positions(sku, location_id, transit_ref)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX positions_transit_ref ON positions(transit_ref, sku, location_id)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX positions_changed ON positions(changed_run) WHERE changed_run IS NOT NULL;"
    "CREATE TRIGGER positions_ins AFTER INSERT ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER positions_upd AFTER UPDATE ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(new.sku); END;"
    "CREATE TRIGGER positions_del AFTER DELETE ON positions"
    "  BEGIN INSERT INTO changes(sku) VALUES(old.sku); END;"
    "CREATE TABLE allocations_c(shipment_id TEXT NOT NULL REFERENCES shipments(id),"
    "  sku TEXT NOT NULL, location_id TEXT NOT NULL, stock_type INTEGER NOT NULL,"
    "  transit_ref TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity > 0),"
    "  channel_id INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(shipment_id, sku, location_id,"
    "  stock_type, transit_ref, channel_id)) WITHOUT ROWID;"
    "INSERT INTO allocations_c(shipment_id, sku, location_id, stock_type, transit_ref,"
    "  quantity) SELECT shipment_id, sku, location_id, stock_type, transit_ref, quantity"
    "  FROM allocations;"
    "DROP TABLE allocations;"
    "ALTER TABLE allocations_c RENAME TO allocations;"
    "CREATE INDEX allocations_position ON allocations(sku, location_id, stock_type,"
    "  transit_ref, channel_id);"
    "ALTER TABLE orders ADD COLUMN channel_id INTEGER NOT NULL DEFAULT 0;",
    /* 13: the business date of a shipment's last delay notice (fabric's lastNotifiedAt);
     * until now only the first was kept. */
    "ALTER TABLE shipments ADD COLUMN delay_notified INTEGER;"
    "UPDATE shipments SET delay_notified = delay_detected;",
    /* 14: fabric's list by location (SPEC 9) counts and pages a location's SKUs. */
    "CREATE INDEX positions_location ON positions(location_id, sku);",
    /* 15: how many of a shipment's units joined it at a bar (accepted_to) earlier than its
     * own promise: when they leave again, it is held to its own promise again (SPEC 5.8). */
    "ALTER TABLE shipments ADD COLUMN bar_units INTEGER NOT NULL DEFAULT 0;",
};

/* How long another process's commit may go unseen by version(): asking SQLite costs file
 * locks and a stat per call, too much for every availability look-up. */
#define VERSION_CHECK_NS 1000000

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct store_ops sqlite_ops;

static int migrate(struct sqlite_store *s, err_t *e)
{
    /* BEGIN IMMEDIATE serialises two processes starting on a new file at once. */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, e, "start the schema migration");
    sqlite3_stmt *q;
    int version = 0;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) == SQLITE_OK) {
        if (sqlite3_step(q) == SQLITE_ROW)
            version = sqlite3_column_int(q, 0);
        sqlite3_finalize(q);
    }
    int target = (int)(sizeof migrations / sizeof migrations[0]);
    if (version > target) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        return err_set(e, ERR_STORE,
                       "the database was written by a newer sellahead (schema %d, this one "
                       "knows %d)",
                       version, target);
    }
    for (; version < target; version++) {
        char pragma[40];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", version + 1);
        if (sqlite3_exec(s->db, migrations[version], NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_exec(s->db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
            int r = sq_fail(s, e, "migrate the schema");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return r;
        }
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return sq_fail(s, e, "finish the schema migration");
    return 0;
}

int store_sqlite_open(const char *path, struct store **out, err_t *e)
{
    struct sqlite_store *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->base.ops = &sqlite_ops;
    /* NOMUTEX: a connection belongs to one thread, so SQLite's own locking is waste. */
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
        err_set(e, ERR_UNAVAILABLE, "cannot open database %s: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_close(s->db);
        free(s);
        return e ? e->code : ERR_UNAVAILABLE;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* synchronous=FULL: a committed order survives a power cut. */
    const char *pragmas = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                          "PRAGMA foreign_keys = ON; PRAGMA cache_size = -16000;"
                          "PRAGMA temp_store = MEMORY;";
    int rc = sqlite3_exec(s->db, pragmas, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        rc = sq_fail(s, e, "configure the database");
    else
        rc = migrate(s, e);
    if (rc) {
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static void sq_close(struct store *st)
{
    struct sqlite_store *s = S(st);
    if (!s)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->stmt[i]);
    for (size_t i = 0; i < sizeof s->copy_insert / sizeof s->copy_insert[0]; i++)
        sqlite3_finalize(s->copy_insert[i]);
    sqlite3_close(s->db);
    free(s);
}

static int sq_begin(struct store *st, bool write, err_t *e)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        int rc = sq_exec(s, Q_SAVEPOINT, e, "start a transaction");
        s->sp_open = rc == 0;
        return rc;
    }
    return sq_exec(s, write ? Q_BEGIN_WRITE : Q_BEGIN_READ, e, "start a transaction");
}

int sq_commit(struct store *st, err_t *e)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        s->sp_open = false;
        return sq_exec(s, Q_RELEASE, e, "commit");
    }
    int rc = sq_exec(s, Q_COMMIT, e, "commit");
    if (rc == 0) {
        atomic_fetch_add(&local_commits, 1);
        store_committed();
    } else
        sq_exec(s, Q_ROLLBACK, NULL, "roll back");
    return rc;
}

void sq_rollback(struct store *st)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        if (s->sp_open) {
            sq_exec(s, Q_ROLLBACK_TO, NULL, "roll back");
            sq_exec(s, Q_RELEASE, NULL, "roll back");
        }
        s->sp_open = false;
    } else if (!sqlite3_get_autocommit(s->db)) {
        sq_exec(s, Q_ROLLBACK, NULL, "roll back");
    }
}

/* Group commit: many transactions share one COMMIT, so one fsync, each in a savepoint so a
 * failed one leaves the others standing. */
static int sq_batch_begin(struct store *st, err_t *e)
{
    struct sqlite_store *s = S(st);
    int rc = sq_exec(s, Q_BEGIN_WRITE, e, "start a transaction");
    s->batch = rc == 0;
    return rc;
}

static int sq_batch_end(struct store *st, bool commit, err_t *e)
{
    struct sqlite_store *s = S(st);
    s->batch = s->sp_open = false;
    if (!commit) {
        sq_exec(s, Q_ROLLBACK, NULL, "roll back");
        return 0;
    }
    return sq_commit(st, e);
}

static uint64_t sq_version(struct store *st)
{
    struct sqlite_store *s = S(st);
    int64_t now = now_ns();
    if (now - s->version_checked_ns >= VERSION_CHECK_NS) {
        sqlite3_stmt *q = sq_stmt(s, Q_DATA_VERSION, NULL);
        if (q && sqlite3_step(q) == SQLITE_ROW)
            s->data_version = (uint64_t)sqlite3_column_int64(q, 0);
        if (q)
            sq_done(q, 0);
        s->version_checked_ns = now;
    }
    /* This process's commits count at once, whichever connection made them. */
    return (s->data_version << 32) ^ (uint64_t)atomic_load(&local_commits);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .group_commit = true,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .batch_begin = sq_batch_begin,
    .session_add = sq_session_add,
    .positions_lock = sq_positions_by_sku,
    .order_lock = sq_order_lock,
    .table_rows = sq_table_rows,
    .table_insert = sq_table_insert,
    .is_empty = sq_is_empty,
    .after_copy = sq_after_copy,
    .session_get = sq_session_get,
    .session_delete = sq_session_delete,
    .batch_end = sq_batch_end,
    .version = sq_version,
    .location_add = sq_location_add,
    .location_list = sq_location_list,
    .product_upsert = sq_product_upsert,
    .product_get = sq_product_get,
    .product_page = sq_product_page,
    .positions_by_sku = sq_positions_by_sku,
    .sku_exists = sq_sku_exists,
    .sku_page = sq_sku_page,
    .position_import = sq_position_import,
    .import_flush = sq_import_flush,
    .import_apply = sq_import_apply,
    .import_save = sq_import_save,
    .import_get = sq_import_get,
    .import_list = sq_import_list,
    .settings_get = sq_settings_get,
    .settings_put = sq_settings_put,
    .apikey_add = sq_apikey_add,
    .apikey_hash = sq_apikey_hash,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
    .intent_add = sq_intent_add,
    .intent_settle = sq_intent_settle,
    .intent_pending = sq_intent_pending,
    .testpay_record = sq_testpay_record,
    .order_next_number = sq_order_next_number,
    .order_insert = sq_order_insert,
    .order_get = sq_order_get,
    .order_page = sq_order_page,
    .order_by_shipment = sq_order_by_shipment,
    .order_set_status = sq_order_set_status,
    .shipment_update = sq_shipment_update,
    .payment_update = sq_payment_update,
    .capture_add = sq_capture_add,
    .position_allocate = sq_position_allocate,
    .position_adjust = sq_position_adjust,
    .alloc_add = sq_alloc_add,
    .alloc_list = sq_alloc_list,
    .alloc_delete = sq_alloc_delete,
    .shipment_get = sq_shipment_get,
    .shipment_add = sq_shipment_add,
    .shipment_save = sq_shipment_save,
    .shipment_delete = sq_shipment_delete,
    .replan_skus = sq_replan_skus,
    .transit_page = sq_transit_page,
    .cart_create = sq_cart_create,
    .cart_lines = sq_cart_lines,
    .cart_set = sq_cart_set,
    .outbox_add = sq_outbox_add,
    .outbox_claim = sq_outbox_claim,
    .outbox_update = sq_outbox_update,
    .outbox_list = sq_outbox_list,
    .user_add = sq_user_add,
    .user_hash = sq_user_hash,
    .check = sq_check,
    .holds_stock = sq_holds_stock,
    .user_list = sq_user_list,
    .user_set_hash = sq_user_set_hash,
    .user_remove = sq_user_remove,
    .apikey_list = sq_apikey_list,
    .apikey_revoke = sq_apikey_revoke,
    .sku_count = sq_sku_count,
    .transit_search = sq_transit_search,
    .import_unsold = sq_import_unsold,
    .product_find = sq_product_find,
    .changes_since = sq_changes_since,
    .changes_head = sq_changes_head,
    .changes_prune = sq_changes_prune,
    .positions_page = sq_positions_page,
    .order_page_delayed = sq_order_page_delayed,
    .overdue_skus = sq_overdue_skus,
    .delays_due = sq_delays_due,
    .sweep_lock = sq_sweep_lock,
    .sweep_done = sq_sweep_done,
    .product_by_item = sq_product_by_item,
    .order_get_light = sq_order_get_light,
    .limits_get = sq_limits_get,
    .limits_put = sq_limits_put,
    .bo_add = sq_bo_add,
    .bo_scan = sq_bo_scan,
    .bo_consented = sq_bo_consented,
    .positions_offset_page = sq_positions_offset_page,
};

/* PostgreSQL backend: the schema: opening, migrations, transactions and the ops table. */
#include "store/postgres/pg_int.h"

/* Each entry moves the schema from version i to i + 1; the same tables and columns as the
 * SQLite backend's migrations, in PostgreSQL's types. Dates (date_t) stay day numbers.
 * SKUs and location ids compare bytewise (COLLATE "C") as in SQLite, so pages and
 * listings come in the same order on both. rowid orderings become identity columns (seq). */
static const char *const migrations[] = {
    "CREATE TABLE locations(id TEXT COLLATE \"C\" PRIMARY KEY, name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ");"
    "CREATE TABLE products(sku TEXT COLLATE \"C\" PRIMARY KEY, name TEXT NOT NULL,"
    "  price BIGINT NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL,"
    "  image_url TEXT NOT NULL);"
    "CREATE TABLE positions(sku TEXT COLLATE \"C\" NOT NULL,"
    "  location_id TEXT COLLATE \"C\" NOT NULL, stock_type INTEGER NOT NULL,"
    "  transit_ref TEXT COLLATE \"C\" NOT NULL, order_date INTEGER, stock_date INTEGER,"
    "  quantity BIGINT NOT NULL CHECK (quantity >= 0),"
    "  reserved BIGINT NOT NULL CHECK (reserved >= 0),"
    "  allocated BIGINT NOT NULL CHECK (allocated >= 0), import_run BIGINT,"
    "  PRIMARY KEY(sku, location_id, stock_type, transit_ref));"
    "CREATE TABLE imports(id TEXT PRIMARY KEY,"
    "  seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE, source INTEGER NOT NULL,"
    "  file_name TEXT, status INTEGER NOT NULL, total_rows BIGINT NOT NULL,"
    "  rows_applied BIGINT NOT NULL, total_errors BIGINT NOT NULL, created_at TEXT NOT NULL,"
    "  finished_at TEXT NOT NULL);"
    "CREATE TABLE import_errors(import_id TEXT NOT NULL, n INTEGER NOT NULL,"
    "  line BIGINT NOT NULL, col INTEGER, value TEXT, message TEXT NOT NULL,"
    "  PRIMARY KEY(import_id, n));"
    "CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE api_keys(id TEXT PRIMARY KEY, name TEXT NOT NULL, hash BYTEA NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ");"
    "CREATE TABLE idempotency(scope TEXT NOT NULL, key TEXT NOT NULL, result TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ", PRIMARY KEY(scope, key));",
    /* 2: orders, shipments, allocations, payments, carts, the email outbox, console users
     * and sessions. Statuses are the C enums' integers. */
    "CREATE SEQUENCE order_number START 1001;"
    "CREATE SEQUENCE shipment_seq;"
    "CREATE TABLE orders(id TEXT PRIMARY KEY, number BIGINT NOT NULL UNIQUE,"
    "  access_token TEXT NOT NULL, status INTEGER NOT NULL, email TEXT NOT NULL,"
    "  currency TEXT NOT NULL, total BIGINT NOT NULL, ship_name TEXT NOT NULL,"
    "  ship_line1 TEXT NOT NULL, ship_line2 TEXT NOT NULL, ship_city TEXT NOT NULL,"
    "  ship_postal_code TEXT NOT NULL, ship_country TEXT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE TABLE order_lines(order_id TEXT NOT NULL REFERENCES orders(id),"
    "  n INTEGER NOT NULL, sku TEXT NOT NULL, name TEXT NOT NULL, quantity BIGINT NOT NULL,"
    "  unit_price BIGINT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY(order_id, n));"
    "CREATE TABLE shipments(id TEXT PRIMARY KEY, seq BIGINT NOT NULL UNIQUE,"
    "  order_id TEXT NOT NULL REFERENCES orders(id), n INTEGER NOT NULL,"
    "  status INTEGER NOT NULL, stock_type INTEGER NOT NULL,"
    "  location_id TEXT COLLATE \"C\" NOT NULL, transit_ref TEXT COLLATE \"C\" NOT NULL,"
    "  stock_date INTEGER, expected_from INTEGER, expected_to INTEGER,"
    "  expected_message TEXT NOT NULL, amount BIGINT NOT NULL,"
    "  tracking_number TEXT NOT NULL, shipped_at TEXT NOT NULL, UNIQUE(order_id, n));"
    "CREATE TABLE shipment_items(shipment_id TEXT NOT NULL REFERENCES shipments(id),"
    "  n INTEGER NOT NULL, sku TEXT NOT NULL, quantity BIGINT NOT NULL,"
    "  PRIMARY KEY(shipment_id, n));"
    /* No foreign key to positions (see the SQLite schema); check reports orphans. */
    "CREATE TABLE allocations(shipment_id TEXT NOT NULL REFERENCES shipments(id),"
    "  sku TEXT COLLATE \"C\" NOT NULL, location_id TEXT COLLATE \"C\" NOT NULL,"
    "  stock_type INTEGER NOT NULL, transit_ref TEXT COLLATE \"C\" NOT NULL,"
    "  quantity BIGINT NOT NULL CHECK (quantity > 0),"
    "  PRIMARY KEY(shipment_id, sku, location_id, stock_type, transit_ref));"
    "CREATE INDEX allocations_position ON allocations(sku, location_id, stock_type,"
    "  transit_ref);"
    "CREATE TABLE payments(order_id TEXT PRIMARY KEY REFERENCES orders(id),"
    "  provider TEXT NOT NULL, ref TEXT NOT NULL, authorized BIGINT NOT NULL,"
    "  captured BIGINT NOT NULL, voided BIGINT NOT NULL, refunded BIGINT NOT NULL);"
    "CREATE TABLE captures(id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  order_id TEXT NOT NULL REFERENCES orders(id),"
    "  shipment_id TEXT REFERENCES shipments(id), amount BIGINT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ");"
    "CREATE INDEX captures_order ON captures(order_id);"
    "CREATE TABLE carts(id TEXT PRIMARY KEY,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ");"
    "CREATE TABLE cart_lines(cart_id TEXT NOT NULL REFERENCES carts(id),"
    "  sku TEXT NOT NULL, quantity BIGINT NOT NULL CHECK (quantity > 0),"
    "  seq BIGINT GENERATED ALWAYS AS IDENTITY, PRIMARY KEY(cart_id, sku));"
    "CREATE TABLE outbox(id TEXT PRIMARY KEY, seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,"
    "  kind TEXT NOT NULL, order_id TEXT,"
    "  from_addr TEXT NOT NULL, to_addr TEXT NOT NULL, subject TEXT NOT NULL,"
    "  text TEXT NOT NULL, html TEXT NOT NULL, status INTEGER NOT NULL,"
    "  attempts INTEGER NOT NULL, last_error TEXT NOT NULL,"
    "  next_attempt_at BIGINT NOT NULL, created_at TEXT NOT NULL);"
    "CREATE INDEX outbox_due ON outbox(status, next_attempt_at);"
    "CREATE INDEX outbox_order ON outbox(order_id, kind);"
    "CREATE TABLE users(name TEXT PRIMARY KEY, hash TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT " NOW_ISO ");"
    "CREATE TABLE sessions(token_hash BYTEA PRIMARY KEY, \"user\" TEXT NOT NULL,"
    "  csrf TEXT NOT NULL, expires_at BIGINT NOT NULL);",
    /* 3: the console's searches at catalog scale: transit positions by SKU and by
     * transitRef (partial: onhand rows, most of them, cost nothing), products by name. */
    "CREATE INDEX positions_transit_sku ON positions(sku, location_id, transit_ref)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX positions_transit_ref ON positions(transit_ref, sku, location_id)"
    "  WHERE stock_type = 1;"
    "CREATE INDEX products_name_lower ON products((lower(name) COLLATE \"C\"));",
    /* 4: inventory jobs list the SKUs they wrote that have no product (SPEC 5.3). */
    "ALTER TABLE imports ADD COLUMN total_warnings BIGINT NOT NULL DEFAULT 0;"
    "CREATE TABLE import_warnings(import_id TEXT NOT NULL, n INTEGER NOT NULL,"
    "  sku TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY(import_id, n));",
    /* 5: promises follow supply (see sqlite/schema.c). */
    "ALTER TABLE shipments ADD COLUMN promised_from BIGINT,"
    "  ADD COLUMN promised_to BIGINT, ADD COLUMN promised_message TEXT NOT NULL DEFAULT '';"
    "UPDATE shipments SET promised_from = expected_from, promised_to = expected_to,"
    "  promised_message = expected_message;"
    "ALTER TABLE positions ADD COLUMN changed_run BIGINT;"
    "CREATE INDEX positions_changed ON positions(changed_run) WHERE changed_run IS NOT NULL;",
    /* 6: payment intents, the ledger of provider calls (kind and status by name), and the test
     * provider's own record. Orders placed before get the intents their payment row and
     * captures tell of, so the ledger covers every order. */
    "CREATE TABLE payment_intents(seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
    "  id TEXT COLLATE \"C\" NOT NULL UNIQUE, order_id TEXT COLLATE \"C\" NOT NULL,"
    "  shipment_id TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL,"
    "  amount BIGINT NOT NULL, currency TEXT NOT NULL, provider TEXT NOT NULL,"
    "  token TEXT NOT NULL, ref TEXT NOT NULL, error TEXT NOT NULL, created BIGINT NOT NULL,"
    "  at TEXT NOT NULL, day INTEGER);"
    "ALTER TABLE shipments ADD COLUMN payment_required INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX payment_intents_order ON payment_intents(order_id);"
    "CREATE INDEX payment_intents_status ON payment_intents(status, created);"
    "CREATE TABLE test_payments(key TEXT COLLATE \"C\" PRIMARY KEY, kind TEXT NOT NULL,"
    "  amount BIGINT NOT NULL, code INTEGER NOT NULL, ref TEXT NOT NULL,"
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
     * Statement triggers with transition tables: one INSERT ... SELECT per statement, so an
     * import writes its SKUs in one go. */
    "CREATE TABLE changes(seq BIGSERIAL PRIMARY KEY, sku TEXT COLLATE \"C\" NOT NULL);"
    "CREATE FUNCTION changes_new() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN INSERT INTO changes(sku) SELECT DISTINCT sku FROM n; RETURN NULL; END$$;"
    "CREATE FUNCTION changes_old() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN INSERT INTO changes(sku) SELECT DISTINCT sku FROM o; RETURN NULL; END$$;"
    "CREATE FUNCTION changes_settings() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN INSERT INTO changes(sku) VALUES(''); RETURN NULL; END$$;"
    "CREATE TRIGGER positions_ins AFTER INSERT ON positions REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER positions_upd AFTER UPDATE ON positions REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER positions_del AFTER DELETE ON positions REFERENCING OLD TABLE AS o"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_old();"
    "CREATE TRIGGER products_ins AFTER INSERT ON products REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER products_upd AFTER UPDATE ON products REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER products_del AFTER DELETE ON products REFERENCING OLD TABLE AS o"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_old();"
    "CREATE TRIGGER settings_chg AFTER INSERT OR UPDATE OR DELETE ON settings"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_settings();",
    /* 8: delays and consent (SPEC 5.8). consent by enum delay_consent (0: no delay);
     * accepted_to is the range the shopper last accepted (promised_to until then); sweeps
     * holds the business dates the promise sweep completed. */
    "ALTER TABLE shipments ADD COLUMN overdue INTEGER NOT NULL DEFAULT 0,"
    "  ADD COLUMN delay_consent INTEGER NOT NULL DEFAULT 0,"
    "  ADD COLUMN delay_detected INTEGER, ADD COLUMN delay_prev_from INTEGER,"
    "  ADD COLUMN delay_prev_to INTEGER, ADD COLUMN delay_exp_from INTEGER,"
    "  ADD COLUMN delay_exp_to INTEGER, ADD COLUMN delay_respond_by INTEGER,"
    "  ADD COLUMN delay_required INTEGER NOT NULL DEFAULT 0, ADD COLUMN accepted_to INTEGER,"
    "  ADD COLUMN accepted_undated INTEGER NOT NULL DEFAULT 0,"
    "  ADD COLUMN consented_before INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX shipments_overdue ON shipments(stock_date) WHERE stock_type = 1"
    "  AND status <= 1 AND overdue = 0;"
    "CREATE INDEX shipments_delayed ON shipments(order_id) WHERE delay_consent <> 0"
    "  AND status <= 1;"
    "CREATE INDEX shipments_pending ON shipments(delay_respond_by) WHERE delay_consent = 1"
    "  AND status <= 1;"
    "CREATE TABLE sweeps(day INTEGER PRIMARY KEY, at TEXT NOT NULL);",
    /* 9: fabric's itemId on products (SPEC 9): unique where set, NULL for none. */
    "ALTER TABLE products ADD COLUMN item_id BIGINT;"
    "CREATE UNIQUE INDEX products_item_id ON products(item_id);",
    /* 10: the mail worker's next email in one index descent: without seq in the index, every
     * due email was sorted for each claim (10 ms each with a few thousand queued). */
    "CREATE INDEX outbox_next ON outbox(status, next_attempt_at, seq);"
    "DROP INDEX outbox_due;",
    /* 11: limits per (sku, location) (SPEC 9), NULL for none. A change is a change of the
     * SKU's availability, so it goes to the change log like a position's. */
    "CREATE TABLE limits(sku TEXT COLLATE \"C\" NOT NULL,"
    "  location_id TEXT COLLATE \"C\" NOT NULL, safety_stock BIGINT, preorder_limit BIGINT,"
    "  backorder_limit BIGINT, low_stock BIGINT, PRIMARY KEY(sku, location_id));"
    "CREATE TRIGGER limits_ins AFTER INSERT ON limits REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER limits_upd AFTER UPDATE ON limits REFERENCING NEW TABLE AS n"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_new();"
    "CREATE TRIGGER limits_del AFTER DELETE ON limits REFERENCING OLD TABLE AS o"
    "  FOR EACH STATEMENT EXECUTE FUNCTION changes_old();",
    /* 12: fabric backorder/preorder records (SPEC 9): what placement knew of each line with
     * units not served from onhand; the rest is read from the shipments. consent_at: when
     * an answer to a delay last came ('' for none). */
    "CREATE TABLE backorders(id TEXT PRIMARY KEY, order_id TEXT NOT NULL REFERENCES orders(id),"
    "  order_number BIGINT NOT NULL, line INTEGER NOT NULL, sku TEXT COLLATE \"C\" NOT NULL,"
    "  quantity BIGINT NOT NULL, type INTEGER NOT NULL,"
    "  location_id TEXT COLLATE \"C\" NOT NULL, consent_at TEXT NOT NULL DEFAULT '',"
    "  UNIQUE(order_id, line));"
    "CREATE INDEX backorders_order ON backorders(order_number, line);"
    "CREATE INDEX backorders_sku ON backorders(sku, order_number, line);",
    /* 13: channels (SPEC 9). A position's channel is part of its key (0: none, serves every
     * channel), and of its allocations' key; an order keeps the channel it was placed in. */
    "ALTER TABLE positions ADD COLUMN channel_id BIGINT NOT NULL DEFAULT 0"
    "  CHECK (channel_id >= 0);"
    "ALTER TABLE positions DROP CONSTRAINT positions_pkey;"
    "ALTER TABLE positions ADD PRIMARY KEY(sku, location_id, stock_type, transit_ref,"
    "  channel_id);"
    "ALTER TABLE allocations ADD COLUMN channel_id BIGINT NOT NULL DEFAULT 0;"
    "ALTER TABLE allocations DROP CONSTRAINT allocations_pkey;"
    "ALTER TABLE allocations ADD PRIMARY KEY(shipment_id, sku, location_id, stock_type,"
    "  transit_ref, channel_id);"
    "DROP INDEX allocations_position;"
    "CREATE INDEX allocations_position ON allocations(sku, location_id, stock_type,"
    "  transit_ref, channel_id);"
    "ALTER TABLE orders ADD COLUMN channel_id BIGINT NOT NULL DEFAULT 0;",
    /* 14: the business date of a shipment's last delay notice (fabric's lastNotifiedAt);
     * until now only the first was kept. */
    "ALTER TABLE shipments ADD COLUMN delay_notified INTEGER;"
    "UPDATE shipments SET delay_notified = delay_detected;",
    /* 15: a statement that changes more than 20,000 rows (a large import) logs one row '*'
     * (never a SKU): every read model reloads whole for it, as it would for that many SKUs
     * (RELOAD_ROWS in readmodel.c), and the import does not write a log row per SKU (a
     * sixth of a 1M-row import's time). */
    "CREATE OR REPLACE FUNCTION changes_new() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN IF (SELECT count(*) FROM n) > 20000 THEN INSERT INTO changes(sku) VALUES('*');"
    "  ELSE INSERT INTO changes(sku) SELECT DISTINCT sku FROM n; END IF; RETURN NULL; END$$;"
    "CREATE OR REPLACE FUNCTION changes_old() RETURNS trigger LANGUAGE plpgsql AS"
    "  $$BEGIN IF (SELECT count(*) FROM o) > 20000 THEN INSERT INTO changes(sku) VALUES('*');"
    "  ELSE INSERT INTO changes(sku) SELECT DISTINCT sku FROM o; END IF; RETURN NULL; END$$;",
    /* 16: fabric's list by location (SPEC 9) counts and pages a location's SKUs. */
    "CREATE INDEX positions_location ON positions(location_id, sku);",
    /* 17: an email's bodies (some 5 kB an order) compressed with lz4 rather than pglz, whose
     * compression was a visible share of PostgreSQL's time per placement. New rows only. */
    "ALTER TABLE outbox ALTER COLUMN text SET COMPRESSION lz4,"
    "  ALTER COLUMN html SET COMPRESSION lz4;",
    /* 18: the SKUs an import changed come from its stage (Q_REPLAN_SKUS): an index less to
     * keep up on every row an import writes. */
    "DROP INDEX positions_changed;",
    /* 19: how many of a shipment's units joined it at a bar (accepted_to) earlier than its
     * own promise: when they leave again, it is held to its own promise again (SPEC 5.8). */
    "ALTER TABLE shipments ADD COLUMN bar_units BIGINT NOT NULL DEFAULT 0;",
};

#define MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Taken for the migration's transaction, so two servers starting on an empty database at
 * once do not both create the schema ("sellahe" in ASCII). */
#define MIGRATION_LOCK "32481138670921829"

static const struct store_ops postgres_ops;

/* Notices ("relation already exists, skipping") are not news to anyone. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* --- schema --- */

static int migrate(struct pg_store *s, err_t *e)
{
    /* Most connections find the schema current: no lock, no transaction. */
    PGresult *r = PQexec(s->conn, "SELECT version FROM schema_version");
    bool current = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                   pg_col_int(r, 0, 0) == MIGRATIONS;
    PQclear(r);
    if (current)
        return 0;

    int rc = pg_ctl(s, "BEGIN", e, "start the schema migration");
    if (rc)
        return rc;
    s->in_tx = true;
    rc = pg_ctl(s, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", e,
                "lock the schema for its migration");
    if (!rc)
        rc = pg_ctl(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", e,
                    "migrate the schema");
    int version = 0;
    if (!rc && !(rc = pg_ctl_res(s, "SELECT version FROM schema_version", &r, e,
                                 "read the schema version"))) {
        bool has = PQntuples(r) > 0;
        version = has ? pg_col_int(r, 0, 0) : 0;
        PQclear(r);
        if (!has)
            rc = pg_ctl(s, "INSERT INTO schema_version(version) VALUES(0)", e,
                        "migrate the schema");
    }
    if (!rc && version > MIGRATIONS)
        rc = err_set(e, ERR_STORE,
                     "the database was written by a newer sellahead (schema %d, this one "
                     "knows %d)",
                     version, MIGRATIONS);
    for (; !rc && version < MIGRATIONS; version++) {
        rc = pg_ctl(s, migrations[version], e, "migrate the schema");
        if (rc)
            break;
        char v[16];
        snprintf(v, sizeof v, "%d", version + 1);
        const char *vals[1] = {v};
        r = PQexecParams(s->conn, "UPDATE schema_version SET version = $1::integer", 1, NULL,
                         vals, NULL, NULL, 0);
        if (!pg_result_ok(r))
            rc = pg_fail(s, r, e, "migrate the schema");
        PQclear(r);
    }
    if (!rc)
        rc = pg_ctl(s, "COMMIT", e, "finish the schema migration");
    else if (PQstatus(s->conn) == CONNECTION_OK)
        pg_ctl(s, "ROLLBACK", NULL, "roll back the schema migration");
    s->in_tx = false;
    memset(&s->tx_err, 0, sizeof s->tx_err);
    return rc;
}

int store_postgres_open(const char *url, struct store **out, err_t *e)
{
    struct pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return err_set(e, ERR_NOMEM, "out of memory");
    s->base.ops = &postgres_ops;
    /* Keywords are applied in order: the URL (dbname, expanded) may override the defaults
     * before it, never the encoding after it. */
    const char *const keys[] = {"connect_timeout", "application_name", "dbname",
                                "client_encoding", NULL};
    const char *const vals[] = {"5", "sellahead", url, "UTF8", NULL};
    s->conn = PQconnectdbParams(keys, vals, 1);
    if (!s->conn) {
        free(s);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    PQsetNoticeProcessor(s->conn, quiet, NULL);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char msg[400];
        pg_one_line(PQerrorMessage(s->conn), msg, sizeof msg);
        err_set(e, ERR_UNAVAILABLE, "cannot connect to PostgreSQL: %s", msg);
        PQfinish(s->conn);
        free(s);
        return ERR_UNAVAILABLE;
    }
    int rc = pg_session_setup(s, e);
    if (!rc)
        rc = migrate(s, e);
    if (rc) {
        PQfinish(s->conn);
        free(s);
        return rc;
    }
    *out = &s->base;
    return 0;
}

static void pg_close(struct store *st)
{
    struct pg_store *s = S(st);
    if (!s)
        return;
    PQfinish(s->conn);
    pg_import_reset(s);
    free(s);
}

/* --- transactions --- */

/* BEGIN changes nothing, so after a lost connection it runs once more on a fresh one: a
 * request arriving after the database restarted finds it back without a 503. */
int pg_open_tx(struct pg_store *s, const char *sql, err_t *e)
{
    memset(&s->tx_err, 0, sizeof s->tx_err);
    bool was_ok = !s->broken && PQstatus(s->conn) == CONNECTION_OK;
    int rc = pg_ctl(s, sql, e, "start a transaction");
    if (rc == ERR_UNAVAILABLE && was_ok && s->broken)
        rc = pg_ctl(s, sql, e, "start a transaction");
    s->in_tx = rc == 0;
    return rc;
}

/* A write transaction in pipeline mode (conn.c): its BEGIN goes with its first statement.
 * So that a request after a database restart still finds it back without a 503, a
 * connection the server closed while it was idle is noticed here and replaced first: its
 * end waits in the socket, a FATAL message (read as a notice) and then the close, which the
 * second read finds. */
int pg_open_pipe_tx(struct pg_store *s, err_t *e)
{
    memset(&s->tx_err, 0, sizeof s->tx_err);
    for (int i = 0; i < 2 && !s->broken; i++)
        if (!PQconsumeInput(s->conn) || PQstatus(s->conn) != CONNECTION_OK)
            s->broken = true;
    int rc = pg_ensure_conn(s, e);
    if (rc)
        return rc;
    if (!PQenterPipelineMode(s->conn))
        return err_set(e, ERR_STORE, "the database failed while trying to start a transaction");
    s->pipe = s->in_tx = true;
    if ((rc = pg_pipe_ctl(s, "BEGIN", false, "start a transaction", e)))
        pg_rollback(&s->base);
    return rc;
}

/* READ COMMITTED for writes: conditional updates (the oversell guard) and row locks make
 * the read-modify-write steps safe, and a lost race shows as ERR_CONFLICT or ERR_RETRY.
 * A read-only transaction sees one snapshot, like SQLite's. */
static int pg_begin(struct store *st, bool write, err_t *e)
{
    struct pg_store *s = S(st);
    if (s->batch) {
        memset(&s->tx_err, 0, sizeof s->tx_err);
        int rc = pg_ctl(s, "SAVEPOINT tx", e, "start a transaction");
        s->sp_open = rc == 0;
        return rc;
    }
    if (write)
        return pg_open_pipe_tx(s, e);
    return pg_open_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e);
}

/* The error that failed the transaction, for a commit that could only roll it back. */
int pg_tx_failed(struct pg_store *s, err_t *e)
{
    err_t t = s->tx_err;
    if (!t.code)
        err_set(&t, ERR_STORE, "the transaction failed and was rolled back");
    if (e)
        *e = t;
    return t.code;
}

void pg_rollback(struct store *st)
{
    struct pg_store *s = S(st);
    pg_copy_end(s, false, NULL);
    pg_pipe_end(s, NULL);
    s->staged = false;
    pg_import_reset(s);
    if (s->batch) {
        if (s->sp_open) {
            pg_ctl(s, "ROLLBACK TO tx", NULL, "roll back");
            pg_ctl(s, "RELEASE tx", NULL, "roll back");
        }
        s->sp_open = false;
        memset(&s->tx_err, 0, sizeof s->tx_err);
        return;
    }
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);
    if (s->in_tx && !s->broken && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
        pg_ctl(s, "ROLLBACK", NULL, "roll back");
    s->in_tx = false;
    memset(&s->tx_err, 0, sizeof s->tx_err);
}

int pg_commit(struct store *st, err_t *e)
{
    struct pg_store *s = S(st);
    s->staged = false; /* import_stage goes with the transaction (ON COMMIT DROP) */
    pg_import_reset(s);
    if (s->batch) {
        if (!s->sp_open)
            return err_set(e, ERR_STORE, "the database failed while trying to commit");
        if (s->tx_err.code || PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
            /* A failed statement left the savepoint unreleasable: undo it alone. */
            int rc = pg_tx_failed(s, e);
            pg_rollback(st);
            return rc;
        }
        s->sp_open = false;
        return pg_ctl(s, "RELEASE tx", e, "commit");
    }
    if (!s->in_tx)
        return err_set(e, ERR_STORE, "the database failed while trying to commit");
    int rc;
    if (s->pipe) { /* the COMMIT carries what is still queued */
        rc = pg_pipe_ctl(s, "COMMIT", true, "commit", e);
        int x = pg_pipe_end(s, e);
        rc = rc ? rc : x;
    } else {
        PGresult *r = NULL;
        rc = pg_ctl_res(s, "COMMIT", &r, e, "commit");
        /* COMMIT of a failed transaction succeeds as a ROLLBACK. */
        if (!rc && !strcmp(PQcmdStatus(r), "ROLLBACK"))
            rc = pg_tx_failed(s, e);
        PQclear(r);
    }
    if (rc)
        pg_rollback(st);
    else
        store_committed();
    s->in_tx = false;
    memset(&s->tx_err, 0, sizeof s->tx_err);
    return rc;
}

/* Group commit: many transactions share one COMMIT, each in a savepoint so a failed one
 * leaves the others standing. */
static int pg_batch_begin(struct store *st, err_t *e)
{
    struct pg_store *s = S(st);
    int rc = pg_open_tx(s, "BEGIN", e);
    s->batch = rc == 0;
    s->sp_open = false;
    return rc;
}

static int pg_batch_end(struct store *st, bool commit, err_t *e)
{
    struct pg_store *s = S(st);
    s->batch = s->sp_open = false;
    if (!commit) {
        pg_rollback(st);
        return 0;
    }
    return pg_commit(st, e);
}

/* PostgreSQL has no cheap counter of commits made by other servers on the same database
 * (SQLite's data_version has no equivalent), and any commit anywhere may change what a
 * cached document shows. So the version changes on every call: caches keyed on it never
 * hit, which is correct, just uncached. */
static uint64_t pg_version(struct store *st)
{
    static atomic_uint_fast64_t calls;
    (void)st;
    return (uint64_t)atomic_fetch_add(&calls, 1) + 1;
}

static const struct store_ops postgres_ops = {
    .group_commit = false,
    .name = "postgres",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .batch_begin = pg_batch_begin,
    .batch_end = pg_batch_end,
    .version = pg_version,
    .location_add = pg_location_add,
    .location_list = pg_location_list,
    .product_upsert = pg_product_upsert,
    .product_get = pg_product_get,
    .product_page = pg_product_page,
    .positions_by_sku = pg_positions_by_sku,
    .sku_exists = pg_sku_exists,
    .sku_page = pg_sku_page,
    .position_import = pg_position_import,
    .import_flush = pg_import_flush,
    .import_apply = pg_import_apply,
    .import_save = pg_import_save,
    .import_get = pg_import_get,
    .import_list = pg_import_list,
    .settings_get = pg_settings_get,
    .settings_put = pg_settings_put,
    .apikey_add = pg_apikey_add,
    .apikey_hash = pg_apikey_hash,
    .idem_get = pg_idem_get,
    .idem_put = pg_idem_put,
    .intent_add = pg_intent_add,
    .intent_settle = pg_intent_settle,
    .intent_pending = pg_intent_pending,
    .testpay_record = pg_testpay_record,
    .order_next_number = pg_order_next_number,
    .order_insert = pg_order_insert,
    .order_get = pg_order_get,
    .order_page = pg_order_page,
    .order_by_shipment = pg_order_by_shipment,
    .order_set_status = pg_order_set_status,
    .shipment_update = pg_shipment_update,
    .payment_update = pg_payment_update,
    .capture_add = pg_capture_add,
    .position_allocate = pg_position_allocate,
    .position_adjust = pg_position_adjust,
    .alloc_add = pg_alloc_add,
    .alloc_list = pg_alloc_list,
    .alloc_delete = pg_alloc_delete,
    .shipment_get = pg_shipment_get,
    .shipment_add = pg_shipment_add,
    .shipment_save = pg_shipment_save,
    .shipment_delete = pg_shipment_delete,
    .replan_skus = pg_replan_skus,
    .transit_page = pg_transit_page,
    .cart_create = pg_cart_create,
    .cart_lines = pg_cart_lines,
    .cart_set = pg_cart_set,
    .outbox_add = pg_outbox_add,
    .outbox_claim = pg_outbox_claim,
    .outbox_update = pg_outbox_update,
    .outbox_list = pg_outbox_list,
    .user_add = pg_user_add,
    .user_hash = pg_user_hash,
    .session_add = pg_session_add,
    .positions_lock = pg_positions_lock,
    .order_lock = pg_order_lock,
    .table_rows = pg_table_rows,
    .table_insert = pg_table_insert,
    .is_empty = pg_is_empty,
    .after_copy = pg_after_copy,
    .session_get = pg_session_get,
    .session_delete = pg_session_delete,
    .check = pg_check,
    .holds_stock = pg_holds_stock,
    .user_list = pg_user_list,
    .user_set_hash = pg_user_set_hash,
    .user_remove = pg_user_remove,
    .apikey_list = pg_apikey_list,
    .apikey_revoke = pg_apikey_revoke,
    .sku_count = pg_sku_count,
    .transit_search = pg_transit_search,
    .import_unsold = pg_import_unsold,
    .product_find = pg_product_find,
    .changes_since = pg_changes_since,
    .changes_head = pg_changes_head,
    .changes_prune = pg_changes_prune,
    .positions_page = pg_positions_page,
    .order_page_delayed = pg_order_page_delayed,
    .overdue_skus = pg_overdue_skus,
    .delays_due = pg_delays_due,
    .sweep_lock = pg_sweep_lock,
    .sweep_done = pg_sweep_done,
    .product_by_item = pg_product_by_item,
    .order_get_light = pg_order_get_light,
    .limits_get = pg_limits_get,
    .limits_put = pg_limits_put,
    .bo_add = pg_bo_add,
    .bo_scan = pg_bo_scan,
    .bo_consented = pg_bo_consented,
    .outbox_claim_many = pg_outbox_claim_many,
    .outbox_update_many = pg_outbox_update_many,
    .lines_read = pg_lines_read,
    .positions_offset_page = pg_positions_offset_page,
    .position_allocate_sent = pg_position_allocate_sent,
};

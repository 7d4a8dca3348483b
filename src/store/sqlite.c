/* SQLite backend: one connection per thread, WAL, prepared statements cached per
 * connection, BEGIN IMMEDIATE for every read-modify-write. */
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store.h"

/* Bumped on every commit of this process, since a connection's data_version only moves for
 * other connections' commits. */
static atomic_uint_fast64_t local_commits;

enum stmt_id {
    Q_BEGIN_READ,
    Q_BEGIN_WRITE,
    Q_COMMIT,
    Q_ROLLBACK,
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
    Q_COUNT
};

static const char *const stmt_sql[Q_COUNT] = {
    [Q_BEGIN_READ] = "BEGIN",
    [Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_DATA_VERSION] = "PRAGMA data_version",
    [Q_LOCATION_ADD] = "INSERT INTO locations(id, name) VALUES(?1, ?2)",
    [Q_LOCATION_LIST] = "SELECT id, name FROM locations ORDER BY id",
    [Q_PRODUCT_UPSERT] =
        "INSERT INTO products(sku, name, price, currency, description, image_url) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(sku) DO UPDATE SET name = excluded.name, "
        "price = excluded.price, currency = excluded.currency, "
        "description = excluded.description, image_url = excluded.image_url",
    [Q_PRODUCT_GET] = "SELECT sku, name, price, currency, description, image_url "
                      "FROM products WHERE sku = ?1",
    [Q_PRODUCT_PAGE] = "SELECT sku, name, price, currency, description, image_url "
                       "FROM products WHERE sku > ?1 ORDER BY sku LIMIT ?2",
    [Q_POSITIONS_BY_SKU] =
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, allocated FROM positions WHERE sku = ?1",
    [Q_SKU_EXISTS] = "SELECT EXISTS(SELECT 1 FROM products WHERE sku = ?1) "
                     "OR EXISTS(SELECT 1 FROM positions WHERE sku = ?1)",
    [Q_SKU_PAGE] =
        "SELECT s.sku, coalesce(p.name, '') FROM "
        "(SELECT sku FROM products WHERE sku > ?1 UNION SELECT sku FROM positions "
        "WHERE sku > ?1) s LEFT JOIN products p ON p.sku = s.sku "
        "WHERE ?3 IS NULL OR instr(lower(s.sku), lower(?3)) > 0 "
        "OR instr(lower(coalesce(p.name, '')), lower(?3)) > 0 ORDER BY s.sku LIMIT ?2",
    [Q_POSITION_IMPORT] =
        "INSERT INTO positions(sku, location_id, stock_type, transit_ref, order_date, "
        "stock_date, quantity, reserved, allocated, import_run) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9) "
        "ON CONFLICT(sku, location_id, stock_type, transit_ref) DO UPDATE SET "
        "order_date = excluded.order_date, stock_date = excluded.stock_date, "
        "quantity = excluded.quantity, reserved = excluded.reserved, "
        "import_run = excluded.import_run WHERE import_run IS NOT excluded.import_run",
    [Q_IMPORT_SAVE] =
        "INSERT INTO imports(id, source, file_name, status, total_rows, rows_applied, "
        "total_errors, created_at, finished_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [Q_IMPORT_ERROR_SAVE] = "INSERT INTO import_errors(import_id, n, line, col, value, message) "
                            "VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
    [Q_IMPORT_GET] = "SELECT id, source, file_name, status, total_rows, rows_applied, "
                     "total_errors, created_at, finished_at FROM imports WHERE id = ?1",
    [Q_IMPORT_ERRORS] = "SELECT line, col, value, message FROM import_errors "
                        "WHERE import_id = ?1 ORDER BY n",
    [Q_IMPORT_LIST] = "SELECT id, source, file_name, status, total_rows, rows_applied, "
                      "total_errors, created_at, finished_at FROM imports "
                      "ORDER BY rowid DESC LIMIT ?1",
    [Q_SETTINGS_GET] = "SELECT key, value FROM settings",
    [Q_SETTINGS_PUT] = "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_APIKEY_ADD] = "INSERT INTO api_keys(id, name, hash) VALUES(?1, ?2, ?3)",
    [Q_APIKEY_HASH] = "SELECT hash FROM api_keys WHERE id = ?1",
    [Q_IDEM_GET] = "SELECT result FROM idempotency WHERE scope = ?1 AND key = ?2",
    [Q_IDEM_PUT] = "INSERT INTO idempotency(scope, key, result) VALUES(?1, ?2, ?3)",
};

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
};

struct sqlite_store {
    struct store base;
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT];
    uint64_t data_version; /* last PRAGMA data_version seen */
    int64_t version_checked_ns;
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

static struct sqlite_store *S(struct store *st) { return (struct sqlite_store *)st; }

/* Maps an SQLite failure to a user-fit error; SQL text never reaches the user. */
static int fail(struct sqlite_store *s, err_t *e, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    fprintf(stderr, "sqlite: %s: %s\n", what, sqlite3_errmsg(s->db));
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return err_set(e, ERR_UNAVAILABLE, "the database is busy, try again");
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return err_set(e, ERR_CONFLICT, "%s conflicts with existing data", what);
    return err_set(e, ERR_STORE, "the database failed while trying to %s", what);
}

/* A reset statement with cleared bindings, prepared on first use. */
static sqlite3_stmt *stmt(struct sqlite_store *s, enum stmt_id id, err_t *e)
{
    sqlite3_stmt *q = s->stmt[id];
    if (!q) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &q, NULL) !=
            SQLITE_OK) {
            fail(s, e, "prepare a statement");
            return NULL;
        }
        s->stmt[id] = q;
    }
    return q;
}

static int done(sqlite3_stmt *q, int rc)
{
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc;
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
    sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
}

static void bind_date(sqlite3_stmt *q, int i, date_t d)
{
    if (d == DATE_NONE)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int(q, i, d);
}

static date_t col_date(sqlite3_stmt *q, int i)
{
    return sqlite3_column_type(q, i) == SQLITE_NULL ? DATE_NONE : sqlite3_column_int(q, i);
}

static void col_copy(sqlite3_stmt *q, int i, char *dst, size_t cap)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* Runs a statement that returns no rows. */
static int exec(struct sqlite_store *s, enum stmt_id id, err_t *e, const char *what)
{
    sqlite3_stmt *q = stmt(s, id, e);
    if (!q)
        return e ? e->code : ERR_STORE;
    int rc = sqlite3_step(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        int r = fail(s, e, what);
        return done(q, r);
    }
    return done(q, 0);
}

static int migrate(struct sqlite_store *s, err_t *e)
{
    /* BEGIN IMMEDIATE serialises two processes starting on a new file at once. */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, e, "start the schema migration");
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
            int r = fail(s, e, "migrate the schema");
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return r;
        }
    }
    if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(s, e, "finish the schema migration");
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
        rc = fail(s, e, "configure the database");
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
    sqlite3_close(s->db);
    free(s);
}

static int sq_begin(struct store *st, bool write, err_t *e)
{
    return exec(S(st), write ? Q_BEGIN_WRITE : Q_BEGIN_READ, e, "start a transaction");
}

static int sq_commit(struct store *st, err_t *e)
{
    int rc = exec(S(st), Q_COMMIT, e, "commit");
    if (rc == 0)
        atomic_fetch_add(&local_commits, 1);
    else
        exec(S(st), Q_ROLLBACK, NULL, "roll back");
    return rc;
}

static void sq_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(S(st)->db))
        exec(S(st), Q_ROLLBACK, NULL, "roll back");
}

static uint64_t sq_version(struct store *st)
{
    struct sqlite_store *s = S(st);
    int64_t now = now_ns();
    if (now - s->version_checked_ns >= VERSION_CHECK_NS) {
        sqlite3_stmt *q = stmt(s, Q_DATA_VERSION, NULL);
        if (q && sqlite3_step(q) == SQLITE_ROW)
            s->data_version = (uint64_t)sqlite3_column_int64(q, 0);
        if (q)
            done(q, 0);
        s->version_checked_ns = now;
    }
    /* This process's commits count at once, whichever connection made them. */
    return (s->data_version << 32) ^ (uint64_t)atomic_load(&local_commits);
}

static int sq_location_add(struct store *st, const struct location *l, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_LOCATION_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, l->id);
    bind_text(q, 2, l->name);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_CONSTRAINT)
        return done(q, err_set(e, ERR_CONFLICT, "location %s already exists", l->id));
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "add a location"));
    return done(q, 0);
}

static int sq_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_LOCATION_LIST, e);
    if (!q)
        return e->code;
    struct location *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct location *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                free(v);
                return done(q, err_set(e, ERR_NOMEM, "out of memory"));
            }
            v = nv;
            cap = ncap;
        }
        col_copy(q, 0, v[len].id, sizeof v[len].id);
        col_copy(q, 1, v[len].name, sizeof v[len].name);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return done(q, fail(s, e, "list locations"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_product_upsert(struct store *st, const struct product *p, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_PRODUCT_UPSERT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, p->sku);
    bind_text(q, 2, p->name);
    sqlite3_bind_int64(q, 3, p->price);
    bind_text(q, 4, p->currency);
    bind_text(q, 5, p->description);
    bind_text(q, 6, p->image_url);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save a product"));
    return done(q, 0);
}

static void read_product(sqlite3_stmt *q, struct product *p)
{
    col_copy(q, 0, p->sku, sizeof p->sku);
    col_copy(q, 1, p->name, sizeof p->name);
    p->price = sqlite3_column_int64(q, 2);
    col_copy(q, 3, p->currency, sizeof p->currency);
    col_copy(q, 4, p->description, sizeof p->description);
    col_copy(q, 5, p->image_url, sizeof p->image_url);
}

static int sq_product_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_PRODUCT_GET, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sku);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        read_product(q, out);
        return done(q, 0);
    }
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no product with SKU %s", sku));
    return done(q, fail(s, e, "read a product"));
}

static int sq_product_page(struct store *st, const char *after, size_t limit,
                           struct product **out, size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_PRODUCT_PAGE, e);
    if (!q)
        return e->code;
    struct product *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_product(q, &v[len++]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "list products"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                               err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_POSITIONS_BY_SKU, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sku);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct position p = {0};
        col_copy(q, 0, p.sku, sizeof p.sku);
        col_copy(q, 1, p.location_id, sizeof p.location_id);
        p.stock_type = sqlite3_column_int(q, 2);
        col_copy(q, 3, p.transit_ref, sizeof p.transit_ref);
        p.order_date = col_date(q, 4);
        p.stock_date = col_date(q, 5);
        p.quantity = sqlite3_column_int64(q, 6);
        p.reserved = sqlite3_column_int64(q, 7);
        p.allocated = sqlite3_column_int64(q, 8);
        if (position_list_push(out, &p))
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read positions"));
    return done(q, 0);
}

static int sq_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SKU_EXISTS, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sku);
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "look up a SKU"));
    *exists = sqlite3_column_int(q, 0) != 0;
    return done(q, 0);
}

static int sq_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                       struct sku_entry **out, size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SKU_PAGE, e);
    if (!q)
        return e->code;
    struct sku_entry *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    if (query && *query)
        bind_text(q, 3, query);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        col_copy(q, 0, v[len].sku, sizeof v[len].sku);
        col_copy(q, 1, v[len].name, sizeof v[len].name);
        len++;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "list SKUs"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_position_import(struct store *st, const struct position *p, int64_t run,
                              bool *duplicate, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_POSITION_IMPORT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, p->sku);
    bind_text(q, 2, p->location_id);
    sqlite3_bind_int(q, 3, p->stock_type);
    bind_text(q, 4, p->transit_ref);
    bind_date(q, 5, p->order_date);
    bind_date(q, 6, p->stock_date);
    sqlite3_bind_int64(q, 7, p->quantity);
    sqlite3_bind_int64(q, 8, p->reserved);
    sqlite3_bind_int64(q, 9, run);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save a position"));
    *duplicate = sqlite3_changes(s->db) == 0;
    return done(q, 0);
}

static int sq_import_save(struct store *st, const struct import_job *job, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IMPORT_SAVE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, job->id);
    sqlite3_bind_int(q, 2, job->source);
    if (job->file_name[0])
        bind_text(q, 3, job->file_name);
    sqlite3_bind_int(q, 4, job->status);
    sqlite3_bind_int64(q, 5, job->total_rows);
    sqlite3_bind_int64(q, 6, job->rows_applied);
    sqlite3_bind_int64(q, 7, job->total_errors);
    bind_text(q, 8, job->created_at);
    bind_text(q, 9, job->finished_at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save the import job"));
    done(q, 0);
    if (!(q = stmt(s, Q_IMPORT_ERROR_SAVE, e)))
        return e->code;
    for (size_t i = 0; i < job->nerrors; i++) {
        const struct import_error *ie = &job->errors[i];
        bind_text(q, 1, job->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 3, ie->line);
        if (ie->col >= 0)
            sqlite3_bind_int(q, 4, ie->col);
        else
            sqlite3_bind_null(q, 4);
        if (ie->has_value)
            bind_text(q, 5, ie->value);
        else
            sqlite3_bind_null(q, 5);
        bind_text(q, 6, ie->message);
        if (sqlite3_step(q) != SQLITE_DONE)
            return done(q, fail(s, e, "save the import errors"));
        done(q, 0);
    }
    return 0;
}

static void read_job(sqlite3_stmt *q, struct import_job *job)
{
    memset(job, 0, sizeof *job);
    col_copy(q, 0, job->id, sizeof job->id);
    job->source = sqlite3_column_int(q, 1);
    col_copy(q, 2, job->file_name, sizeof job->file_name);
    job->status = sqlite3_column_int(q, 3);
    job->total_rows = sqlite3_column_int64(q, 4);
    job->rows_applied = sqlite3_column_int64(q, 5);
    job->total_errors = sqlite3_column_int64(q, 6);
    col_copy(q, 7, job->created_at, sizeof job->created_at);
    col_copy(q, 8, job->finished_at, sizeof job->finished_at);
}

static int sq_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IMPORT_GET, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no import job %s", id));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read an import job"));
    read_job(q, job);
    done(q, 0);
    if (!job->total_errors)
        return 0;
    if (!(q = stmt(s, Q_IMPORT_ERRORS, e)))
        return e->code;
    size_t cap = job->total_errors < IMPORT_ERRORS_MAX ? (size_t)job->total_errors
                                                        : IMPORT_ERRORS_MAX;
    job->errors = calloc(cap, sizeof *job->errors);
    if (!job->errors)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    bind_text(q, 1, id);
    while (job->nerrors < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct import_error *ie = &job->errors[job->nerrors++];
        ie->line = sqlite3_column_int64(q, 0);
        ie->col = sqlite3_column_type(q, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 1);
        ie->has_value = sqlite3_column_type(q, 2) != SQLITE_NULL;
        col_copy(q, 2, ie->value, sizeof ie->value);
        col_copy(q, 3, ie->message, sizeof ie->message);
    }
    return done(q, 0);
}

static int sq_import_list(struct store *st, size_t limit, struct import_job **out, size_t *n,
                          err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IMPORT_LIST, e);
    if (!q)
        return e->code;
    struct import_job *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    sqlite3_bind_int64(q, 1, (sqlite3_int64)limit);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_job(q, &v[len++]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "list import jobs"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

/* Settings are stored as key/value text so adding a setting needs no migration. */
static int settings_int(const char *v, int *out)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 0 || n > 365)
        return -1;
    *out = (int)n;
    return 0;
}

static void settings_apply(struct settings *s, const char *k, const char *v)
{
    struct {
        const char *key;
        int *field;
    } ints[] = {
        {"inStockMinDays", &s->in_stock_min_days},
        {"inStockMaxDays", &s->in_stock_max_days},
        {"preorderBufferMinDays", &s->preorder_buffer_min_days},
        {"preorderBufferMaxDays", &s->preorder_buffer_max_days},
        {"backorderMinDays", &s->backorder_min_days},
        {"backorderMaxDays", &s->backorder_max_days},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (!strcmp(k, ints[i].key)) {
            settings_int(v, ints[i].field);
            return;
        }
    if (!strcmp(k, "backorderMessage"))
        snprintf(s->backorder_message, sizeof s->backorder_message, "%s", v);
    else if (!strcmp(k, "businessDays"))
        s->business_days = !strcmp(v, "1");
    else if (!strcmp(k, "captureOn"))
        settings_capture_parse(v, &s->capture_on);
    else if (!strcmp(k, "storeName"))
        snprintf(s->store_name, sizeof s->store_name, "%s", v);
    else if (!strcmp(k, "fromEmail"))
        snprintf(s->from_email, sizeof s->from_email, "%s", v);
    else if (!strcmp(k, "holidays")) {
        s->nholidays = 0;
        for (const char *p = v; *p && s->nholidays < SETTINGS_MAX_HOLIDAYS;) {
            date_t d;
            if (date_parse(p, 10, &d) == 0)
                s->holidays[s->nholidays++] = d;
            p += strlen(p) >= 11 ? 11 : strlen(p);
        }
    }
}

static int sq_settings_get(struct store *st, struct settings *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SETTINGS_GET, e);
    if (!q)
        return e->code;
    settings_defaults(out);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        settings_apply(out, (const char *)sqlite3_column_text(q, 0),
                       (const char *)sqlite3_column_text(q, 1));
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read the settings"));
    return done(q, 0);
}

static int put_setting(struct sqlite_store *s, const char *k, const char *v, err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_SETTINGS_PUT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, k);
    bind_text(q, 2, v);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save the settings"));
    return done(q, 0);
}

static int sq_settings_put(struct store *st, const struct settings *set, err_t *e)
{
    struct sqlite_store *s = S(st);
    char num[6][16];
    const int vals[6] = {set->in_stock_min_days,        set->in_stock_max_days,
                         set->preorder_buffer_min_days, set->preorder_buffer_max_days,
                         set->backorder_min_days,       set->backorder_max_days};
    for (int i = 0; i < 6; i++)
        snprintf(num[i], sizeof num[i], "%d", vals[i]);
    char holidays[SETTINGS_MAX_HOLIDAYS * DATE_STRLEN + 1] = "";
    for (size_t i = 0; i < set->nholidays; i++) {
        date_format(set->holidays[i], holidays + i * DATE_STRLEN);
        holidays[i * DATE_STRLEN + 10] = ',';
        holidays[i * DATE_STRLEN + 11] = '\0';
    }
    const char *kv[][2] = {
        {"inStockMinDays", num[0]},
        {"inStockMaxDays", num[1]},
        {"preorderBufferMinDays", num[2]},
        {"preorderBufferMaxDays", num[3]},
        {"backorderMinDays", num[4]},
        {"backorderMaxDays", num[5]},
        {"backorderMessage", set->backorder_message},
        {"businessDays", set->business_days ? "1" : "0"},
        {"holidays", holidays},
        {"captureOn", settings_capture_name(set->capture_on)},
        {"storeName", set->store_name},
        {"fromEmail", set->from_email},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++) {
        int rc = put_setting(s, kv[i][0], kv[i][1], e);
        if (rc)
            return rc;
    }
    return 0;
}

static int sq_apikey_add(struct store *st, const char *id, const char *name,
                         const unsigned char hash[APIKEY_HASH_LEN], err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_APIKEY_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    bind_text(q, 2, name);
    sqlite3_bind_blob(q, 3, hash, APIKEY_HASH_LEN, SQLITE_STATIC);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save the API key"));
    return done(q, 0);
}

static int sq_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                          err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_APIKEY_HASH, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "unknown API key"));
    if (rc != SQLITE_ROW || sqlite3_column_bytes(q, 0) != APIKEY_HASH_LEN)
        return done(q, fail(s, e, "read an API key"));
    memcpy(hash, sqlite3_column_blob(q, 0), APIKEY_HASH_LEN);
    return done(q, 0);
}

static int sq_idem_get(struct store *st, const char *scope, const char *key, char *result,
                       size_t cap, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IDEM_GET, e);
    if (!q)
        return e->code;
    bind_text(q, 1, scope);
    bind_text(q, 2, key);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, ERR_NOTFOUND);
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read an idempotency key"));
    col_copy(q, 0, result, cap);
    return done(q, 0);
}

static int sq_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                       err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IDEM_PUT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, scope);
    bind_text(q, 2, key);
    bind_text(q, 3, result);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save an idempotency key"));
    return done(q, 0);
}

static const struct store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
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
    .import_save = sq_import_save,
    .import_get = sq_import_get,
    .import_list = sq_import_list,
    .settings_get = sq_settings_get,
    .settings_put = sq_settings_put,
    .apikey_add = sq_apikey_add,
    .apikey_hash = sq_apikey_hash,
    .idem_get = sq_idem_get,
    .idem_put = sq_idem_put,
};

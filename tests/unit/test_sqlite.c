/* What only the SQLite backend shows: migrating a file an older sellahead wrote. The
 * behaviour both backends share is tested once, in test_store.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/sqlite/sqlite_int.h"
#include "store/store.h"
#include "util/ids.h"

#include "store_test.h"

static void remove_db(const struct fixture *fx)
{
    sqlite_remove_files(fx->url);
    rmdir(fx->dir);
}

static void open_store(struct fixture *fx)
{
    err_t e = {0};
    int rc = store_sqlite_open(fx->url, &fx->st, &e);
    if (rc)
        fail_msg("open: %s", e.msg);
}

/* An empty temporary directory for the file; no database yet. */
static int setup_dir(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(ids_init(), 0);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/sellahead-test-XXXXXX");
    assert_non_null(mkdtemp(fx->dir));
    snprintf(fx->url, sizeof fx->url, "%s/test.db", fx->dir);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->st)
        ops(fx)->close(fx->st);
    fx->st = NULL;
    remove_db(fx);
    return fixture_teardown(state);
}

/* --- migrations --- */

/* The schema exactly as version 1 of sellahead wrote it. */
static const char v1_schema[] =
    "CREATE TABLE locations(id TEXT PRIMARY KEY, name TEXT NOT NULL,"
    "  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
    "CREATE TABLE products(sku TEXT PRIMARY KEY, name TEXT NOT NULL, price INTEGER NOT NULL,"
    "  currency TEXT NOT NULL, description TEXT NOT NULL, image_url TEXT NOT NULL);"
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
    "  PRIMARY KEY(scope, key));"
    "INSERT INTO locations(id, name) VALUES('WH1', 'Main');"
    "INSERT INTO positions VALUES('OLD1', 'WH1', 0, '', NULL, NULL, 12, 1, 3, 42);"
    "PRAGMA user_version = 1;";

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    int v = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return v;
}

static void test_migrates_v1_file(void **state)
{
    struct fixture *fx = *state;
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(fx->url, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(user_version(fx->url), 1);

    open_store(fx);
    struct position k = key("OLD1", NULL);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 12);
    assert_int_equal(p.reserved, 1);
    assert_int_equal(p.allocated, 3);

    err_t e = {0};
    int64_t number = 0;
    begin(fx);
    assert_int_equal(ops(fx)->order_next_number(fx->st, &number, &e), 0);
    commit(fx);
    assert_int_equal(number, 1001);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), 0);
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", "h", &e), 0);
    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 1); /* v1 data: allocated 3 with no allocations */
    assert_non_null(strstr(r.first, "OLD1 at WH1 (onhand) has allocatedQuantity 3"));

    /* Reopening the upgraded file changes nothing. */
    ops(fx)->close(fx->st);
    fx->st = NULL;
    assert_int_equal(user_version(fx->url), 15); /* every migration, the last one included */
    open_store(fx);
    struct shipment_item *lines = NULL;
    size_t n = 9;
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 0);
    free(lines);
}

/* --- statements --- */

/* The partial indexes on positions (WHERE stock_type = 1) once made SQLite compile a
 * position's statements again each time stockType was bound: re-planning spent a quarter of
 * its time in the SQL parser. */
static void test_position_statements_are_not_prepared_again(void **state)
{
    struct fixture *fx = *state;
    open_store(fx);
    err_t e = {0};
    begin(fx);
    for (int i = 0; i < 4; i++) {
        struct position k = key(i % 2 ? "A1" : "B2", NULL);
        assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 5, 1, &e), 0);
    }
    commit(fx);
    int reprepared = 0;
    sqlite3 *db = ((struct sqlite_store *)fx->st)->db;
    for (sqlite3_stmt *q = sqlite3_next_stmt(db, NULL); q; q = sqlite3_next_stmt(db, q))
        reprepared += sqlite3_stmt_status(q, SQLITE_STMTSTATUS_REPREPARE, 0);
    assert_int_equal(reprepared, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrates_v1_file, setup_dir, teardown),
        cmocka_unit_test_setup_teardown(test_position_statements_are_not_prepared_again,
                                        setup_dir, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

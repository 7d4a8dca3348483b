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
    Q_COUNT
};

#define POSITION_KEY "sku = ?1 AND location_id = ?2 AND stock_type = ?3 AND transit_ref = ?4"
/* A shipment's overdue flag and delay (SPEC 5.8), in read_shipment's and save's order. */
#define DELAY_COLS                                                                            \
    "overdue, delay_consent, delay_detected, delay_prev_from, delay_prev_to, delay_exp_from, " \
    "delay_exp_to, delay_respond_by, delay_required, accepted_to, accepted_undated, "         \
    "consented_before"
#define SHIPMENT_COLS                                                                         \
    "SELECT id, order_id, seq, status, stock_type, location_id, transit_ref, stock_date, "    \
    "expected_from, expected_to, expected_message, amount, tracking_number, shipped_at, "     \
    "promised_from, promised_to, promised_message, payment_required, " DELAY_COLS " FROM shipments "
#define ALLOC_COLS                                                                            \
    "SELECT a.shipment_id, s.seq, a.sku, a.location_id, a.stock_type, a.transit_ref, "        \
    "a.quantity, o.number, s.stock_date FROM allocations a JOIN shipments s ON s.id = a.shipment_id "      \
    "JOIN orders o ON o.id = s.order_id "
#define NOW_ISO "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
/* The console's lists at catalog scale (1M SKUs): every branch walks an index from the
 * cursor ?1 and stops after ?2 rows, so a page or a search costs the same at any size. A
 * search term is a prefix: of the SKU as typed (?3) or in capitals (?4), or of the product
 * name in any case. char(1114111), the last code point, bounds a prefix range. SQLite takes
 * one lower bound per range, so "after the cursor and from the prefix" is one bound: SKUs
 * are letters and digits, and the first of them after c is c || '0'. */
#define PREFIX_OF(col, p) col " >= " p " AND " col " < " p " || char(1114111)"
/* Keyset pages, newest first: the bound is the cursor row's key (no row for an unknown
 * cursor, so an empty page), or past every row without one. One range, so the index seeks to
 * it rather than scanning from the newest row. */
#define OLDER_THAN(table, key, cursor)                                                        \
    "CASE WHEN " cursor " IS NULL THEN 9223372036854775807 ELSE (SELECT " key " FROM " table  \
    " WHERE id = " cursor ") END"
#define SKU_BRANCH(from, where)                                                               \
    "SELECT sku FROM (SELECT sku FROM " from " WHERE " where " ORDER BY sku LIMIT ?2)"
#define SKU_PREFIX(p) "sku >= max(" p ", ?1 || '0') AND sku < " p " || char(1114111)"
#define SKU_ALL                                                                               \
    SKU_BRANCH("products", "sku > ?1") " UNION " SKU_BRANCH("positions", "sku > ?1 GROUP BY sku")
#define SKU_SEARCH                                                                            \
    SKU_BRANCH("products", SKU_PREFIX("?3")) " UNION " SKU_BRANCH("products", SKU_PREFIX("?4")) \
    " UNION " SKU_BRANCH("positions", SKU_PREFIX("?3") " GROUP BY sku")                       \
    " UNION " SKU_BRANCH("positions", SKU_PREFIX("?4") " GROUP BY sku")                       \
    " UNION " SKU_BRANCH("products INDEXED BY products_name_lower",                           \
                         "sku > ?1 AND " PREFIX_OF("lower(name)", "lower(?3)"))
/* Transit positions whose SKU or transitRef starts with ?1 (or ?2, in capitals), ?3 at most,
 * each branch through its partial index of transit positions. */
#define TRANSIT_BRANCH(col, p, order)                                                         \
    "SELECT * FROM (SELECT sku, location_id, stock_type, transit_ref, order_date, "           \
    "stock_date, quantity, reserved, allocated FROM positions WHERE stock_type = 1 AND "      \
    PREFIX_OF(col, p) " ORDER BY " order " LIMIT ?3)"
#define TRANSIT_BY_SKU(p) TRANSIT_BRANCH("sku", p, "sku, location_id, transit_ref")
#define TRANSIT_BY_REF(p) TRANSIT_BRANCH("transit_ref", p, "transit_ref, sku, location_id")
#define INTENT_COLS                                                                           \
    "SELECT id, order_id, shipment_id, kind, status, amount, currency, provider, token, ref, " \
    "error, created, at, day FROM payment_intents "
/* What the succeeded intents of one kind moved, in a query over payment_intents i. */
#define LEDGER_SUM(kind)                                                                      \
    "coalesce(sum(CASE WHEN i.kind = '" kind "' AND i.status = 'SUCCEEDED' THEN i.amount "     \
    "END), 0)"

static const char *const stmt_sql[Q_COUNT] = {
    [Q_BEGIN_READ] = "BEGIN",
    [Q_BEGIN_WRITE] = "BEGIN IMMEDIATE",
    [Q_COMMIT] = "COMMIT",
    [Q_ROLLBACK] = "ROLLBACK",
    [Q_SAVEPOINT] = "SAVEPOINT tx",
    [Q_RELEASE] = "RELEASE tx",
    [Q_ROLLBACK_TO] = "ROLLBACK TO tx",
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
    [Q_SKU_PAGE] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_ALL
                   ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT ?2",
    [Q_POSITION_IMPORT] =
        "INSERT INTO positions(sku, location_id, stock_type, transit_ref, order_date, "
        "stock_date, quantity, reserved, allocated, import_run, changed_run) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9) "
        "ON CONFLICT(sku, location_id, stock_type, transit_ref) DO UPDATE SET "
        "order_date = excluded.order_date, stock_date = excluded.stock_date, "
        "quantity = excluded.quantity, reserved = excluded.reserved, "
        "import_run = excluded.import_run, changed_run = CASE WHEN (order_date, stock_date, "
        "quantity, reserved) IS NOT (excluded.order_date, excluded.stock_date, "
        "excluded.quantity, excluded.reserved) THEN excluded.import_run ELSE changed_run END "
        "WHERE import_run IS NOT excluded.import_run",
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
                      "total_errors, created_at, finished_at FROM imports WHERE rowid < "
                      OLDER_THAN("imports", "rowid", "?2") " ORDER BY rowid DESC LIMIT ?1",
    [Q_SETTINGS_GET] = "SELECT key, value FROM settings",
    [Q_SETTINGS_PUT] = "INSERT INTO settings(key, value) VALUES(?1, ?2) "
                       "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    [Q_APIKEY_ADD] = "INSERT INTO api_keys(id, name, hash) VALUES(?1, ?2, ?3)",
    [Q_APIKEY_HASH] = "SELECT hash FROM api_keys WHERE id = ?1",
    [Q_IDEM_GET] = "SELECT result FROM idempotency WHERE scope = ?1 AND key = ?2",
    [Q_IDEM_PUT] = "INSERT INTO idempotency(scope, key, result) VALUES(?1, ?2, ?3)",
    /* Numbers are shown to shoppers; they start at 1001 like most shops' do. */
    [Q_ORDER_NEXT_NUMBER] = "SELECT coalesce(max(number), 1000) + 1 FROM orders",
    [Q_ORDER_INSERT] =
        "INSERT INTO orders(id, number, access_token, status, email, currency, total, "
        "ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, "
        "created_at) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
        "coalesce(nullif(?14, ''), " NOW_ISO ")) RETURNING created_at",
    [Q_ORDER_LINE_INSERT] = "INSERT INTO order_lines(order_id, n, sku, name, quantity, "
                            "unit_price, amount) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* max + 1 is safe: every caller holds the write lock, and the UNIQUE index makes
     * max() one B-tree descent. */
    [Q_SHIPMENT_INSERT] =
        "INSERT INTO shipments(id, seq, order_id, n, status, stock_type, location_id, "
        "transit_ref, stock_date, expected_from, expected_to, expected_message, amount, "
        "tracking_number, shipped_at, promised_from, promised_to, promised_message, overdue) "
        "VALUES(?1, (SELECT coalesce(max(seq), 0) + 1 FROM shipments), ?2, "
        "coalesce(?3, (SELECT coalesce(max(n), -1) + 1 FROM shipments WHERE order_id = ?2)), "
        "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING seq",
    [Q_SHIPMENT_ITEM_INSERT] = "INSERT INTO shipment_items(shipment_id, n, sku, quantity) "
                               "VALUES(?1, ?2, ?3, ?4)",
    [Q_PAYMENT_INSERT] = "INSERT INTO payments(order_id, provider, ref, authorized, captured, "
                         "voided, refunded) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_ORDER_GET] = "SELECT id, number, access_token, status, email, currency, total, "
                    "ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, "
                    "ship_country, created_at FROM orders WHERE id = ?1",
    [Q_ORDER_LINES] = "SELECT sku, name, quantity, unit_price, amount FROM order_lines "
                      "WHERE order_id = ?1 ORDER BY n",
    [Q_ORDER_SHIPMENTS] = SHIPMENT_COLS "WHERE order_id = ?1 ORDER BY n",
    [Q_SHIPMENT_ITEMS] = "SELECT sku, quantity FROM shipment_items WHERE shipment_id = ?1 "
                         "ORDER BY n",
    [Q_PAYMENT_GET] = "SELECT provider, ref, authorized, captured, voided, refunded "
                      "FROM payments WHERE order_id = ?1",
    [Q_ORDER_PAGE] = "SELECT id FROM orders WHERE number < " OLDER_THAN("orders", "number", "?1")
                     " ORDER BY number DESC LIMIT ?2",
    [Q_ORDER_BY_SHIPMENT] = "SELECT order_id FROM shipments WHERE id = ?1",
    [Q_ORDER_SET_STATUS] = "UPDATE orders SET status = ?2 WHERE id = ?1",
    [Q_SHIPMENT_UPDATE] = "UPDATE shipments SET status = ?2, tracking_number = ?3, "
                          "shipped_at = ?4, payment_required = ?5 WHERE id = ?1",
    [Q_PAYMENT_UPDATE] = "UPDATE payments SET provider = ?2, ref = ?3, authorized = ?4, "
                         "captured = ?5, voided = ?6, refunded = ?7 WHERE order_id = ?1",
    [Q_CAPTURE_ADD] = "INSERT INTO captures(order_id, shipment_id, amount) VALUES(?1, ?2, ?3)",
    /* The oversell guard: the availability test and the increment are one statement, so
     * nothing can slip between them. */
    [Q_POSITION_ALLOCATE] = "UPDATE positions SET allocated = allocated + ?5 WHERE "
                            POSITION_KEY " AND quantity - reserved - allocated >= ?5",
    [Q_POSITION_GET] = "SELECT quantity, allocated FROM positions WHERE " POSITION_KEY,
    [Q_POSITION_CREATE] = "INSERT INTO positions(sku, location_id, stock_type, transit_ref, "
                          "order_date, stock_date, quantity, reserved, allocated) "
                          "VALUES(?1, ?2, ?3, ?4, NULL, NULL, ?5, 0, ?6)",
    [Q_POSITION_ADJUST] = "UPDATE positions SET quantity = quantity + ?5, "
                          "allocated = allocated + ?6 WHERE " POSITION_KEY,
    [Q_ALLOC_GET] = "SELECT quantity FROM allocations WHERE " POSITION_KEY
                    " AND shipment_id = ?5",
    [Q_ALLOC_UPSERT] =
        "INSERT INTO allocations(shipment_id, sku, location_id, stock_type, transit_ref, "
        "quantity) VALUES(?5, ?1, ?2, ?3, ?4, ?6) ON CONFLICT(shipment_id, sku, location_id, "
        "stock_type, transit_ref) DO UPDATE SET quantity = quantity + excluded.quantity",
    [Q_ALLOC_TAKE] = "UPDATE allocations SET quantity = quantity + ?6 WHERE " POSITION_KEY
                     " AND shipment_id = ?5",
    [Q_ALLOC_REMOVE] = "DELETE FROM allocations WHERE " POSITION_KEY " AND shipment_id = ?5",
    [Q_ALLOC_BY_SHIPMENT] = ALLOC_COLS "WHERE a.shipment_id = ?1 ORDER BY a.sku, "
                                       "a.location_id, a.stock_type, a.transit_ref",
    [Q_ALLOC_BY_POSITION] = ALLOC_COLS "WHERE a.sku = ?1 AND a.location_id = ?2 AND "
                                       "a.stock_type = ?3 AND a.transit_ref = ?4 "
                                       "ORDER BY o.number, s.seq",
    [Q_ALLOC_DELETE] = "DELETE FROM allocations WHERE shipment_id = ?1",
    [Q_SHIPMENT_SAVE] =
        "UPDATE shipments SET status = ?2, stock_type = ?3, location_id = ?4, "
        "transit_ref = ?5, stock_date = ?6, expected_from = ?7, expected_to = ?8, "
        "expected_message = ?9, amount = ?10, overdue = ?11, delay_consent = ?12, "
        "delay_detected = ?13, delay_prev_from = ?14, delay_prev_to = ?15, "
        "delay_exp_from = ?16, delay_exp_to = ?17, delay_respond_by = ?18, "
        "delay_required = ?19, accepted_to = ?20, accepted_undated = ?21, "
        "consented_before = ?22 WHERE id = ?1",
    [Q_SHIPMENT_ITEMS_DELETE] = "DELETE FROM shipment_items WHERE shipment_id = ?1",
    [Q_SHIPMENT_DELETE] = "DELETE FROM shipments WHERE id = ?1",
    /* SKUs whose positions an import changed and that hold open allocations (unsourced
     * ones included): only these need re-planning. */
    /* Purchase orders (SPEC 5.8): transit positions after the cursor key, of one SKU (?4)
     * or all, only those whose stock date is before ?5 (overdue) when given. */
    [Q_TRANSIT_PAGE] = "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, "
                       "quantity, reserved, allocated FROM positions WHERE stock_type = 1 AND "
                       "(sku, location_id, transit_ref) > (?1, ?2, ?3) AND "
                       "(?4 IS NULL OR sku = ?4) AND (?5 IS NULL OR stock_date < ?5) "
                       "ORDER BY sku, location_id, transit_ref LIMIT ?6",
    [Q_REPLAN_SKUS] = "SELECT DISTINCT p.sku FROM positions p WHERE p.changed_run = ?1 AND "
                      "EXISTS(SELECT 1 FROM allocations a WHERE a.sku = p.sku) ORDER BY p.sku",
    [Q_SHIPMENT_GET] = SHIPMENT_COLS "WHERE id = ?1",
    [Q_CART_CREATE] = "INSERT INTO carts(id) VALUES(?1)",
    [Q_CART_EXISTS] = "SELECT 1 FROM carts WHERE id = ?1",
    /* One statement tells an unknown cart (no row) from an empty one (one NULL line). */
    [Q_CART_LINES] = "SELECT l.sku, l.quantity FROM carts c LEFT JOIN cart_lines l "
                     "ON l.cart_id = c.id WHERE c.id = ?1 ORDER BY l.rowid",
    [Q_CART_LINE_SET] = "INSERT INTO cart_lines(cart_id, sku, quantity) VALUES(?1, ?2, ?3) "
                        "ON CONFLICT(cart_id, sku) DO UPDATE SET quantity = excluded.quantity",
    [Q_CART_LINE_DELETE] = "DELETE FROM cart_lines WHERE cart_id = ?1 AND sku = ?2",
    [Q_OUTBOX_ADD] =
        "INSERT INTO outbox(id, kind, order_id, from_addr, to_addr, subject, text, html, "
        "status, attempts, last_error, next_attempt_at, created_at) VALUES(?1, ?2, ?3, ?4, "
        "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, coalesce(nullif(?13, ''), " NOW_ISO "))",
    /* The email due longest goes first; the (status, next_attempt_at) index serves it. */
    [Q_OUTBOX_NEXT] = "SELECT id, kind, order_id, from_addr, to_addr, subject, status, "
                      "attempts, last_error, next_attempt_at, created_at, text, html "
                      "FROM outbox WHERE status = ?1 AND next_attempt_at <= ?2 "
                      "ORDER BY next_attempt_at, rowid LIMIT 1",
    [Q_OUTBOX_LEASE] = "UPDATE outbox SET next_attempt_at = ?2 WHERE id = ?1",
    [Q_OUTBOX_UPDATE] = "UPDATE outbox SET status = ?2, attempts = ?3, last_error = ?4, "
                        "next_attempt_at = ?5 WHERE id = ?1",
    [Q_OUTBOX_LIST] = "SELECT id, kind, order_id, from_addr, to_addr, subject, status, "
                      "attempts, last_error, next_attempt_at, created_at FROM outbox "
                      "WHERE rowid < " OLDER_THAN("outbox", "rowid", "?2")
                      " ORDER BY rowid DESC LIMIT ?1",
    [Q_USER_ADD] = "INSERT INTO users(name, hash) VALUES(?1, ?2)",
    [Q_USER_HASH] = "SELECT hash FROM users WHERE name = ?1",
    [Q_IS_EMPTY] = "SELECT EXISTS(SELECT 1 FROM locations) OR EXISTS(SELECT 1 FROM products) "
                   "OR EXISTS(SELECT 1 FROM positions) OR EXISTS(SELECT 1 FROM orders) "
                   "OR EXISTS(SELECT 1 FROM settings) OR EXISTS(SELECT 1 FROM api_keys) "
                   "OR EXISTS(SELECT 1 FROM users) OR EXISTS(SELECT 1 FROM imports)",
    [Q_SESSION_ADD] = "INSERT INTO sessions(token_hash, user, csrf, expires_at) "
                      "VALUES(?1, ?2, ?3, ?4)",
    [Q_SESSION_GET] = "SELECT user, csrf, expires_at FROM sessions WHERE token_hash = ?1",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1 OR expires_at < ?2",
    /* check: each row is one broken invariant. */
    [Q_CHECK_ALLOCATED] =
        "SELECT p.sku, p.location_id, p.stock_type, p.transit_ref, p.allocated, "
        "coalesce(a.total, 0) FROM positions p LEFT JOIN (SELECT sku, location_id, "
        "stock_type, transit_ref, sum(quantity) AS total FROM allocations "
        "GROUP BY sku, location_id, stock_type, transit_ref) a ON a.sku = p.sku AND "
        "a.location_id = p.location_id AND a.stock_type = p.stock_type AND "
        "a.transit_ref = p.transit_ref WHERE p.allocated <> coalesce(a.total, 0) "
        "ORDER BY p.sku, p.location_id, p.stock_type, p.transit_ref",
    [Q_CHECK_ALLOC_ORPHAN] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, a.quantity "
        "FROM allocations a WHERE a.stock_type <> 2 AND NOT EXISTS (SELECT 1 FROM "
        "positions p WHERE "
        "p.sku = a.sku AND p.location_id = a.location_id AND p.stock_type = a.stock_type "
        "AND p.transit_ref = a.transit_ref) ORDER BY a.shipment_id, a.sku",
    [Q_CHECK_NEGATIVE] = "SELECT sku, location_id, stock_type, transit_ref, quantity, "
                         "reserved, allocated FROM positions WHERE quantity < 0 OR "
                         "reserved < 0 OR allocated < 0 OR allocated > max(0, quantity - "
                         "reserved) ORDER BY sku, location_id, "
                         "stock_type, transit_ref",
    [Q_CHECK_CLOSED_ALLOC] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, "
        "a.quantity, s.status FROM allocations a JOIN shipments s ON s.id = a.shipment_id "
        "WHERE s.status IN (?1, ?2) ORDER BY s.seq, a.sku",
    [Q_CHECK_NO_PAYMENT] = "SELECT o.number, o.id FROM orders o WHERE NOT EXISTS "
                           "(SELECT 1 FROM payments p WHERE p.order_id = o.id) "
                           "ORDER BY o.number",
    [Q_CHECK_OVERCAPTURE] =
        "SELECT o.number, o.id, p.authorized, c.total FROM orders o "
        "JOIN payments p ON p.order_id = o.id JOIN (SELECT order_id, sum(amount) AS total "
        "FROM captures GROUP BY order_id) c ON c.order_id = o.id "
        "WHERE c.total > p.authorized ORDER BY o.number",
    [Q_CHECK_CAPTURED] =
        "SELECT o.number, o.id, p.captured, coalesce(c.total, 0) FROM orders o "
        "JOIN payments p ON p.order_id = o.id LEFT JOIN (SELECT order_id, "
        "sum(amount) AS total FROM captures GROUP BY order_id) c ON c.order_id = o.id "
        "WHERE p.captured <> coalesce(c.total, 0) ORDER BY o.number",
    [Q_CHECK_CONFIRMATION] =
        "SELECT o.number, o.id FROM orders o WHERE NOT EXISTS (SELECT 1 FROM outbox m "
        "WHERE m.order_id = o.id AND m.kind = 'order_confirmation') ORDER BY o.number",
    [Q_HOLDS_STOCK] = "SELECT EXISTS(SELECT 1 FROM orders), EXISTS(SELECT 1 FROM positions)",
    [Q_USER_LIST] = "SELECT name, created_at FROM users ORDER BY name",
    [Q_USER_SET_HASH] = "UPDATE users SET hash = ?2 WHERE name = ?1",
    [Q_USER_REMOVE] = "DELETE FROM users WHERE name = ?1",
    [Q_USER_SESSIONS_END] = "DELETE FROM sessions WHERE user = ?1",
    [Q_APIKEY_LIST] = "SELECT name, created_at FROM api_keys ORDER BY name, created_at",
    [Q_APIKEY_REVOKE] = "DELETE FROM api_keys WHERE name = ?1",
    [Q_SKU_SEARCH] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_SEARCH
                     ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT ?2",
    [Q_SKU_COUNT] = "SELECT count(*) FROM (" SKU_ALL ")",
    [Q_SKU_SEARCH_COUNT] = "SELECT count(*) FROM (" SKU_SEARCH ")",
    [Q_TRANSIT_SEARCH] = "SELECT * FROM (" TRANSIT_BY_SKU("?1") " UNION " TRANSIT_BY_SKU("?2")
                         " UNION " TRANSIT_BY_REF("?1") " UNION " TRANSIT_BY_REF("?2")
                         ") ORDER BY sku, location_id, transit_ref LIMIT ?3",
    /* Products (SPEC 5.3). The run's positions, in key order, so DISTINCT is cheap. */
    [Q_IMPORT_UNSOLD] =
        "SELECT sku, count(*) OVER () FROM (SELECT DISTINCT sku FROM positions po "
        "WHERE import_run = ?1 AND NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = po.sku)) "
        "ORDER BY sku LIMIT ?2",
    [Q_IMPORT_WARNING_SAVE] = "INSERT INTO import_warnings(import_id, n, sku, message) "
                              "VALUES(?1, ?2, ?3, ?4)",
    [Q_IMPORT_WARNING_TOTAL] = "UPDATE imports SET total_warnings = ?2 WHERE id = ?1",
    [Q_IMPORT_WARNINGS] = "SELECT w.sku, w.message, i.total_warnings FROM imports i "
                          "JOIN import_warnings w ON w.import_id = i.id WHERE i.id = ?1 "
                          "ORDER BY w.n",
    /* LIKE ignores ASCII case and costs a third of lower() + instr() on a scan of 1M rows. */
    [Q_PRODUCT_FIND] = "SELECT sku, name, price, currency, description, image_url "
                       "FROM products WHERE sku > ?1 AND (sku LIKE ?3 ESCAPE '\\' "
                       "OR name LIKE ?3 ESCAPE '\\') ORDER BY sku LIMIT ?2",
    [Q_INTENT_ADD] =
        "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency, "
        "provider, token, ref, error, created, at, day) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, "
        "?8, ?9, ?10, ?11, ?12, ?14, ?13)",
    [Q_INTENT_SETTLE] = "UPDATE payment_intents SET status = ?2, ref = ?3, error = ?4, "
                        "at = ?5 WHERE id = ?1 AND status = 'PENDING'",
    [Q_INTENT_PENDING] = INTENT_COLS "WHERE status = 'PENDING' AND created <= ?1 ORDER BY seq",
    [Q_INTENTS_BY_ORDER] = INTENT_COLS "WHERE order_id = ?1 ORDER BY seq",
    [Q_TESTPAY_RECORD] =
        "INSERT INTO test_payments(key, kind, amount, code, ref, message, calls) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, 1) ON CONFLICT(key) DO UPDATE SET "
        "calls = test_payments.calls + 1 RETURNING code, ref, message",
    [Q_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
    [Q_SYNC_FULL] = "PRAGMA synchronous = FULL",
    [Q_CHECK_LEDGER_OVER] =
        "SELECT o.number, o.id, " LEDGER_SUM("authorize") ", " LEDGER_SUM("capture") ", "
        LEDGER_SUM("refund") " FROM orders o JOIN payment_intents i ON i.order_id = o.id "
        "GROUP BY o.id HAVING " LEDGER_SUM("capture") " - " LEDGER_SUM("refund") " > "
        LEDGER_SUM("authorize") " ORDER BY o.number",
    [Q_CHECK_LEDGER_SUM] =
        "SELECT o.number, o.id, p.authorized, p.captured, p.voided, p.refunded, "
        "coalesce(l.a, 0), coalesce(l.c, 0), coalesce(l.v, 0), coalesce(l.r, 0) "
        "FROM orders o JOIN payments p ON p.order_id = o.id LEFT JOIN (SELECT i.order_id, "
        LEDGER_SUM("authorize") " AS a, " LEDGER_SUM("capture") " AS c, " LEDGER_SUM("void")
        " AS v, " LEDGER_SUM("refund") " AS r FROM payment_intents i GROUP BY i.order_id) l "
        "ON l.order_id = o.id WHERE p.authorized <> coalesce(l.a, 0) OR "
        "p.captured <> coalesce(l.c, 0) OR p.voided <> coalesce(l.v, 0) OR "
        "p.refunded <> coalesce(l.r, 0) ORDER BY o.number",
    [Q_CHANGES_SINCE] = "SELECT seq, sku FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2",
    [Q_CHANGES_HEAD] = "SELECT coalesce(max(seq), 0) FROM changes",
    [Q_CHANGES_PRUNE] = "DELETE FROM changes WHERE seq <= ?1 "
                        "AND seq < (SELECT max(seq) FROM changes)",
    [Q_POSITIONS_PAGE] =
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, allocated FROM positions WHERE sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku > ?1 ORDER BY sku LIMIT ?2) ORDER BY sku",
    /* The sweep (SPEC 5.8): open shipments whose transit stock date has passed and that
     * are not flagged overdue yet; PENDING delays past respondBy. Partial indexes keep
     * both to the few rows that match. */
    [Q_OVERDUE_SKUS] = "SELECT DISTINCT i.sku FROM shipments s JOIN shipment_items i "
                       "ON i.shipment_id = s.id WHERE s.stock_type = 1 AND s.status <= 1 "
                       "AND s.overdue = 0 AND s.stock_date < ?1 ORDER BY i.sku",
    [Q_DELAYS_DUE] = "SELECT id FROM shipments WHERE delay_consent = 1 AND status <= 1 "
                     "AND delay_respond_by < ?1 ORDER BY seq",
    [Q_ORDER_PAGE_DELAYED] =
        "SELECT o.id FROM orders o WHERE o.number < " OLDER_THAN("orders", "number", "?1")
        " AND o.id IN (SELECT order_id FROM shipments WHERE delay_consent <> 0 "
        "AND status <= 1) ORDER BY o.number DESC LIMIT ?2",
    [Q_SWEEP_DONE] = "INSERT INTO sweeps(day, at) VALUES(?1, " NOW_ISO ") "
                     "ON CONFLICT(day) DO UPDATE SET at = excluded.at",
    [Q_CHECK_SWEEP] = "SELECT s.id, s.delay_respond_by, w.day FROM shipments s, "
                      "(SELECT max(day) AS day FROM sweeps) w WHERE s.delay_consent = 1 "
                      "AND s.status <= 1 AND s.delay_respond_by < w.day ORDER BY s.seq",
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
};

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
    for (size_t i = 0; i < sizeof s->copy_insert / sizeof s->copy_insert[0]; i++)
        sqlite3_finalize(s->copy_insert[i]);
    sqlite3_close(s->db);
    free(s);
}

static int sq_begin(struct store *st, bool write, err_t *e)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        int rc = exec(s, Q_SAVEPOINT, e, "start a transaction");
        s->sp_open = rc == 0;
        return rc;
    }
    return exec(s, write ? Q_BEGIN_WRITE : Q_BEGIN_READ, e, "start a transaction");
}

static int sq_commit(struct store *st, err_t *e)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        s->sp_open = false;
        return exec(s, Q_RELEASE, e, "commit");
    }
    int rc = exec(s, Q_COMMIT, e, "commit");
    if (rc == 0) {
        atomic_fetch_add(&local_commits, 1);
        store_committed();
    } else
        exec(s, Q_ROLLBACK, NULL, "roll back");
    return rc;
}

static void sq_rollback(struct store *st)
{
    struct sqlite_store *s = S(st);
    if (s->batch) {
        if (s->sp_open) {
            exec(s, Q_ROLLBACK_TO, NULL, "roll back");
            exec(s, Q_RELEASE, NULL, "roll back");
        }
        s->sp_open = false;
    } else if (!sqlite3_get_autocommit(s->db)) {
        exec(s, Q_ROLLBACK, NULL, "roll back");
    }
}

/* Group commit: many transactions share one COMMIT, so one fsync, each in a savepoint so a
 * failed one leaves the others standing. */
static int sq_batch_begin(struct store *st, err_t *e)
{
    struct sqlite_store *s = S(st);
    int rc = exec(s, Q_BEGIN_WRITE, e, "start a transaction");
    s->batch = rc == 0;
    return rc;
}

static int sq_batch_end(struct store *st, bool commit, err_t *e)
{
    struct sqlite_store *s = S(st);
    s->batch = s->sp_open = false;
    if (!commit) {
        exec(s, Q_ROLLBACK, NULL, "roll back");
        return 0;
    }
    return sq_commit(st, e);
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

/* v itself while it has room for element len, else a bigger copy (*cap grows); NULL when
 * out of memory, and then v is still the caller's. */
static void *grow(void *v, size_t len, size_t *cap, size_t size)
{
    if (len < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return NULL;
    void *nv = realloc(v, ncap * size);
    if (nv)
        *cap = ncap;
    return nv;
}

static int sq_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_LOCATION_LIST, e);
    if (!q)
        return e->code;
    struct location *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct location *nv = grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
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
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
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

/* Appends the rows of q (the positions table's columns in table order) to out. */
static int read_position_rows(struct sqlite_store *s, sqlite3_stmt *q,
                              struct position_list *out, err_t *e)
{
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

/* Steps q (columns as Q_POSITIONS_BY_SKU) to its end, appending each position to out. */
static int read_positions(struct sqlite_store *s, sqlite3_stmt *q, struct position_list *out,
                          err_t *e)
{
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

static int sq_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                               err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_POSITIONS_BY_SKU, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sku);
    return read_positions(s, q, out, e);
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
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    bool search = query && *query;
    sqlite3_stmt *q = stmt(s, search ? Q_SKU_SEARCH : Q_SKU_PAGE, e);
    if (!q)
        return e->code;
    struct sku_entry *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    char upper[STORE_QUERY_MAX + 1];
    bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    if (search) {
        store_upper(query, upper);
        bind_text(q, 3, query);
        bind_text(q, 4, upper);
    }
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

static int sq_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                        err_t *e)
{
    *count = 0; /* a failure leaves the output empty */
    struct sqlite_store *s = S(st);
    bool search = query && *query;
    sqlite3_stmt *q = stmt(s, search ? Q_SKU_SEARCH_COUNT : Q_SKU_COUNT, e);
    if (!q)
        return e->code;
    char upper[STORE_QUERY_MAX + 1];
    bind_text(q, 1, "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)cap + 1);
    if (search) {
        store_upper(query, upper);
        bind_text(q, 3, query);
        bind_text(q, 4, upper);
    }
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "count SKUs"));
    *count = (size_t)sqlite3_column_int64(q, 0);
    if (*count > cap + 1) /* each branch stops at cap + 1, their union may hold more */
        *count = cap + 1;
    return done(q, 0);
}

static int sq_transit_search(struct store *st, const char *query, size_t limit,
                             struct position_list *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_TRANSIT_SEARCH, e);
    if (!q)
        return e->code;
    char upper[STORE_QUERY_MAX + 1];
    store_upper(query, upper);
    bind_text(q, 1, query);
    bind_text(q, 2, upper);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)limit);
    return read_position_rows(s, q, out, e);
}

static int sq_transit_page(struct store *st, const struct position *after, const char *sku,
                           date_t overdue_before, size_t limit, struct position_list *out,
                           err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_TRANSIT_PAGE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, after ? after->sku : "");
    bind_text(q, 2, after ? after->location_id : "");
    bind_text(q, 3, after ? after->transit_ref : "");
    if (sku)
        bind_text(q, 4, sku);
    bind_date(q, 5, overdue_before);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)limit);
    return read_position_rows(s, q, out, e);
}

static int sq_position_import(struct store *st, const struct position *p, int64_t run,
                              int64_t line, bool *duplicate, err_t *e)
{
    (void)line; /* written at once: a duplicate is known here */
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

static int save_warnings(struct sqlite_store *s, const struct import_job *job, err_t *e);

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
    return save_warnings(s, job, e);
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

static int load_warnings(struct sqlite_store *s, struct import_job *job, err_t *e);

static int import_get_errors(struct store *st, const char *id, struct import_job *job,
                             err_t *e)
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

static int sq_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    memset(job, 0, sizeof *job);
    int rc = import_get_errors(st, id, job, e);
    if (!rc)
        rc = load_warnings(S(st), job, e);
    if (rc)
        import_job_free(job);
    return rc;
}

static int sq_import_list(struct store *st, const char *before, size_t limit,
                          struct import_job **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IMPORT_LIST, e);
    if (!q)
        return e->code;
    struct import_job *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    sqlite3_bind_int64(q, 1, (sqlite3_int64)limit);
    if (before && *before)
        bind_text(q, 2, before);
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
    int *day = settings_day(s, k);
    if (day)
        settings_int(v, day);
    else if (!strcmp(k, "backorderMessage"))
        snprintf(s->backorder_message, sizeof s->backorder_message, "%s", v);
    else if (!strcmp(k, "businessDays"))
        s->business_days = !strcmp(v, "1");
    else if (!strcmp(k, "captureOn"))
        settings_capture_parse(v, &s->capture_on);
    else if (settings_count(s, k, NULL, NULL))
        settings_int(v, settings_count(s, k, NULL, NULL));
    else if (!strcmp(k, "storeName"))
        snprintf(s->store_name, sizeof s->store_name, "%s", v);
    else if (!strcmp(k, "fromEmail"))
        snprintf(s->from_email, sizeof s->from_email, "%s", v);
    else if (!strcmp(k, "publicUrl") && *v)
        snprintf(s->public_url, sizeof s->public_url, "%s", v);
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
    struct settings days = *set; /* settings_day hands out writable fields */
    for (size_t i = 0; i < SETTINGS_DAYS; i++) {
        char num[16];
        snprintf(num, sizeof num, "%d", *settings_day(&days, settings_day_names[i]));
        int rc = put_setting(s, settings_day_names[i], num, e);
        if (rc)
            return rc;
    }
    char holidays[SETTINGS_MAX_HOLIDAYS * DATE_STRLEN + 1] = "";
    for (size_t i = 0; i < set->nholidays; i++) {
        date_format(set->holidays[i], holidays + i * DATE_STRLEN);
        holidays[i * DATE_STRLEN + 10] = ',';
        holidays[i * DATE_STRLEN + 11] = '\0';
    }
    char counts[SETTINGS_COUNTS][16];
    struct settings c = *set; /* settings_count hands out writable fields */
    for (size_t i = 0; i < SETTINGS_COUNTS; i++)
        snprintf(counts[i], sizeof counts[i], "%d",
                 *settings_count(&c, settings_count_names[i], NULL, NULL));
    const char *kv[][2] = {
        {"backorderMessage", set->backorder_message},
        {"businessDays", set->business_days ? "1" : "0"},
        {"holidays", holidays},
        {"captureOn", settings_capture_name(set->capture_on)},
        {settings_count_names[0], counts[0]},
        {settings_count_names[1], counts[1]},
        {settings_count_names[2], counts[2]},
        {settings_count_names[3], counts[3]},
        {"storeName", set->store_name},
        {"fromEmail", set->from_email},
        {"publicUrl", settings_public_url_stored(set)},
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

/* --- orders, shipments, allocations --- */

/* Steps a bound statement that returns no rows, then resets it. */
static int run(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what)
{
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, what));
    return done(q, 0);
}

/* Like run for an UPDATE of one row by its id: ERR_NOTFOUND when there is no such row. */
static int update_one(struct sqlite_store *s, sqlite3_stmt *q, err_t *e, const char *what,
                      const char *kind, const char *id)
{
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, what));
    if (sqlite3_changes(s->db) == 0)
        return done(q, err_set(e, ERR_NOTFOUND, "no %s %s", kind, id));
    return done(q, 0);
}

static const char *col_str(sqlite3_stmt *q, int i)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    return v ? (const char *)v : "";
}

/* --- payment intents --- */

static int sq_intent_add(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_INTENT_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, in->id);
    bind_text(q, 2, in->order_id);
    bind_text(q, 3, in->shipment_id);
    bind_text(q, 4, intent_kind_name(in->kind));
    bind_text(q, 5, intent_status_name(in->status));
    sqlite3_bind_int64(q, 6, in->amount);
    bind_text(q, 7, in->currency);
    bind_text(q, 8, in->provider);
    bind_text(q, 9, in->token);
    bind_text(q, 10, in->ref);
    bind_text(q, 11, in->error);
    sqlite3_bind_int64(q, 12, in->created);
    bind_date(q, 13, in->day);
    bind_text(q, 14, in->at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "record a payment intent"));
    return done(q, 0);
}

static int sq_intent_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_INTENT_SETTLE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, in->id);
    bind_text(q, 2, intent_status_name(in->status));
    bind_text(q, 3, in->ref);
    bind_text(q, 4, in->error);
    bind_text(q, 5, in->at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "record a payment's outcome"));
    if (sqlite3_changes(s->db) == 0)
        return done(q, err_set(e, ERR_CONFLICT, "payment %s was already resolved", in->id));
    return done(q, 0);
}

static void read_intent(sqlite3_stmt *q, struct pay_intent *in)
{
    memset(in, 0, sizeof *in);
    col_copy(q, 0, in->id, sizeof in->id);
    col_copy(q, 1, in->order_id, sizeof in->order_id);
    col_copy(q, 2, in->shipment_id, sizeof in->shipment_id);
    in->kind = intent_kind_parse((const char *)sqlite3_column_text(q, 3));
    in->status = intent_status_parse((const char *)sqlite3_column_text(q, 4));
    in->amount = sqlite3_column_int64(q, 5);
    col_copy(q, 6, in->currency, sizeof in->currency);
    col_copy(q, 7, in->provider, sizeof in->provider);
    col_copy(q, 8, in->token, sizeof in->token);
    col_copy(q, 9, in->ref, sizeof in->ref);
    col_copy(q, 10, in->error, sizeof in->error);
    in->created = sqlite3_column_int64(q, 11);
    col_copy(q, 12, in->at, sizeof in->at);
    in->day = col_date(q, 13);
}

/* The rows of a bound intent query. */
static int read_intents(struct sqlite_store *s, sqlite3_stmt *q, struct pay_intent **out,
                        size_t *n, err_t *e)
{
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct pay_intent *v = grow(*out, *n, &cap, sizeof *v);
        if (!v)
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        *out = v;
        read_intent(q, &v[(*n)++]);
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read payment intents"));
    return done(q, 0);
}

static int sq_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                             size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = stmt(s, Q_INTENT_PENDING, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, before);
    int rc = read_intents(s, q, out, n, e);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Written without a full sync: the record must survive a killed process (the crash tests),
 * not a power cut, and a sync per call would bound every placement by the disk. */
static int sq_testpay_record(struct store *st, const char *key, const char *kind,
                             int64_t amount, int *code, char ref[64], char msg[256], err_t *e)
{
    struct sqlite_store *s = S(st);
    int rc = exec(s, Q_SYNC_NORMAL, e, "configure the database");
    sqlite3_stmt *q = rc ? NULL : stmt(s, Q_TESTPAY_RECORD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, key);
    bind_text(q, 2, kind);
    sqlite3_bind_int64(q, 3, amount);
    sqlite3_bind_int(q, 4, *code);
    bind_text(q, 5, ref);
    bind_text(q, 6, msg);
    if (sqlite3_step(q) != SQLITE_ROW) {
        rc = done(q, fail(s, e, "record a test payment"));
    } else {
        *code = sqlite3_column_int(q, 0);
        col_copy(q, 1, ref, 64);
        col_copy(q, 2, msg, 256);
        rc = run(s, q, e, "record a test payment");
    }
    int r = exec(s, Q_SYNC_FULL, e, "configure the database");
    return rc ? rc : r;
}

/* A malloc'd copy of a text column ("" for NULL); NULL when out of memory. */
static char *col_dup(sqlite3_stmt *q, int i)
{
    const unsigned char *v = sqlite3_column_text(q, i);
    size_t len = v ? (size_t)sqlite3_column_bytes(q, i) : 0;
    char *d = malloc(len + 1);
    if (d) {
        if (len)
            memcpy(d, v, len);
        d[len] = '\0';
    }
    return d;
}

/* Binds a position's identity to ?1..?4, the order POSITION_KEY names them in. */
static void bind_key(sqlite3_stmt *q, const struct position *k)
{
    bind_text(q, 1, k->sku);
    bind_text(q, 2, k->location_id);
    sqlite3_bind_int(q, 3, k->stock_type);
    bind_text(q, 4, k->transit_ref);
}

/* A position for messages: "TSHIRT1 at WH1 (onhand)", "TSHIRT1 at WH1 (intransit PO1)". */
static const char *key_name(const char *sku, const char *loc, int type, const char *ref,
                            char *buf, size_t cap)
{
    snprintf(buf, cap, "%s at %s (%s%s%s)", sku, loc, position_stock_type_name(type),
             *ref ? " " : "", ref);
    return buf;
}

static const char *pos_name(const struct position *k, char *buf, size_t cap)
{
    return key_name(k->sku, k->location_id, k->stock_type, k->transit_ref, buf, cap);
}

static int sq_order_next_number(struct store *st, int64_t *number, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_ORDER_NEXT_NUMBER, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "number an order"));
    *number = sqlite3_column_int64(q, 0);
    return done(q, 0);
}

/* Inserts one shipment (the n-th of its order) and its items; sets sh->seq. */
static int insert_shipment(struct sqlite_store *s, const char *order_id, size_t n,
                           struct shipment_rec *sh, err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_SHIPMENT_INSERT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sh->id);
    bind_text(q, 2, order_id);
    if (n == SIZE_MAX) /* the next in its order */
        sqlite3_bind_null(q, 3);
    else
        sqlite3_bind_int64(q, 3, (sqlite3_int64)n);
    sqlite3_bind_int(q, 4, sh->status);
    sqlite3_bind_int(q, 5, sh->stock_type);
    bind_text(q, 6, sh->location_id);
    bind_text(q, 7, sh->transit_ref);
    bind_date(q, 8, sh->stock_date);
    bind_date(q, 9, sh->expected.from);
    bind_date(q, 10, sh->expected.to);
    bind_text(q, 11, sh->expected.message);
    sqlite3_bind_int64(q, 12, sh->amount);
    bind_text(q, 13, sh->tracking_number);
    bind_text(q, 14, sh->shipped_at);
    bind_date(q, 15, sh->promised.from);
    bind_date(q, 16, sh->promised.to);
    bind_text(q, 17, sh->promised.message);
    sqlite3_bind_int(q, 18, sh->overdue);
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "save a shipment"));
    sh->seq = sqlite3_column_int64(q, 0);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save a shipment"));
    done(q, 0);
    if (!(q = stmt(s, Q_SHIPMENT_ITEM_INSERT, e)))
        return e->code;
    for (size_t i = 0; i < sh->nitems; i++) {
        bind_text(q, 1, sh->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        bind_text(q, 3, sh->items[i].sku);
        sqlite3_bind_int64(q, 4, sh->items[i].quantity);
        int rc = run(s, q, e, "save a shipment's items");
        if (rc)
            return rc;
    }
    return 0;
}

static int sq_order_insert(struct store *st, struct order_rec *o, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_ORDER_INSERT, e);
    if (!q)
        return e->code;
    const struct address *a = &o->address;
    bind_text(q, 1, o->id);
    sqlite3_bind_int64(q, 2, o->number);
    bind_text(q, 3, o->access_token);
    sqlite3_bind_int(q, 4, o->status);
    bind_text(q, 5, o->email);
    bind_text(q, 6, o->currency);
    sqlite3_bind_int64(q, 7, o->total);
    bind_text(q, 8, a->name);
    bind_text(q, 9, a->line1);
    bind_text(q, 10, a->line2);
    bind_text(q, 11, a->city);
    bind_text(q, 12, a->postal_code);
    bind_text(q, 13, a->country);
    bind_text(q, 14, o->created_at);
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "save the order"));
    /* The database's clock fills an empty created_at; hand the value back. */
    char created[sizeof o->created_at];
    col_copy(q, 0, created, sizeof created);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save the order"));
    done(q, 0);
    memcpy(o->created_at, created, sizeof created);

    if (!(q = stmt(s, Q_ORDER_LINE_INSERT, e)))
        return e->code;
    for (size_t i = 0; i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        bind_text(q, 1, o->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        bind_text(q, 3, l->sku);
        bind_text(q, 4, l->name);
        sqlite3_bind_int64(q, 5, l->quantity);
        sqlite3_bind_int64(q, 6, l->unit_price);
        sqlite3_bind_int64(q, 7, l->amount);
        int rc = run(s, q, e, "save the order's lines");
        if (rc)
            return rc;
    }
    for (size_t i = 0; i < o->nshipments; i++) {
        struct shipment_rec *sh = &o->shipments[i];
        int rc = insert_shipment(s, o->id, i, sh, e);
        if (rc)
            return rc;
        memcpy(sh->order_id, o->id, sizeof sh->order_id);
    }
    if (!(q = stmt(s, Q_PAYMENT_INSERT, e)))
        return e->code;
    const struct payment *p = &o->payment;
    bind_text(q, 1, o->id);
    bind_text(q, 2, p->provider);
    bind_text(q, 3, p->ref);
    sqlite3_bind_int64(q, 4, p->authorized);
    sqlite3_bind_int64(q, 5, p->captured);
    sqlite3_bind_int64(q, 6, p->voided);
    sqlite3_bind_int64(q, 7, p->refunded);
    return run(s, q, e, "save the payment");
}

static void read_shipment(sqlite3_stmt *q, struct shipment_rec *sh)
{
    memset(sh, 0, sizeof *sh);
    col_copy(q, 0, sh->id, sizeof sh->id);
    col_copy(q, 1, sh->order_id, sizeof sh->order_id);
    sh->seq = sqlite3_column_int64(q, 2);
    sh->status = sqlite3_column_int(q, 3);
    sh->stock_type = sqlite3_column_int(q, 4);
    col_copy(q, 5, sh->location_id, sizeof sh->location_id);
    col_copy(q, 6, sh->transit_ref, sizeof sh->transit_ref);
    sh->stock_date = col_date(q, 7);
    sh->expected.from = col_date(q, 8);
    sh->expected.to = col_date(q, 9);
    col_copy(q, 10, sh->expected.message, sizeof sh->expected.message);
    sh->amount = sqlite3_column_int64(q, 11);
    col_copy(q, 12, sh->tracking_number, sizeof sh->tracking_number);
    col_copy(q, 13, sh->shipped_at, sizeof sh->shipped_at);
    sh->promised.from = col_date(q, 14);
    sh->promised.to = col_date(q, 15);
    col_copy(q, 16, sh->promised.message, sizeof sh->promised.message);
    sh->payment_required = sqlite3_column_int(q, 17) != 0;
    sh->overdue = sqlite3_column_int(q, 18) != 0;
    struct shipment_delay *d = &sh->delay;
    d->st.consent = sqlite3_column_int(q, 19);
    d->detected = col_date(q, 20);
    d->previous_from = col_date(q, 21);
    d->previous_to = col_date(q, 22);
    d->expected_from = col_date(q, 23);
    d->st.expected_to = col_date(q, 24);
    d->st.respond_by = col_date(q, 25);
    d->st.consent_required = sqlite3_column_int(q, 26) != 0;
    d->st.accepted_to = col_date(q, 27);
    d->st.accepted_undated = sqlite3_column_int(q, 28) != 0;
    d->st.consented_before = sqlite3_column_int(q, 29) != 0;
}

/* Fills sh->items, which the caller owns even when this fails. */
static int load_items(struct sqlite_store *s, struct shipment_rec *sh, err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_SHIPMENT_ITEMS, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sh->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct shipment_item *v = grow(sh->items, sh->nitems, &cap, sizeof *v);
        if (!v)
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        sh->items = v;
        struct shipment_item *it = &v[sh->nitems++];
        col_copy(q, 0, it->sku, sizeof it->sku);
        it->quantity = sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read a shipment's items"));
    return done(q, 0);
}

/* Lines, shipments and payment of an order whose own row is in o; o owns what it gets. */
static int load_order_parts(struct sqlite_store *s, struct order_rec *o, err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_ORDER_LINES, e);
    if (!q)
        return e->code;
    bind_text(q, 1, o->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct order_line *v = grow(o->lines, o->nlines, &cap, sizeof *v);
        if (!v)
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        o->lines = v;
        struct order_line *l = &v[o->nlines++];
        col_copy(q, 0, l->sku, sizeof l->sku);
        col_copy(q, 1, l->name, sizeof l->name);
        l->quantity = sqlite3_column_int64(q, 2);
        l->unit_price = sqlite3_column_int64(q, 3);
        l->amount = sqlite3_column_int64(q, 4);
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read the order's lines"));
    done(q, 0);

    if (!(q = stmt(s, Q_ORDER_SHIPMENTS, e)))
        return e->code;
    bind_text(q, 1, o->id);
    cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct shipment_rec *v = grow(o->shipments, o->nshipments, &cap, sizeof *v);
        if (!v)
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        o->shipments = v;
        struct shipment_rec *sh = &v[o->nshipments++];
        read_shipment(q, sh);
        int r = load_items(s, sh, e);
        if (r)
            return done(q, r);
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read the order's shipments"));
    done(q, 0);

    if (!(q = stmt(s, Q_PAYMENT_GET, e)))
        return e->code;
    bind_text(q, 1, o->id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct payment *p = &o->payment;
        col_copy(q, 0, p->provider, sizeof p->provider);
        col_copy(q, 1, p->ref, sizeof p->ref);
        p->authorized = sqlite3_column_int64(q, 2);
        p->captured = sqlite3_column_int64(q, 3);
        p->voided = sqlite3_column_int64(q, 4);
        p->refunded = sqlite3_column_int64(q, 5);
        /* Not stored: the amounts decide it, so the two can never disagree. */
        p->status = order_payment_status(p);
    } else if (rc != SQLITE_DONE) {
        return done(q, fail(s, e, "read the order's payment"));
    }
    done(q, 0);

    if (!(q = stmt(s, Q_INTENTS_BY_ORDER, e)))
        return e->code;
    bind_text(q, 1, o->id);
    return read_intents(s, q, &o->events, &o->nevents, e);
}

static int sq_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    struct sqlite_store *s = S(st);
    memset(o, 0, sizeof *o);
    sqlite3_stmt *q = stmt(s, Q_ORDER_GET, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no order %s", id));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read an order"));
    col_copy(q, 0, o->id, sizeof o->id);
    o->number = sqlite3_column_int64(q, 1);
    col_copy(q, 2, o->access_token, sizeof o->access_token);
    o->status = sqlite3_column_int(q, 3);
    col_copy(q, 4, o->email, sizeof o->email);
    col_copy(q, 5, o->currency, sizeof o->currency);
    o->total = sqlite3_column_int64(q, 6);
    struct address *a = &o->address;
    col_copy(q, 7, a->name, sizeof a->name);
    col_copy(q, 8, a->line1, sizeof a->line1);
    col_copy(q, 9, a->line2, sizeof a->line2);
    col_copy(q, 10, a->city, sizeof a->city);
    col_copy(q, 11, a->postal_code, sizeof a->postal_code);
    col_copy(q, 12, a->country, sizeof a->country);
    col_copy(q, 13, o->created_at, sizeof o->created_at);
    done(q, 0);
    rc = load_order_parts(s, o, e);
    if (rc)
        order_rec_free(o);
    return rc;
}

static int order_page(struct store *st, enum stmt_id id, const char *before, size_t limit,
                      char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    *ids = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, id, e);
    if (!q)
        return e->code;
    char(*v)[ORDER_ID_MAX] = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    if (before && *before)
        bind_text(q, 1, before);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        col_copy(q, 0, v[len], sizeof v[len]);
        len++;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "list orders"));
    }
    *ids = v;
    *n = len;
    return done(q, 0);
}

static int sq_order_page(struct store *st, const char *before, size_t limit,
                         char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE, before, limit, ids, n, e);
}

static int sq_order_page_delayed(struct store *st, const char *before, size_t limit,
                                 char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE_DELAYED, before, limit, ids, n, e);
}

static int sq_order_by_shipment(struct store *st, const char *shipment_id,
                                char order_id[ORDER_ID_MAX], err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_ORDER_BY_SHIPMENT, e);
    if (!q)
        return e->code;
    bind_text(q, 1, shipment_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read a shipment"));
    col_copy(q, 0, order_id, ORDER_ID_MAX);
    return done(q, 0);
}

static int sq_order_set_status(struct store *st, const char *id, int status, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_ORDER_SET_STATUS, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    sqlite3_bind_int(q, 2, status);
    return update_one(s, q, e, "save an order's status", "order", id);
}

static int sq_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SHIPMENT_UPDATE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sh->id);
    sqlite3_bind_int(q, 2, sh->status);
    bind_text(q, 3, sh->tracking_number);
    bind_text(q, 4, sh->shipped_at);
    sqlite3_bind_int(q, 5, sh->payment_required);
    return update_one(s, q, e, "save a shipment", "shipment", sh->id);
}

static int sq_payment_update(struct store *st, const char *order_id, const struct payment *p,
                             err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_PAYMENT_UPDATE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, order_id);
    bind_text(q, 2, p->provider);
    bind_text(q, 3, p->ref);
    sqlite3_bind_int64(q, 4, p->authorized);
    sqlite3_bind_int64(q, 5, p->captured);
    sqlite3_bind_int64(q, 6, p->voided);
    sqlite3_bind_int64(q, 7, p->refunded);
    return update_one(s, q, e, "save a payment", "payment for order", order_id);
}

static int sq_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                          int64_t amount, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_CAPTURE_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, order_id);
    bind_text(q, 2, shipment_id); /* NULL binds NULL */
    sqlite3_bind_int64(q, 3, amount);
    return run(s, q, e, "record a capture");
}

static int sq_position_allocate(struct store *st, const struct position *key, int64_t qty,
                                err_t *e)
{
    struct sqlite_store *s = S(st);
    char name[256];
    /* A negative qty would release units past the guard; releases go through adjust. */
    if (qty <= 0)
        return err_set(e, ERR_INVALID, "cannot allocate %lld units of %s", (long long)qty,
                       pos_name(key, name, sizeof name));
    sqlite3_stmt *q = stmt(s, Q_POSITION_ALLOCATE, e);
    if (!q)
        return e->code;
    bind_key(q, key);
    sqlite3_bind_int64(q, 5, qty);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "allocate stock"));
    if (sqlite3_changes(s->db) == 0)
        return done(q, err_set(e, ERR_CONFLICT, "not enough stock of %s",
                               pos_name(key, name, sizeof name)));
    return done(q, 0);
}

static int sq_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                              int64_t d_allocated, err_t *e)
{
    struct sqlite_store *s = S(st);
    char name[256];
    sqlite3_stmt *q = stmt(s, Q_POSITION_GET, e);
    if (!q)
        return e->code;
    bind_key(q, key);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return done(q, fail(s, e, "read a position"));
    bool exists = rc == SQLITE_ROW;
    int64_t quantity = exists ? sqlite3_column_int64(q, 0) : 0;
    int64_t allocated = exists ? sqlite3_column_int64(q, 1) : 0;
    done(q, 0);
    if (!exists && key->stock_type != STOCK_ONHAND)
        return err_set(e, ERR_NOTFOUND, "no position %s", pos_name(key, name, sizeof name));
    /* Checked here rather than left to the CHECK constraints, for a message that says which
     * figure would go wrong. */
    if (quantity + d_quantity < 0 || allocated + d_allocated < 0)
        return err_set(e, ERR_CONFLICT,
                       "%s cannot fall below zero: quantity %lld%+lld, allocated %lld%+lld",
                       pos_name(key, name, sizeof name), (long long)quantity,
                       (long long)d_quantity, (long long)allocated, (long long)d_allocated);
    if (!(q = stmt(s, exists ? Q_POSITION_ADJUST : Q_POSITION_CREATE, e)))
        return e->code;
    bind_key(q, key);
    sqlite3_bind_int64(q, 5, d_quantity);
    sqlite3_bind_int64(q, 6, d_allocated);
    return run(s, q, e, "save a position");
}

static int sq_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                        int64_t qty, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q;
    int64_t held = 0;
    if (qty == 0)
        return 0;
    if (qty < 0) {
        /* Rows never hold zero (CHECK quantity > 0): find out whether this empties it. */
        if (!(q = stmt(s, Q_ALLOC_GET, e)))
            return e->code;
        bind_key(q, key);
        bind_text(q, 5, shipment_id);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return done(q, fail(s, e, "read an allocation"));
        held = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        done(q, 0);
        char name[256];
        if (held + qty < 0)
            return err_set(e, ERR_CONFLICT, "shipment %s holds only %lld units of %s",
                           shipment_id, (long long)held, pos_name(key, name, sizeof name));
    }
    /* Not one upsert for both signs: SQLite checks the proposed row's CHECK before it
     * sees the conflict, so a negative qty could never reach DO UPDATE. */
    enum stmt_id id = qty > 0          ? Q_ALLOC_UPSERT
                      : held + qty > 0 ? Q_ALLOC_TAKE
                                       : Q_ALLOC_REMOVE;
    if (!(q = stmt(s, id, e)))
        return e->code;
    bind_key(q, key);
    bind_text(q, 5, shipment_id);
    if (id != Q_ALLOC_REMOVE)
        sqlite3_bind_int64(q, 6, qty);
    return run(s, q, e, "save an allocation");
}

static int sq_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                         struct alloc_row **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    if (!shipment_id && !key)
        return err_set(e, ERR_INVALID, "name a shipment or a position to list allocations");
    sqlite3_stmt *q = stmt(s, shipment_id ? Q_ALLOC_BY_SHIPMENT : Q_ALLOC_BY_POSITION, e);
    if (!q)
        return e->code;
    if (shipment_id)
        bind_text(q, 1, shipment_id);
    else
        bind_key(q, key);
    struct alloc_row *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct alloc_row *nv = grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        struct alloc_row *r = &v[len++];
        memset(r, 0, sizeof *r);
        col_copy(q, 0, r->shipment_id, sizeof r->shipment_id);
        r->shipment_seq = sqlite3_column_int64(q, 1);
        r->order_number = sqlite3_column_int64(q, 7);
        r->stock_date = col_date(q, 8);
        col_copy(q, 2, r->pos.sku, sizeof r->pos.sku);
        col_copy(q, 3, r->pos.location_id, sizeof r->pos.location_id);
        r->pos.stock_type = sqlite3_column_int(q, 4);
        col_copy(q, 5, r->pos.transit_ref, sizeof r->pos.transit_ref);
        r->pos.order_date = r->pos.stock_date = DATE_NONE;
        r->quantity = sqlite3_column_int64(q, 6);
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return done(q, fail(s, e, "list allocations"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_alloc_delete(struct store *st, const char *shipment_id, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_ALLOC_DELETE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, shipment_id);
    return run(s, q, e, "release a shipment's allocations");
}

static int sq_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                           err_t *e)
{
    struct sqlite_store *s = S(st);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = stmt(s, Q_SHIPMENT_GET, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no shipment %s", id));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read a shipment"));
    read_shipment(q, out);
    done(q, 0);
    rc = load_items(s, out, e);
    if (rc) {
        free(out->items);
        out->items = NULL;
        out->nitems = 0;
    }
    return rc;
}

static int sq_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e)
{
    return insert_shipment(S(st), sh->order_id, SIZE_MAX, sh, e);
}

static int sq_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SHIPMENT_SAVE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, sh->id);
    sqlite3_bind_int(q, 2, sh->status);
    sqlite3_bind_int(q, 3, sh->stock_type);
    bind_text(q, 4, sh->location_id);
    bind_text(q, 5, sh->transit_ref);
    bind_date(q, 6, sh->stock_date);
    bind_date(q, 7, sh->expected.from);
    bind_date(q, 8, sh->expected.to);
    bind_text(q, 9, sh->expected.message);
    sqlite3_bind_int64(q, 10, sh->amount);
    const struct shipment_delay *d = &sh->delay;
    sqlite3_bind_int(q, 11, sh->overdue);
    sqlite3_bind_int(q, 12, d->st.consent);
    bind_date(q, 13, d->detected);
    bind_date(q, 14, d->previous_from);
    bind_date(q, 15, d->previous_to);
    bind_date(q, 16, d->expected_from);
    bind_date(q, 17, d->st.expected_to);
    bind_date(q, 18, d->st.respond_by);
    sqlite3_bind_int(q, 19, d->st.consent_required);
    bind_date(q, 20, d->st.accepted_to);
    sqlite3_bind_int(q, 21, d->st.accepted_undated);
    sqlite3_bind_int(q, 22, d->st.consented_before);
    int rc = run(s, q, e, "save a shipment");
    if (rc || !(q = stmt(s, Q_SHIPMENT_ITEMS_DELETE, e)))
        return rc ? rc : e->code;
    bind_text(q, 1, sh->id);
    if ((rc = run(s, q, e, "save a shipment's items")) ||
        !(q = stmt(s, Q_SHIPMENT_ITEM_INSERT, e)))
        return rc ? rc : e->code;
    for (size_t i = 0; i < sh->nitems && !rc; i++) {
        bind_text(q, 1, sh->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        bind_text(q, 3, sh->items[i].sku);
        sqlite3_bind_int64(q, 4, sh->items[i].quantity);
        rc = run(s, q, e, "save a shipment's items");
    }
    return rc;
}

static int sq_shipment_delete(struct store *st, const char *id, err_t *e)
{
    struct sqlite_store *s = S(st);
    const int steps[] = {Q_ALLOC_DELETE, Q_SHIPMENT_ITEMS_DELETE, Q_SHIPMENT_DELETE};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *q = stmt(s, steps[i], e);
        if (!q)
            return e->code;
        bind_text(q, 1, id);
        int rc = run(s, q, e, "remove a shipment");
        if (rc)
            return rc;
    }
    return 0;
}

/* The first column of every row of statement id, bound to ?1 = arg, as strings of size
 * bytes each (an array the caller frees). */
static int text_list(struct store *st, enum stmt_id id, int64_t arg, size_t size, void **out,
                     size_t *n, const char *what, err_t *e)
{
    struct sqlite_store *s = S(st);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *q = stmt(s, id, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, arg);
    char *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char *nv = grow(v, len, &cap, size);
        if (!nv) {
            free(v);
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        col_copy(q, 0, v + len++ * size, size);
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return done(q, fail(s, e, what));
    }
    done(q, 0);
    *out = v;
    *n = len;
    return 0;
}

static int sq_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                          err_t *e)
{
    return text_list(st, Q_REPLAN_SKUS, run_id, sizeof **out, (void **)out, n,
                     "find the SKUs to re-plan", e);
}

static int sq_overdue_skus(struct store *st, date_t today, char (**out)[ID_MAX + 1],
                           size_t *n, err_t *e)
{
    return text_list(st, Q_OVERDUE_SKUS, today, sizeof **out, (void **)out, n,
                     "find overdue shipments", e);
}

static int sq_delays_due(struct store *st, date_t today, char (**out)[ORDER_ID_MAX], size_t *n,
                         err_t *e)
{
    return text_list(st, Q_DELAYS_DUE, today, sizeof **out, (void **)out, n,
                     "find delays past their answer date", e);
}

static int sq_sweep_lock(struct store *st, bool *got, err_t *e)
{
    (void)st;
    (void)e;
    *got = true; /* BEGIN IMMEDIATE already made this the only writer */
    return 0;
}

static int sq_sweep_done(struct store *st, date_t day, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SWEEP_DONE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int(q, 1, day);
    return run(s, q, e, "record the sweep");
}

/* --- carts --- */

static int sq_cart_create(struct store *st, const char *id, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_CART_CREATE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return done(q, err_set(e, ERR_CONFLICT, "cart %s already exists", id));
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "create a cart"));
    return done(q, 0);
}

static int sq_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                         size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_CART_LINES, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    struct shipment_item *v = NULL;
    size_t len = 0, cap = 0;
    bool found = false;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        found = true;
        if (sqlite3_column_type(q, 0) == SQLITE_NULL)
            continue; /* the cart exists and is empty */
        struct shipment_item *nv = grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        col_copy(q, 0, v[len].sku, sizeof v[len].sku);
        v[len].quantity = sqlite3_column_int64(q, 1);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return done(q, fail(s, e, "read a cart"));
    }
    if (!found)
        return done(q, err_set(e, ERR_NOTFOUND, "no cart %s", id));
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                       err_t *e)
{
    struct sqlite_store *s = S(st);
    if (qty < 0)
        return err_set(e, ERR_INVALID, "a cart line cannot have a negative quantity");
    sqlite3_stmt *q = stmt(s, Q_CART_EXISTS, e);
    if (!q)
        return e->code;
    bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no cart %s", id));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read a cart"));
    done(q, 0);
    if (!(q = stmt(s, qty ? Q_CART_LINE_SET : Q_CART_LINE_DELETE, e)))
        return e->code;
    bind_text(q, 1, id);
    bind_text(q, 2, sku);
    if (qty)
        sqlite3_bind_int64(q, 3, qty);
    return run(s, q, e, "save a cart line");
}

/* --- email outbox --- */

static int sq_outbox_add(struct store *st, const struct email *m, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_OUTBOX_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, m->id);
    bind_text(q, 2, m->kind);
    bind_text(q, 3, m->order_id[0] ? m->order_id : NULL);
    bind_text(q, 4, m->from);
    bind_text(q, 5, m->to);
    bind_text(q, 6, m->subject);
    bind_text(q, 7, m->text ? m->text : "");
    bind_text(q, 8, m->html ? m->html : "");
    sqlite3_bind_int(q, 9, m->status);
    sqlite3_bind_int(q, 10, m->attempts);
    bind_text(q, 11, m->last_error);
    sqlite3_bind_int64(q, 12, m->next_attempt_at);
    bind_text(q, 13, m->created_at);
    return run(s, q, e, "queue an email");
}

/* The columns Q_OUTBOX_NEXT and Q_OUTBOX_LIST share; bodies stay NULL. */
static void read_email(sqlite3_stmt *q, struct email *m)
{
    memset(m, 0, sizeof *m);
    col_copy(q, 0, m->id, sizeof m->id);
    col_copy(q, 1, m->kind, sizeof m->kind);
    col_copy(q, 2, m->order_id, sizeof m->order_id);
    col_copy(q, 3, m->from, sizeof m->from);
    col_copy(q, 4, m->to, sizeof m->to);
    col_copy(q, 5, m->subject, sizeof m->subject);
    m->status = sqlite3_column_int(q, 6);
    m->attempts = sqlite3_column_int(q, 7);
    col_copy(q, 8, m->last_error, sizeof m->last_error);
    m->next_attempt_at = sqlite3_column_int64(q, 9);
    col_copy(q, 10, m->created_at, sizeof m->created_at);
}

static int outbox_take(struct sqlite_store *s, int64_t now, int64_t lease, struct email *out,
                       err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_OUTBOX_NEXT, e);
    if (!q)
        return e->code;
    sqlite3_bind_int(q, 1, EMAIL_PENDING);
    sqlite3_bind_int64(q, 2, now);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no email is due"));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read the outbox"));
    read_email(q, out);
    out->text = col_dup(q, 11);
    out->html = col_dup(q, 12);
    done(q, 0);
    if (!out->text || !out->html) {
        email_free(out);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    if (!(q = stmt(s, Q_OUTBOX_LEASE, e))) {
        email_free(out);
        return e->code;
    }
    bind_text(q, 1, out->id);
    sqlite3_bind_int64(q, 2, now + lease);
    if ((rc = run(s, q, e, "lease an email"))) {
        email_free(out);
        return rc;
    }
    out->next_attempt_at = now + lease;
    return 0;
}

static int sq_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                           err_t *e)
{
    struct sqlite_store *s = S(st);
    /* The pick and the lease must be one step for other workers; a caller's own
     * transaction already is one. */
    bool own = sqlite3_get_autocommit(s->db) != 0;
    int rc = own ? exec(s, Q_BEGIN_WRITE, e, "start a transaction") : 0;
    if (rc)
        return rc;
    rc = outbox_take(s, now, lease, out, e);
    if (!own)
        return rc;
    if (rc) {
        sq_rollback(st);
        return rc;
    }
    if ((rc = sq_commit(st, e)))
        email_free(out);
    return rc;
}

static int sq_outbox_update(struct store *st, const struct email *m, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_OUTBOX_UPDATE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, m->id);
    sqlite3_bind_int(q, 2, m->status);
    sqlite3_bind_int(q, 3, m->attempts);
    bind_text(q, 4, m->last_error);
    sqlite3_bind_int64(q, 5, m->next_attempt_at);
    return update_one(s, q, e, "save an email's delivery", "email", m->id);
}

static int sq_outbox_list(struct store *st, const char *before, size_t limit,
                          struct email **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_OUTBOX_LIST, e);
    if (!q)
        return e->code;
    struct email *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    sqlite3_bind_int64(q, 1, (sqlite3_int64)limit);
    if (before && *before)
        bind_text(q, 2, before);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_email(q, &v[len++]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "list the outbox"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

/* --- console users --- */

static int sq_user_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_USER_ADD, e);
    if (!q)
        return e->code;
    bind_text(q, 1, name);
    bind_text(q, 2, hash);
    int rc = sqlite3_step(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return done(q, err_set(e, ERR_CONFLICT, "user %s already exists", name));
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "add a user"));
    return done(q, 0);
}

static int sq_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_USER_HASH, e);
    if (!q)
        return e->code;
    bind_text(q, 1, name);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no user %s", name));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read a user"));
    const char *v = col_str(q, 0);
    size_t len = strlen(v);
    /* A cut hash would never verify, which looks like a wrong password: say what it is. */
    if (len >= cap)
        return done(q, err_set(e, ERR_STORE, "the stored password hash of user %s is too long",
                               name));
    memcpy(hash, v, len + 1);
    return done(q, 0);
}

static int sq_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                          const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SESSION_ADD, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    bind_text(q, 2, user);
    bind_text(q, 3, csrf);
    sqlite3_bind_int64(q, 4, expires_at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save a session"));
    return done(q, 0);
}

static int sq_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                          char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                          int64_t *expires_at, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SESSION_GET, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return done(q, err_set(e, ERR_NOTFOUND, "no such session"));
    if (rc != SQLITE_ROW)
        return done(q, fail(s, e, "read a session"));
    col_copy(q, 0, user, ID_MAX + 1);
    col_copy(q, 1, csrf, SESSION_CSRF_LEN + 1);
    *expires_at = sqlite3_column_int64(q, 2);
    return done(q, 0);
}

static int sq_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                             int64_t now, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_SESSION_DELETE, e);
    if (!q)
        return e->code;
    sqlite3_bind_blob(q, 1, hash, SESSION_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, now);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "end a session"));
    return done(q, 0);
}

/* Rows are written as they come, so there is nothing left to report or apply. */
static int sq_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e)
{
    (void)st;
    (void)run;
    (void)fn;
    (void)ctx;
    (void)e;
    return 0;
}

static int sq_import_apply(struct store *st, int64_t run, err_t *e)
{
    (void)st;
    (void)run;
    (void)e;
    return 0;
}

/* BEGIN IMMEDIATE already holds the only write lock: nothing more to take. */
static int sq_order_lock(struct store *st, const char *id, err_t *e)
{
    (void)st;
    (void)id;
    (void)e;
    return 0;
}

/* --- copying (sellahead migrate) ---
 * Table and column names come from store_tables, never from data, and values are bound. */

static void column_list(const struct store_table *t, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (size_t i = 0; i < t->ncols && n < cap; i++)
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\"", i ? ", " : "", t->cols[i]);
}

static int sq_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                         void *ctx, err_t *e)
{
    struct sqlite_store *s = S(st);
    char cols[1024], sql[1536];
    column_list(t, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name,
             t->order_sqlite);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return fail(s, e, "read a table to copy");
    struct store_value vals[STORE_COLS_MAX];
    int rc = 0, step;
    while (!rc && (step = sqlite3_step(q)) == SQLITE_ROW) {
        for (size_t i = 0; i < t->ncols; i++) {
            struct store_value *v = &vals[i];
            int type = sqlite3_column_type(q, (int)i);
            *v = (struct store_value){STORE_NULL, 0, NULL, 0};
            if (type == SQLITE_INTEGER) {
                v->type = STORE_INT;
                v->i = sqlite3_column_int64(q, (int)i);
            } else if (type == SQLITE_BLOB) {
                v->type = STORE_BLOB;
                v->p = sqlite3_column_blob(q, (int)i);
                v->len = (size_t)sqlite3_column_bytes(q, (int)i);
            } else if (type != SQLITE_NULL) {
                v->type = STORE_TEXT;
                v->p = (const char *)sqlite3_column_text(q, (int)i);
                v->len = (size_t)sqlite3_column_bytes(q, (int)i);
            }
        }
        rc = fn(ctx, vals, e);
    }
    if (!rc && step != SQLITE_DONE)
        rc = fail(s, e, "read a table to copy");
    sqlite3_finalize(q);
    return rc;
}

static int sq_table_insert(struct store *st, const struct store_table *t,
                           const struct store_value *vals, err_t *e)
{
    struct sqlite_store *s = S(st);
    size_t slot = (size_t)(t - store_tables);
    if (slot >= sizeof s->copy_insert / sizeof s->copy_insert[0])
        return err_set(e, ERR_STORE, "too many tables to copy");
    sqlite3_stmt *q = s->copy_insert[slot];
    if (!q) {
        char cols[1024], marks[3 * STORE_COLS_MAX] = "", sql[1536];
        column_list(t, cols, sizeof cols);
        for (size_t i = 0; i < t->ncols; i++)
            strcat(marks, i ? ", ?" : "?");
        snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(%s) VALUES(%s)", t->name, cols, marks);
        if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
            return fail(s, e, "copy a row");
        s->copy_insert[slot] = q;
    }
    for (size_t i = 0; i < t->ncols; i++) {
        const struct store_value *v = &vals[i];
        int k = (int)i + 1;
        if (v->type == STORE_INT)
            sqlite3_bind_int64(q, k, v->i);
        else if (v->type == STORE_TEXT)
            sqlite3_bind_text(q, k, v->p, (int)v->len, SQLITE_STATIC);
        else if (v->type == STORE_BLOB)
            sqlite3_bind_blob(q, k, v->p, (int)v->len, SQLITE_STATIC);
        else
            sqlite3_bind_null(q, k);
    }
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "copy a row"));
    return done(q, 0);
}

static int sq_is_empty(struct store *st, bool *empty, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IS_EMPTY, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "look into the database"));
    *empty = sqlite3_column_int(q, 0) == 0;
    return done(q, 0);
}

static int sq_after_copy(struct store *st, err_t *e)
{
    (void)st;
    (void)e;
    return 0; /* numbers come from max() + 1 here */
}

/* --- check --- */

/* One sentence for the current row of a check statement. */
typedef void (*check_fmt)(sqlite3_stmt *q, char *msg, size_t cap);

/* The position named by columns i..i+3 (sku, location_id, stock_type, transit_ref). */
static const char *row_pos(sqlite3_stmt *q, int i, char *buf, size_t cap)
{
    return key_name(col_str(q, i), col_str(q, i + 1), sqlite3_column_int(q, i + 2),
                    col_str(q, i + 3), buf, cap);
}

static void fmt_allocated(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "%s has allocatedQuantity %lld but its allocations add up to %lld",
             row_pos(q, 0, pos, sizeof pos), (long long)sqlite3_column_int64(q, 4),
             (long long)sqlite3_column_int64(q, 5));
}

static void fmt_orphan(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s holds %lld units of %s, a position that does not exist",
             col_str(q, 4), (long long)sqlite3_column_int64(q, 5),
             row_pos(q, 0, pos, sizeof pos));
}

static void fmt_negative(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap,
             "%s has a negative figure or is oversold: quantity %lld, "
             "reservedQuantity %lld, allocatedQuantity %lld",
             row_pos(q, 0, pos, sizeof pos), (long long)sqlite3_column_int64(q, 4),
             (long long)sqlite3_column_int64(q, 5), (long long)sqlite3_column_int64(q, 6));
}

static void fmt_closed(sqlite3_stmt *q, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s is %s but still holds %lld units of %s", col_str(q, 4),
             order_shipment_status_name(sqlite3_column_int(q, 6)),
             (long long)sqlite3_column_int64(q, 5), row_pos(q, 0, pos, sizeof pos));
}

static void fmt_no_payment(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no payment", (long long)sqlite3_column_int64(q, 0),
             col_str(q, 1));
}

static void fmt_overcapture(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has captures of %lld in all, more than the %lld "
             "authorized", (long long)sqlite3_column_int64(q, 0), col_str(q, 1),
             (long long)sqlite3_column_int64(q, 3), (long long)sqlite3_column_int64(q, 2));
}

static void fmt_captured(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records %lld captured but its captures add up to %lld",
             (long long)sqlite3_column_int64(q, 0), col_str(q, 1),
             (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 3));
}

static void fmt_confirmation(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no order_confirmation email",
             (long long)sqlite3_column_int64(q, 0), col_str(q, 1));
}

static void fmt_ledger_over(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s): its payment events capture %lld and refund %lld, "
             "more than the %lld authorized", (long long)sqlite3_column_int64(q, 0),
             col_str(q, 1), (long long)sqlite3_column_int64(q, 3),
             (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 2));
}

static void fmt_ledger_sum(sqlite3_stmt *q, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records authorized %lld, captured %lld, voided %lld, "
             "refunded %lld but its payment events add up to %lld, %lld, %lld, %lld",
             (long long)sqlite3_column_int64(q, 0), col_str(q, 1),
             (long long)sqlite3_column_int64(q, 2), (long long)sqlite3_column_int64(q, 3),
             (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 5),
             (long long)sqlite3_column_int64(q, 6), (long long)sqlite3_column_int64(q, 7),
             (long long)sqlite3_column_int64(q, 8), (long long)sqlite3_column_int64(q, 9));
}

static void fmt_sweep(sqlite3_stmt *q, char *msg, size_t cap)
{
    char by[DATE_STRLEN], day[DATE_STRLEN];
    date_format(col_date(q, 1), by);
    date_format(col_date(q, 2), day);
    snprintf(msg, cap, "shipment %s has a PENDING delay with respondBy %s, before the last "
             "sweep on %s", col_str(q, 0), by, day);
}

static const struct {
    enum stmt_id id;
    check_fmt fmt;
} checks[] = {
    {Q_CHECK_ALLOCATED, fmt_allocated},       {Q_CHECK_ALLOC_ORPHAN, fmt_orphan},
    {Q_CHECK_NEGATIVE, fmt_negative},         {Q_CHECK_CLOSED_ALLOC, fmt_closed},
    {Q_CHECK_NO_PAYMENT, fmt_no_payment},     {Q_CHECK_OVERCAPTURE, fmt_overcapture},
    {Q_CHECK_CAPTURED, fmt_captured},         {Q_CHECK_CONFIRMATION, fmt_confirmation},
    {Q_CHECK_LEDGER_OVER, fmt_ledger_over},   {Q_CHECK_LEDGER_SUM, fmt_ledger_sum},
    {Q_CHECK_SWEEP, fmt_sweep},
};

/* A callback asking to stop ends the check early; that is not an error. */
static int sq_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
                    err_t *e)
{
    struct sqlite_store *s = S(st);
    *problems = 0;
    /* One snapshot for every query, so a commit in between cannot look like a broken
     * invariant. */
    bool own = sqlite3_get_autocommit(s->db) != 0;
    int rc = own ? exec(s, Q_BEGIN_READ, e, "start a transaction") : 0;
    bool stop = false;
    for (size_t i = 0; !rc && !stop && i < sizeof checks / sizeof checks[0]; i++) {
        sqlite3_stmt *q = stmt(s, checks[i].id, e);
        if (!q) {
            rc = e->code;
            break;
        }
        if (checks[i].id == Q_CHECK_CLOSED_ALLOC) {
            sqlite3_bind_int(q, 1, SHIP_SHIPPED);
            sqlite3_bind_int(q, 2, SHIP_CANCELLED);
        }
        int step = SQLITE_DONE;
        while (!stop && (step = sqlite3_step(q)) == SQLITE_ROW) {
            char msg[1024];
            checks[i].fmt(q, msg, sizeof msg);
            (*problems)++;
            stop = report(ctx, msg) != 0;
        }
        bool ok = step == SQLITE_DONE || step == SQLITE_ROW;
        rc = done(q, ok ? 0 : fail(s, e, "check the database"));
    }
    if (own && !sqlite3_get_autocommit(s->db))
        exec(s, Q_COMMIT, NULL, "end the check");
    return rc;
}

/* --- console users and API keys, managed from the CLI --- */

static int sq_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e)
{
    *orders = *positions = false;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_HOLDS_STOCK, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "look into the database"));
    *orders = sqlite3_column_int(q, 0) != 0;
    *positions = sqlite3_column_int(q, 1) != 0;
    return done(q, 0);
}

static int named_list(struct sqlite_store *s, enum stmt_id id, struct store_named **out,
                      size_t *n, err_t *e, const char *what)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    sqlite3_stmt *q = stmt(s, id, e);
    if (!q)
        return e->code;
    struct store_named *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct store_named *nv = grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        col_copy(q, 0, v[len].name, sizeof v[len].name);
        col_copy(q, 1, v[len].created_at, sizeof v[len].created_at);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return done(q, fail(s, e, what));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

static int sq_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(S(st), Q_USER_LIST, out, n, e, "list the users");
}

static int sq_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(S(st), Q_APIKEY_LIST, out, n, e, "list the API keys");
}

/* Runs a statement whose ?1 is a name (and ?2, when given, a second text); *changed counts
 * the rows it changed. */
static int by_name(struct sqlite_store *s, enum stmt_id id, const char *name, const char *v2,
                   size_t *changed, err_t *e, const char *what)
{
    sqlite3_stmt *q = stmt(s, id, e);
    if (!q)
        return e->code;
    bind_text(q, 1, name);
    if (v2)
        bind_text(q, 2, v2);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, what));
    *changed = (size_t)sqlite3_changes(s->db);
    return done(q, 0);
}

static int sq_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e)
{
    size_t n = 0, ended;
    int rc = by_name(S(st), Q_USER_SET_HASH, name, hash, &n, e, "change a password");
    if (!rc && !n)
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    if (!rc)
        rc = by_name(S(st), Q_USER_SESSIONS_END, name, NULL, &ended, e, "end the sessions");
    return rc;
}

static int sq_user_remove(struct store *st, const char *name, err_t *e)
{
    size_t n = 0, ended;
    int rc = by_name(S(st), Q_USER_REMOVE, name, NULL, &n, e, "remove a user");
    if (!rc && !n)
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    if (!rc)
        rc = by_name(S(st), Q_USER_SESSIONS_END, name, NULL, &ended, e, "end the sessions");
    return rc;
}

static int sq_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    *n = 0;
    int rc = by_name(S(st), Q_APIKEY_REVOKE, name, NULL, n, e, "revoke an API key");
    if (!rc && !*n)
        rc = err_set(e, ERR_NOTFOUND, "no API key named %s", name);
    return rc;
}

/* --- products (SPEC 5.3) --- */

static int save_warnings(struct sqlite_store *s, const struct import_job *job, err_t *e)
{
    sqlite3_stmt *q;
    if (!job->total_warnings)
        return 0;
    if (!(q = stmt(s, Q_IMPORT_WARNING_TOTAL, e)))
        return e->code;
    bind_text(q, 1, job->id);
    sqlite3_bind_int64(q, 2, job->total_warnings);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "save the import warnings"));
    done(q, 0);
    if (!(q = stmt(s, Q_IMPORT_WARNING_SAVE, e)))
        return e->code;
    for (size_t i = 0; i < job->nwarnings; i++) {
        bind_text(q, 1, job->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        bind_text(q, 3, job->warnings[i].sku);
        bind_text(q, 4, job->warnings[i].message);
        if (sqlite3_step(q) != SQLITE_DONE)
            return done(q, fail(s, e, "save the import warnings"));
        done(q, 0);
    }
    return 0;
}

static int load_warnings(struct sqlite_store *s, struct import_job *job, err_t *e)
{
    sqlite3_stmt *q = stmt(s, Q_IMPORT_WARNINGS, e);
    if (!q)
        return e->code;
    bind_text(q, 1, job->id);
    while (job->nwarnings < IMPORT_WARNINGS_MAX && sqlite3_step(q) == SQLITE_ROW) {
        if (!job->warnings &&
            !(job->warnings = calloc(IMPORT_WARNINGS_MAX, sizeof *job->warnings)))
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        struct import_warning *w = &job->warnings[job->nwarnings++];
        col_copy(q, 0, w->sku, sizeof w->sku);
        col_copy(q, 1, w->message, sizeof w->message);
        job->total_warnings = sqlite3_column_int64(q, 2);
    }
    return done(q, 0);
}

static int sq_import_unsold(struct store *st, int64_t run, struct import_job *job, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_IMPORT_UNSOLD, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, run);
    sqlite3_bind_int64(q, 2, IMPORT_WARNINGS_MAX);
    int rc;
    job->nwarnings = 0;
    job->total_warnings = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        if (!job->warnings &&
            !(job->warnings = calloc(IMPORT_WARNINGS_MAX, sizeof *job->warnings)))
            return done(q, err_set(e, ERR_NOMEM, "out of memory"));
        import_warning_set(&job->warnings[job->nwarnings++],
                           (const char *)sqlite3_column_text(q, 0));
        job->total_warnings = sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "look for SKUs without a product"));
    return done(q, 0);
}

static int sq_product_find(struct store *st, const char *after, size_t limit, const char *qs,
                           struct product **out, size_t *n, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_PRODUCT_FIND, e);
    if (!q)
        return e->code;
    struct product *v = calloc(limit ? limit : 1, sizeof *v);
    if (!v)
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    /* %q% with LIKE's own wildcards escaped: the text is matched as it is. */
    char *pat = malloc(2 * strlen(qs) + 3), *o = pat;
    if (!pat) {
        free(v);
        return done(q, err_set(e, ERR_NOMEM, "out of memory"));
    }
    *o++ = '%';
    for (const char *c = qs; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    *o++ = '%';
    *o = '\0';
    bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    sqlite3_bind_text(q, 3, pat, -1, free);
    size_t len = 0;
    int rc = SQLITE_DONE;
    while (len < limit && (rc = sqlite3_step(q)) == SQLITE_ROW)
        read_product(q, &v[len++]);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        free(v);
        return done(q, fail(s, e, "search products"));
    }
    *out = v;
    *n = len;
    return done(q, 0);
}

/* --- change log --- */

static int sq_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                            void *ctx, int64_t *xmin, int64_t *xmax, err_t *e)
{
    struct sqlite_store *s = S(st);
    *xmin = *xmax = 0; /* one writer at a time: commits come in seq order */
    sqlite3_stmt *q = stmt(s, Q_CHANGES_SINCE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, after);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(q, 0), col_str(q, 1)))
            return done(q, 0);
    if (rc != SQLITE_DONE)
        return done(q, fail(s, e, "read the change log"));
    return done(q, 0);
}

static int sq_changes_head(struct store *st, int64_t *head, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_CHANGES_HEAD, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return done(q, fail(s, e, "read the change log"));
    *head = sqlite3_column_int64(q, 0);
    return done(q, 0);
}

static int sq_changes_prune(struct store *st, int64_t upto, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_CHANGES_PRUNE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, upto);
    if (sqlite3_step(q) != SQLITE_DONE)
        return done(q, fail(s, e, "prune the change log"));
    return done(q, 0);
}

static int sq_positions_page(struct store *st, const char *after, size_t limit,
                             struct position_list *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = stmt(s, Q_POSITIONS_PAGE, e);
    if (!q)
        return e->code;
    bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return read_positions(s, q, out, e);
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
};

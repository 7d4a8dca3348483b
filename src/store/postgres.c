/* PostgreSQL backend: one libpq connection per struct store (so per thread), statements
 * prepared on a connection's first use of each, READ COMMITTED transactions in which
 * conditional updates and row locks keep several servers on one database from overselling.
 *
 * Failures map to the error codes the SQLite backend uses, plus two of this backend's own:
 * a lost connection is ERR_UNAVAILABLE (503; the next operation outside a transaction
 * reconnects) and a serialization failure or deadlock is ERR_RETRY (the caller rolls back
 * and runs the whole transaction again). */
#include <libpq-fe.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

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
    Q_COUNT
};

#define POSITION_KEY "sku = $1 AND location_id = $2 AND stock_type = $3 AND transit_ref = $4"
#define SHIPMENT_COLS                                                                         \
    "SELECT id, order_id, seq, status, stock_type, location_id, transit_ref, stock_date, "    \
    "expected_from, expected_to, expected_message, amount, tracking_number, shipped_at, "     \
    "promised_from, promised_to, promised_message, payment_required FROM shipments "
#define ALLOC_COLS                                                                            \
    "SELECT a.shipment_id, s.seq, a.sku, a.location_id, a.stock_type, a.transit_ref, "        \
    "a.quantity, o.number, s.stock_date FROM allocations a JOIN shipments s ON s.id = a.shipment_id "      \
    "JOIN orders o ON o.id = s.order_id "
#define NOW_ISO "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define INTENT_COLS                                                                           \
    "SELECT id, order_id, shipment_id, kind, status, amount, currency, provider, token, ref, " \
    "error, created, at, day FROM payment_intents "
/* What the succeeded intents of one kind moved, in a query over payment_intents i. */
#define LEDGER_SUM(kind)                                                                      \
    "coalesce(sum(CASE WHEN i.kind = '" kind "' AND i.status = 'SUCCEEDED' THEN i.amount "     \
    "END), 0)"

/* Parameters are always bound ($n, sent as text); a few carry a cast where PostgreSQL
 * cannot infer a type from the context ($1::text IS NULL). */
/* The console's lists at catalog scale (1M SKUs): every branch walks an index from the
 * cursor $1 and stops after $2 rows, so a page or a search costs the same at any size. A
 * search term is a prefix: of the SKU as typed ($3) or in capitals ($4), or of the product
 * name in any case. Columns compare in the "C" collation (bytes), where chr(1114111), the
 * last code point, bounds a prefix range. */
#define PREFIX_OF(col, p) col " >= " p " AND " col " < " p " || chr(1114111)"
/* Keyset pages, newest first: below the cursor row's seq (no row for an unknown cursor, so an
 * empty page), or below every seq without one. */
#define OLDER_THAN(table, cursor)                                                             \
    "CASE WHEN " cursor " IS NULL THEN 9223372036854775807 ELSE (SELECT seq FROM " table      \
    " WHERE id = " cursor ") END"
#define SKU_BRANCH(from, where)                                                               \
    "(SELECT sku FROM " from " WHERE sku > $1" where " ORDER BY sku LIMIT $2)"
/* The distinct SKUs of positions, one index descent each (a loose index scan): a GROUP BY
 * may be planned as a scan of the whole table when statistics are missing. */
#define POSITION_SKUS(where)                                                                  \
    "(WITH RECURSIVE d(sku) AS ((SELECT sku FROM positions WHERE sku > $1" where              \
    " ORDER BY sku LIMIT 1) UNION ALL SELECT (SELECT sku FROM positions WHERE sku > d.sku"    \
    where " ORDER BY sku LIMIT 1) FROM d WHERE d.sku IS NOT NULL) "                           \
    "SELECT sku FROM d WHERE sku IS NOT NULL LIMIT $2)"
#define SKU_ALL SKU_BRANCH("products", "") " UNION " POSITION_SKUS("")
#define SKU_SEARCH                                                                            \
    SKU_BRANCH("products", " AND " PREFIX_OF("sku", "$3::text"))                              \
    " UNION " SKU_BRANCH("products", " AND " PREFIX_OF("sku", "$4::text"))                    \
    " UNION " POSITION_SKUS(" AND " PREFIX_OF("sku", "$3::text"))                             \
    " UNION " POSITION_SKUS(" AND " PREFIX_OF("sku", "$4::text"))                             \
    " UNION " SKU_BRANCH("products",                                                          \
                         " AND " PREFIX_OF("(lower(name) COLLATE \"C\")", "lower($3::text)"))
/* Transit positions whose SKU or transitRef starts with $1 (or $2, in capitals), $3 at most,
 * each branch through its partial index of transit positions. */
#define TRANSIT_BRANCH(col, p, order)                                                         \
    "(SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "   \
    "reserved, allocated FROM positions WHERE stock_type = 1 AND " PREFIX_OF(col, p)          \
    " ORDER BY " order " LIMIT $3)"
#define TRANSIT_BY_SKU(p) TRANSIT_BRANCH("sku", p, "sku, location_id, transit_ref")
#define TRANSIT_BY_REF(p) TRANSIT_BRANCH("transit_ref", p, "transit_ref, sku, location_id")

static const char *const stmt_sql[Q_COUNT] = {
    /* DO NOTHING rather than a unique violation: an error would abort the caller's whole
     * transaction, where SQLite leaves it usable. */
    [Q_LOCATION_ADD] = "INSERT INTO locations(id, name) VALUES($1, $2) "
                       "ON CONFLICT (id) DO NOTHING",
    [Q_LOCATION_LIST] = "SELECT id, name FROM locations ORDER BY id",
    [Q_PRODUCT_UPSERT] =
        "INSERT INTO products(sku, name, price, currency, description, image_url) "
        "VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT (sku) DO UPDATE SET name = excluded.name, "
        "price = excluded.price, currency = excluded.currency, "
        "description = excluded.description, image_url = excluded.image_url",
    [Q_PRODUCT_GET] = "SELECT sku, name, price, currency, description, image_url "
                      "FROM products WHERE sku = $1",
    [Q_PRODUCT_PAGE] = "SELECT sku, name, price, currency, description, image_url "
                       "FROM products WHERE sku > $1 ORDER BY sku LIMIT $2",
    [Q_POSITIONS_BY_SKU] =
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, allocated FROM positions WHERE sku = $1",
    /* Key order: every transaction locks a SKU's positions the same way round. */
    [Q_POSITIONS_LOCK] =
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, allocated FROM positions WHERE sku = $1 "
        "ORDER BY location_id, stock_type, transit_ref FOR UPDATE",
    [Q_ORDER_LOCK] = "SELECT 1 FROM orders WHERE id = $1 FOR UPDATE",
    [Q_SKU_EXISTS] = "SELECT EXISTS(SELECT 1 FROM products WHERE sku = $1) "
                     "OR EXISTS(SELECT 1 FROM positions WHERE sku = $1)",
    [Q_SKU_PAGE] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_ALL
                   ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT $2",
    /* The staged rows of an import (pg_position_import), free of duplicates by then; in key
     * order so concurrent writers lock rows the same way round. */
    [Q_IMPORT_APPLY] =
        "INSERT INTO positions(sku, location_id, stock_type, transit_ref, order_date, "
        "stock_date, quantity, reserved, allocated, import_run, changed_run) "
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, 0, $1, $1 FROM import_stage ORDER BY sku, location_id, stock_type, "
        "transit_ref ON CONFLICT (sku, location_id, stock_type, transit_ref) DO UPDATE SET "
        "order_date = excluded.order_date, stock_date = excluded.stock_date, "
        "quantity = excluded.quantity, reserved = excluded.reserved, "
        "import_run = excluded.import_run, changed_run = CASE WHEN (positions.order_date, "
        "positions.stock_date, positions.quantity, positions.reserved) IS DISTINCT FROM "
        "(excluded.order_date, excluded.stock_date, excluded.quantity, excluded.reserved) "
        "THEN excluded.import_run ELSE positions.changed_run END",
    [Q_IMPORT_SAVE] =
        "INSERT INTO imports(id, source, file_name, status, total_rows, rows_applied, "
        "total_errors, created_at, finished_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    [Q_IMPORT_ERROR_SAVE] = "INSERT INTO import_errors(import_id, n, line, col, value, message) "
                            "VALUES($1, $2, $3, $4, $5, $6)",
    [Q_IMPORT_GET] = "SELECT id, source, file_name, status, total_rows, rows_applied, "
                     "total_errors, created_at, finished_at FROM imports WHERE id = $1",
    [Q_IMPORT_ERRORS] = "SELECT line, col, value, message FROM import_errors "
                        "WHERE import_id = $1 ORDER BY n LIMIT $2",
    [Q_IMPORT_LIST] = "SELECT id, source, file_name, status, total_rows, rows_applied, "
                      "total_errors, created_at, finished_at FROM imports WHERE seq < "
                      OLDER_THAN("imports", "$2::text") " ORDER BY seq DESC LIMIT $1",
    [Q_SETTINGS_GET] = "SELECT key, value FROM settings",
    [Q_SETTINGS_PUT] = "INSERT INTO settings(key, value) VALUES($1, $2) "
                       "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_APIKEY_ADD] = "INSERT INTO api_keys(id, name, hash) VALUES($1, $2, $3)",
    [Q_APIKEY_HASH] = "SELECT hash FROM api_keys WHERE id = $1",
    [Q_IDEM_GET] = "SELECT result FROM idempotency WHERE scope = $1 AND key = $2",
    /* Waits for a concurrent transaction holding the same key, then changes nothing when
     * that one committed: see pg_idem_put. */
    [Q_IDEM_PUT] = "INSERT INTO idempotency(scope, key, result) VALUES($1, $2, $3) "
                   "ON CONFLICT (scope, key) DO NOTHING",
    /* A sequence, not max() + 1: several servers number orders at once. Numbers start at
     * 1001 like SQLite's; a rolled-back placement leaves a gap. */
    [Q_ORDER_NEXT_NUMBER] = "SELECT nextval('order_number')",
    [Q_ORDER_INSERT] =
        "INSERT INTO orders(id, number, access_token, status, email, currency, total, "
        "ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, "
        "created_at) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
        "coalesce(nullif($14::text, ''), " NOW_ISO ")) RETURNING created_at",
    [Q_ORDER_LINE_INSERT] = "INSERT INTO order_lines(order_id, n, sku, name, quantity, "
                            "unit_price, amount) VALUES($1, $2, $3, $4, $5, $6, $7)",
    /* seq from a sequence: it increases across every server's placements. */
    [Q_SHIPMENT_INSERT] =
        "INSERT INTO shipments(id, seq, order_id, n, status, stock_type, location_id, "
        "transit_ref, stock_date, expected_from, expected_to, expected_message, amount, "
        "tracking_number, shipped_at, promised_from, promised_to, promised_message) "
        "VALUES($1, nextval('shipment_seq'), $2, coalesce($3::bigint, (SELECT coalesce(max(n), "
        "-1) + 1 FROM shipments WHERE order_id = $2)), $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15, $16, $17) RETURNING seq",
    [Q_SHIPMENT_ITEM_INSERT] = "INSERT INTO shipment_items(shipment_id, n, sku, quantity) "
                               "VALUES($1, $2, $3, $4)",
    [Q_PAYMENT_INSERT] = "INSERT INTO payments(order_id, provider, ref, authorized, captured, "
                         "voided, refunded) VALUES($1, $2, $3, $4, $5, $6, $7)",
    [Q_ORDER_GET] = "SELECT id, number, access_token, status, email, currency, total, "
                    "ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, "
                    "ship_country, created_at FROM orders WHERE id = $1",
    [Q_ORDER_LINES] = "SELECT sku, name, quantity, unit_price, amount FROM order_lines "
                      "WHERE order_id = $1 ORDER BY n",
    [Q_ORDER_SHIPMENTS] = SHIPMENT_COLS "WHERE order_id = $1 ORDER BY n",
    [Q_SHIPMENT_ITEMS] = "SELECT sku, quantity FROM shipment_items WHERE shipment_id = $1 "
                         "ORDER BY n",
    [Q_PAYMENT_GET] = "SELECT provider, ref, authorized, captured, voided, refunded "
                      "FROM payments WHERE order_id = $1",
    [Q_ORDER_PAGE] = "SELECT id FROM orders WHERE $1::text IS NULL OR "
                     "number < (SELECT number FROM orders WHERE id = $1::text) "
                     "ORDER BY number DESC LIMIT $2",
    [Q_ORDER_BY_SHIPMENT] = "SELECT order_id FROM shipments WHERE id = $1",
    [Q_ORDER_SET_STATUS] = "UPDATE orders SET status = $2 WHERE id = $1",
    [Q_SHIPMENT_UPDATE] = "UPDATE shipments SET status = $2, tracking_number = $3, "
                          "shipped_at = $4, payment_required = $5 WHERE id = $1",
    [Q_PAYMENT_UPDATE] = "UPDATE payments SET provider = $2, ref = $3, authorized = $4, "
                         "captured = $5, voided = $6, refunded = $7 WHERE order_id = $1",
    [Q_CAPTURE_ADD] = "INSERT INTO captures(order_id, shipment_id, amount) VALUES($1, $2, $3)",
    /* The oversell guard: the availability test and the increment are one statement. A
     * concurrent allocation of the same row makes this one wait for its commit, and
     * READ COMMITTED then tests the condition again on the row as committed. */
    [Q_POSITION_ALLOCATE] = "UPDATE positions SET allocated = allocated + $5 WHERE "
                            POSITION_KEY " AND quantity - reserved - allocated >= $5",
    /* Locked: the figures checked are the ones the update then changes. */
    [Q_POSITION_GET] = "SELECT quantity, allocated FROM positions WHERE " POSITION_KEY
                       " FOR UPDATE",
    /* Another server may create the same onhand position meanwhile: then add to it. */
    [Q_POSITION_CREATE] = "INSERT INTO positions(sku, location_id, stock_type, transit_ref, "
                          "order_date, stock_date, quantity, reserved, allocated) "
                          "VALUES($1, $2, $3, $4, NULL, NULL, $5, 0, $6) "
                          "ON CONFLICT (sku, location_id, stock_type, transit_ref) DO UPDATE "
                          "SET quantity = positions.quantity + excluded.quantity, "
                          "allocated = positions.allocated + excluded.allocated",
    [Q_POSITION_ADJUST] = "UPDATE positions SET quantity = quantity + $5, "
                          "allocated = allocated + $6 WHERE " POSITION_KEY,
    [Q_ALLOC_GET] = "SELECT quantity FROM allocations WHERE " POSITION_KEY
                    " AND shipment_id = $5 FOR UPDATE",
    [Q_ALLOC_UPSERT] =
        "INSERT INTO allocations(shipment_id, sku, location_id, stock_type, transit_ref, "
        "quantity) VALUES($5, $1, $2, $3, $4, $6) ON CONFLICT (shipment_id, sku, location_id, "
        "stock_type, transit_ref) DO UPDATE SET quantity = allocations.quantity + "
        "excluded.quantity",
    [Q_ALLOC_TAKE] = "UPDATE allocations SET quantity = quantity + $6 WHERE " POSITION_KEY
                     " AND shipment_id = $5",
    [Q_ALLOC_REMOVE] = "DELETE FROM allocations WHERE " POSITION_KEY " AND shipment_id = $5",
    [Q_ALLOC_BY_SHIPMENT] = ALLOC_COLS "WHERE a.shipment_id = $1 ORDER BY a.sku, "
                                       "a.location_id, a.stock_type, a.transit_ref",
    [Q_ALLOC_BY_POSITION] = ALLOC_COLS "WHERE a.sku = $1 AND a.location_id = $2 AND "
                                       "a.stock_type = $3 AND a.transit_ref = $4 "
                                       "ORDER BY o.number, s.seq",
    [Q_ALLOC_DELETE] = "DELETE FROM allocations WHERE shipment_id = $1",
    [Q_SHIPMENT_SAVE] =
        "UPDATE shipments SET status = $2, stock_type = $3, location_id = $4, "
        "transit_ref = $5, stock_date = $6, expected_from = $7, expected_to = $8, "
        "expected_message = $9, amount = $10 WHERE id = $1",
    [Q_SHIPMENT_ITEMS_DELETE] = "DELETE FROM shipment_items WHERE shipment_id = $1",
    [Q_SHIPMENT_DELETE] = "DELETE FROM shipments WHERE id = $1",
    [Q_TRANSIT_PAGE] = "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, "
                       "quantity, reserved, allocated FROM positions WHERE stock_type = 1 AND "
                       "(sku, location_id, transit_ref) > ($1::text, $2::text, $3::text) AND "
                       "($4::text IS NULL OR sku = $4::text) AND "
                       "($5::bigint IS NULL OR stock_date < $5::bigint) "
                       "ORDER BY sku, location_id, transit_ref LIMIT $6",
    [Q_REPLAN_SKUS] = "SELECT DISTINCT p.sku FROM positions p WHERE p.changed_run = $1 AND "
                      "EXISTS(SELECT 1 FROM allocations a WHERE a.sku = p.sku) ORDER BY p.sku",
    [Q_SHIPMENT_GET] = SHIPMENT_COLS "WHERE id = $1",
    [Q_CART_CREATE] = "INSERT INTO carts(id) VALUES($1) ON CONFLICT (id) DO NOTHING",
    [Q_CART_EXISTS] = "SELECT 1 FROM carts WHERE id = $1",
    /* One statement tells an unknown cart (no row) from an empty one (one NULL line); seq
     * keeps the order lines were first added in. */
    [Q_CART_LINES] = "SELECT l.sku, l.quantity FROM carts c LEFT JOIN cart_lines l "
                     "ON l.cart_id = c.id WHERE c.id = $1 ORDER BY l.seq",
    [Q_CART_LINE_SET] = "INSERT INTO cart_lines(cart_id, sku, quantity) VALUES($1, $2, $3) "
                        "ON CONFLICT (cart_id, sku) DO UPDATE SET quantity = excluded.quantity",
    [Q_CART_LINE_DELETE] = "DELETE FROM cart_lines WHERE cart_id = $1 AND sku = $2",
    [Q_OUTBOX_ADD] =
        "INSERT INTO outbox(id, kind, order_id, from_addr, to_addr, subject, text, html, "
        "status, attempts, last_error, next_attempt_at, created_at) VALUES($1, $2, $3, $4, "
        "$5, $6, $7, $8, $9, $10, $11, $12, coalesce(nullif($13::text, ''), " NOW_ISO "))",
    /* SKIP LOCKED: a worker on another server claiming at this moment holds its pick's row
     * lock; this one takes the next email instead of waiting for it. */
    [Q_OUTBOX_NEXT] = "SELECT id, kind, order_id, from_addr, to_addr, subject, status, "
                      "attempts, last_error, next_attempt_at, created_at, text, html "
                      "FROM outbox WHERE status = $1 AND next_attempt_at <= $2 "
                      "ORDER BY next_attempt_at, seq LIMIT 1 FOR UPDATE SKIP LOCKED",
    [Q_OUTBOX_LEASE] = "UPDATE outbox SET next_attempt_at = $2 WHERE id = $1",
    [Q_OUTBOX_UPDATE] = "UPDATE outbox SET status = $2, attempts = $3, last_error = $4, "
                        "next_attempt_at = $5 WHERE id = $1",
    [Q_OUTBOX_LIST] = "SELECT id, kind, order_id, from_addr, to_addr, subject, status, "
                      "attempts, last_error, next_attempt_at, created_at FROM outbox "
                      "WHERE seq < " OLDER_THAN("outbox", "$2::text") " ORDER BY seq DESC LIMIT $1",
    [Q_USER_ADD] = "INSERT INTO users(name, hash) VALUES($1, $2) ON CONFLICT (name) DO NOTHING",
    [Q_USER_HASH] = "SELECT hash FROM users WHERE name = $1",
    [Q_SESSION_ADD] = "INSERT INTO sessions(token_hash, \"user\", csrf, expires_at) "
                      "VALUES($1, $2, $3, $4)",
    [Q_SESSION_GET] = "SELECT \"user\", csrf, expires_at FROM sessions WHERE token_hash = $1",
    [Q_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = $1 OR expires_at < $2",
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
                         "reserved < 0 OR allocated < 0 OR allocated > GREATEST(0, quantity - "
                         "reserved) ORDER BY sku, location_id, "
                         "stock_type, transit_ref",
    [Q_CHECK_CLOSED_ALLOC] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, "
        "a.quantity, s.status FROM allocations a JOIN shipments s ON s.id = a.shipment_id "
        "WHERE s.status IN ($1, $2) ORDER BY s.seq, a.sku",
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
    /* The user's sessions end with the change; the count is the UPDATE's (or DELETE's). */
    [Q_USER_SET_HASH] = "WITH ended AS (DELETE FROM sessions WHERE \"user\" = $1) "
                        "UPDATE users SET hash = $2 WHERE name = $1",
    [Q_USER_REMOVE] = "WITH ended AS (DELETE FROM sessions WHERE \"user\" = $1) "
                      "DELETE FROM users WHERE name = $1",
    [Q_APIKEY_LIST] = "SELECT name, created_at FROM api_keys ORDER BY name, created_at",
    [Q_APIKEY_REVOKE] = "DELETE FROM api_keys WHERE name = $1",
    [Q_SKU_SEARCH] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_SEARCH
                     ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT $2",
    [Q_SKU_COUNT] = "SELECT count(*) FROM (" SKU_ALL ") s",
    [Q_SKU_SEARCH_COUNT] = "SELECT count(*) FROM (" SKU_SEARCH ") s",
    [Q_TRANSIT_SEARCH] = "SELECT * FROM (" TRANSIT_BY_SKU("$1::text") " UNION "
                         TRANSIT_BY_SKU("$2::text") " UNION " TRANSIT_BY_REF("$1::text")
                         " UNION " TRANSIT_BY_REF("$2::text")
                         ") t ORDER BY sku, location_id, transit_ref LIMIT $3",
    /* Products (SPEC 5.3); the same statements as SQLite's. */
    [Q_IMPORT_UNSOLD] =
        "SELECT sku, count(*) OVER () FROM (SELECT DISTINCT sku FROM positions po "
        "WHERE import_run = $1 AND NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = po.sku)) "
        "d ORDER BY sku LIMIT $2",
    [Q_IMPORT_WARNING_SAVE] = "INSERT INTO import_warnings(import_id, n, sku, message) "
                              "VALUES($1, $2, $3, $4)",
    [Q_IMPORT_WARNING_TOTAL] = "UPDATE imports SET total_warnings = $2 WHERE id = $1",
    [Q_IMPORT_WARNINGS] = "SELECT w.sku, w.message, i.total_warnings FROM imports i "
                          "JOIN import_warnings w ON w.import_id = i.id WHERE i.id = $1 "
                          "ORDER BY w.n LIMIT $2",
    [Q_PRODUCT_FIND] = "SELECT sku, name, price, currency, description, image_url "
                       "FROM products WHERE sku > $1 AND (strpos(lower(sku), lower($3)) > 0 "
                       "OR strpos(lower(name), lower($3)) > 0) ORDER BY sku LIMIT $2",
    [Q_INTENT_ADD] =
        "INSERT INTO payment_intents(id, order_id, shipment_id, kind, status, amount, currency, "
        "provider, token, ref, error, created, at, day) VALUES($1, $2, $3, $4, $5, $6, $7, "
        "$8, $9, $10, $11, $12, $14, $13)",
    [Q_INTENT_SETTLE] = "UPDATE payment_intents SET status = $2, ref = $3, error = $4, "
                        "at = $5 WHERE id = $1 AND status = 'PENDING'",
    [Q_INTENT_PENDING] = INTENT_COLS "WHERE status = 'PENDING' AND created <= $1 ORDER BY seq",
    [Q_INTENTS_BY_ORDER] = INTENT_COLS "WHERE order_id = $1 ORDER BY seq",
    [Q_TESTPAY_RECORD] =
        "INSERT INTO test_payments(key, kind, amount, code, ref, message, calls) "
        "VALUES($1, $2, $3, $4, $5, $6, 1) ON CONFLICT (key) DO UPDATE SET "
        "calls = test_payments.calls + 1 RETURNING code, ref, message",
    [Q_CHECK_LEDGER_OVER] =
        "SELECT o.number, o.id, " LEDGER_SUM("authorize") ", " LEDGER_SUM("capture") ", "
        LEDGER_SUM("refund") " FROM orders o JOIN payment_intents i ON i.order_id = o.id "
        "GROUP BY o.number, o.id HAVING " LEDGER_SUM("capture") " - " LEDGER_SUM("refund")
        " > " LEDGER_SUM("authorize") " ORDER BY o.number",
    [Q_CHECK_LEDGER_SUM] =
        "SELECT o.number, o.id, p.authorized, p.captured, p.voided, p.refunded, "
        "coalesce(l.a, 0), coalesce(l.c, 0), coalesce(l.v, 0), coalesce(l.r, 0) "
        "FROM orders o JOIN payments p ON p.order_id = o.id LEFT JOIN (SELECT i.order_id, "
        LEDGER_SUM("authorize") " AS a, " LEDGER_SUM("capture") " AS c, " LEDGER_SUM("void")
        " AS v, " LEDGER_SUM("refund") " AS r FROM payment_intents i GROUP BY i.order_id) l "
        "ON l.order_id = o.id WHERE p.authorized <> coalesce(l.a, 0) OR "
        "p.captured <> coalesce(l.c, 0) OR p.voided <> coalesce(l.v, 0) OR "
        "p.refunded <> coalesce(l.r, 0) ORDER BY o.number",
    /* The rows and the snapshot's bounds come from the one statement's snapshot. */
    [Q_CHANGES_SINCE] =
        "SELECT c.seq, c.sku, pg_snapshot_xmin(x.s)::text, pg_snapshot_xmax(x.s)::text "
        "FROM (SELECT pg_current_snapshot() AS s) x LEFT JOIN LATERAL (SELECT seq, sku "
        "FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2) c ON true ORDER BY c.seq",
    [Q_CHANGES_HEAD] = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END "
                       "FROM changes_seq_seq",
    [Q_CHANGES_PRUNE] = "DELETE FROM changes WHERE seq <= $1",
    [Q_POSITIONS_PAGE] =
        "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "
        "reserved, allocated FROM positions WHERE sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku > $1 ORDER BY sku LIMIT $2) ORDER BY sku",
};

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
    /* 5: promises follow supply (see sqlite.c). */
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
    /* 8: the mail worker's next email in one index descent: without seq in the index, every
     * due email was sorted for each claim (10 ms each with a few thousand queued). */
    "CREATE INDEX outbox_next ON outbox(status, next_attempt_at, seq);"
    "DROP INDEX outbox_due;",
};

#define MIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

/* Taken for the migration's transaction, so two servers starting on an empty database at
 * once do not both create the schema ("sellahe" in ASCII). */
#define MIGRATION_LOCK "32481138670921829"

#define UNAVAILABLE_MSG "the database is unavailable, try again"

/* Statements a pipeline holds unread at most (a placement of 100 lines sends ~500). */
#define PIPE_MAX 64

/* A statement sent in pipeline mode whose result is still to be read. */
struct pipe_item {
    int id;           /* enum stmt_id; Q_COUNT for constant SQL (BEGIN, COMMIT, SET) */
    bool prepare;     /* the statement's PQsendPrepare, not its execution */
    bool commit;      /* COMMIT: a ROLLBACK in its place means the transaction failed */
    const char *what; /* for messages */
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
    bool pipe;    /* in libpq's pipeline mode: a write transaction (see pipelining) */
    int npend;    /* statements sent whose results are not read yet, oldest first */
    struct pipe_item pend[PIPE_MAX];
};

static const struct store_ops postgres_ops;
static int copy_end(struct pg_store *s, bool ok, err_t *e);
static int pipe_end(struct pg_store *s, err_t *e);
static int tx_failed(struct pg_store *s, err_t *e);
static void pg_rollback(struct store *st);

static struct pg_store *S(struct store *st) { return (struct pg_store *)st; }

/* Notices ("relation already exists, skipping") are not news to anyone. */
static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

/* --- parameters --- */

#define PARAMS_MAX 24

struct params {
    int n;
    const char *v[PARAMS_MAX];
    char num[PARAMS_MAX][24];
    char hex[2 + 2 * 64 + 1]; /* one bytea value, as \x... */
};

static void p_text(struct params *p, const char *s)
{
    if (p->n < PARAMS_MAX)
        p->v[p->n++] = s; /* NULL binds NULL */
}

static void p_int(struct params *p, int64_t x)
{
    if (p->n < PARAMS_MAX) {
        snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", (long long)x);
        p->v[p->n] = p->num[p->n];
        p->n++;
    }
}

static void p_date(struct params *p, date_t d)
{
    if (d == DATE_NONE)
        p_text(p, NULL);
    else
        p_int(p, d);
}

static void p_limit(struct params *p, size_t limit)
{
    p_int(p, limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit);
}

/* Binary values go as bytea's text form: \x and two hex digits a byte. */
static void p_bytes(struct params *p, const unsigned char *b, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    if (len > 64)
        len = 64;
    p->hex[0] = '\\';
    p->hex[1] = 'x';
    for (size_t i = 0; i < len; i++) {
        p->hex[2 + 2 * i] = digits[b[i] >> 4];
        p->hex[3 + 2 * i] = digits[b[i] & 15];
    }
    p->hex[2 + 2 * len] = '\0';
    p_text(p, p->hex);
}

/* A position's identity as $1..$4, the order POSITION_KEY names them in. */
static void p_key(struct params *p, const struct position *k)
{
    p_text(p, k->sku);
    p_text(p, k->location_id);
    p_int(p, k->stock_type);
    p_text(p, k->transit_ref);
}

/* --- columns --- */

static const char *col_str(const PGresult *r, int row, int c)
{
    return PQgetvalue(r, row, c); /* "" for NULL */
}

static void col_copy(const PGresult *r, int row, int c, char *dst, size_t cap)
{
    snprintf(dst, cap, "%s", PQgetvalue(r, row, c));
}

static int64_t col_i64(const PGresult *r, int row, int c)
{
    return strtoll(PQgetvalue(r, row, c), NULL, 10);
}

static int col_int(const PGresult *r, int row, int c) { return (int)col_i64(r, row, c); }

static date_t col_date(const PGresult *r, int row, int c)
{
    return PQgetisnull(r, row, c) ? DATE_NONE : (date_t)col_i64(r, row, c);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A bytea column of exactly len bytes (in the default hex output); false otherwise. */
static bool col_bytes(const PGresult *r, int row, int c, unsigned char *out, size_t len)
{
    const char *v = PQgetvalue(r, row, c);
    if (PQgetisnull(r, row, c) || strncmp(v, "\\x", 2) || strlen(v) != 2 + 2 * len)
        return false;
    for (size_t i = 0; i < len; i++) {
        int hi = hexval(v[2 + 2 * i]), lo = hexval(v[3 + 2 * i]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return true;
}

/* A malloc'd copy of a text column ("" for NULL); NULL when out of memory. */
static char *col_dup(const PGresult *r, int row, int c)
{
    return strdup(PQgetvalue(r, row, c));
}

static int64_t changed(PGresult *r)
{
    return strtoll(PQcmdTuples(r), NULL, 10);
}

/* --- errors, connection, statements --- */

/* libpq's message on one line: "connection to server at ... failed: Connection refused". */
static void one_line(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    bool space = false;
    for (const char *p = in; *p && n + 1 < cap; p++) {
        if (*p == '\n' || *p == '\t' || *p == '\r' || *p == ' ') {
            space = n > 0;
            continue;
        }
        if (space && n + 2 < cap)
            out[n++] = ' ';
        space = false;
        out[n++] = *p;
    }
    out[n] = '\0';
}


static int unavailable(err_t *e) { return err_set(e, ERR_UNAVAILABLE, UNAVAILABLE_MSG); }

static bool conn_lost_state(const char *state)
{
    return state && (!strncmp(state, "08", 2) || !strcmp(state, "57P01") ||
                     !strcmp(state, "57P02") || !strcmp(state, "57P03"));
}

/* Maps a failed statement to a user-fit error; SQL text never reaches the user. r may be
 * NULL (libpq could not even build a result). */
static int fail(struct pg_store *s, const PGresult *r, err_t *e, const char *what)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *msg = r ? PQresultErrorMessage(r) : "";
    if (!msg || !*msg)
        msg = PQerrorMessage(s->conn);
    char line[1024];
    one_line(msg, line, sizeof line);
    fprintf(stderr, "postgres: %s: [%s] %s\n", what, state ? state : "-", line);
    err_t local = {0};
    int rc;
    if (PQstatus(s->conn) != CONNECTION_OK || conn_lost_state(state)) {
        s->broken = true;
        rc = unavailable(&local);
    } else if (state && (!strcmp(state, "40001") || !strcmp(state, "40P01"))) {
        rc = err_set(&local, ERR_RETRY,
                     "the database was busy with a conflicting change, try again");
    } else if (state && !strcmp(state, "25P02") && s->tx_err.code) {
        /* The transaction was already failed by an earlier statement: that is the news. */
        local = s->tx_err;
        rc = local.code;
    } else if (state && !strncmp(state, "23", 2)) {
        rc = err_set(&local, ERR_CONFLICT, "%s conflicts with existing data", what);
    } else if (state && (!strcmp(state, "57014") || !strcmp(state, "55P03") ||
                         !strcmp(state, "53300"))) {
        /* statement_timeout, a lock not available, too many connections */
        rc = err_set(&local, ERR_UNAVAILABLE, "the database is busy, try again");
    } else if (!r) {
        rc = err_set(&local, ERR_NOMEM, "out of memory");
    } else {
        rc = err_set(&local, ERR_STORE, "the database failed while trying to %s", what);
    }
    if (s->in_tx && !s->tx_err.code)
        s->tx_err = local;
    if (e)
        *e = local;
    return rc;
}

static bool result_ok(const PGresult *r)
{
    ExecStatusType st = PQresultStatus(r);
    return r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* Per-connection settings, after every (re)connect. */
static int session_setup(struct pg_store *s, err_t *e)
{
    /* A statement stuck behind a lock or a slow disk gives up rather than hold a worker
     * thread forever. */
    PGresult *r = PQexec(s->conn, "SET statement_timeout = '30s'");
    int rc = result_ok(r) ? 0 : fail(s, r, e, "configure the connection");
    PQclear(r);
    return rc;
}

/* A usable connection. After a loss, outside a transaction, a fresh one to the same
 * server (statements are prepared again); inside one, the transaction is gone with the
 * old connection and only the caller's rollback can end it. */
static int ensure_conn(struct pg_store *s, err_t *e)
{
    if (!s->broken && PQstatus(s->conn) == CONNECTION_OK)
        return 0;
    s->broken = true;
    if (s->in_tx)
        return unavailable(e);
    PQreset(s->conn);
    if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
        PQexitPipelineMode(s->conn);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        char line[1024];
        one_line(PQerrorMessage(s->conn), line, sizeof line);
        fprintf(stderr, "postgres: reconnect failed: %s\n", line);
        return unavailable(e);
    }
    memset(s->prepared, 0, sizeof s->prepared);
    s->broken = false;
    if (session_setup(s, e))
        return unavailable(e);
    fprintf(stderr, "postgres: reconnected\n");
    return 0;
}

/* --- pipelining ---
 * A write transaction runs in libpq's pipeline mode: statements whose result the caller does
 * not need (BEGIN, the INSERTs of a placement: stmt_defer) are sent without waiting, and go
 * to the server with the next statement that is waited for, or with the COMMIT, in one round
 * trip. A failure among them fails the transaction; it shows at that next statement or at
 * the commit, as ERR_* like any other. Anything that needs the plain protocol (COPY, PQexec)
 * ends the pipeline first (pipe_end), which keeps the transaction open. */

/* Sent ahead without waiting: INSERTs whose only news would be a failure. */
static bool stmt_defer(enum stmt_id id)
{
    switch (id) {
    case Q_ORDER_INSERT:
    case Q_ORDER_LINE_INSERT:
    case Q_SHIPMENT_ITEM_INSERT:
    case Q_PAYMENT_INSERT:
    case Q_ALLOC_UPSERT:
    case Q_OUTBOX_ADD:
    case Q_INTENT_ADD:
    case Q_CAPTURE_ADD:
        return true;
    default:
        return false;
    }
}

static int pipe_lost(struct pg_store *s, err_t *e, const char *what)
{
    return fail(s, NULL, e, what);
}

/* Reads the oldest unread result: into *out when wanted and it succeeded. The first failure
 * of the transaction is kept in tx_err; statements after it come back aborted and report
 * it again. */
static int pipe_take(struct pg_store *s, PGresult **out, err_t *e)
{
    struct pipe_item it = s->pend[0];
    memmove(s->pend, s->pend + 1, (size_t)--s->npend * sizeof *s->pend);
    PGresult *r = PQgetResult(s->conn);
    if (!r)
        return pipe_lost(s, e, it.what);
    PGresult *end = PQgetResult(s->conn); /* NULL: the end of this statement's results */
    PQclear(end);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st == PGRES_PIPELINE_ABORTED)
        rc = tx_failed(s, e);
    else if (!result_ok(r))
        rc = fail(s, r, e, it.what);
    else if (it.commit && !strcmp(PQcmdStatus(r), "ROLLBACK"))
        rc = tx_failed(s, e);
    if (rc && it.prepare)
        s->prepared[it.id] = false; /* never made: prepare it again next time */
    if (!rc && out)
        *out = r;
    else
        PQclear(r);
    return rc;
}

/* Queues what was just sent (ok: the send succeeded). */
static int pipe_push(struct pg_store *s, bool ok, struct pipe_item it, err_t *e)
{
    if (!ok)
        return pipe_lost(s, e, it.what);
    s->pend[s->npend++] = it;
    return 0;
}

/* Sends what is queued and reads every result; the last one into *out when wanted. The
 * first failure is the answer. */
static int pipe_wait(struct pg_store *s, PGresult **out, err_t *e)
{
    if (!PQsendFlushRequest(s->conn) || PQflush(s->conn))
        return pipe_lost(s, e, "send statements");
    int rc = 0;
    while (s->npend > 0) {
        err_t local;
        int x = pipe_take(s, s->npend == 1 && !rc ? out : NULL, &local);
        if (x && !rc) {
            rc = x;
            if (e)
                *e = local;
        }
    }
    return rc;
}

/* Leaves pipeline mode, reading every result still due; the transaction stays open (or in
 * its failed state, for the caller's rollback). */
static int pipe_end(struct pg_store *s, err_t *e)
{
    if (!s->pipe)
        return 0;
    int rc = 0;
    if (PQpipelineSync(s->conn) != 1) {
        rc = pipe_lost(s, e, "send statements");
    } else {
        rc = pipe_wait(s, NULL, e);
        PGresult *r = PQgetResult(s->conn); /* PGRES_PIPELINE_SYNC */
        if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !rc)
            rc = pipe_lost(s, e, "send statements");
        PQclear(r);
    }
    s->npend = 0;
    if (!PQexitPipelineMode(s->conn))
        s->broken = true; /* results left over: only a fresh connection is sure to be clean */
    s->pipe = false;
    return rc;
}

/* Sends a constant statement in the pipeline without waiting for it. */
static int pipe_ctl(struct pg_store *s, const char *sql, bool commit, const char *what,
                    err_t *e)
{
    if (s->npend == PIPE_MAX) {
        int rc = pipe_wait(s, NULL, e);
        if (rc)
            return rc;
    }
    bool ok = PQsendQueryParams(s->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
    return pipe_push(s, ok, (struct pipe_item){Q_COUNT, false, commit, what}, e);
}

/* Runs a prepared statement in the pipeline: sent ahead when stmt_defer allows and the
 * caller wants no result, otherwise waited for with everything sent before it. */
static int pipe_exec(struct pg_store *s, enum stmt_id id, const char *name,
                     const struct params *p, PGresult **out, err_t *e, const char *what)
{
    int rc = 0;
    if (s->npend + 2 > PIPE_MAX && (rc = pipe_wait(s, NULL, e)))
        return rc;
    if (!s->prepared[id]) {
        bool ok = PQsendPrepare(s->conn, name, stmt_sql[id], 0, NULL);
        if ((rc = pipe_push(s, ok, (struct pipe_item){id, true, false, what}, e)))
            return rc;
        s->prepared[id] = true;
    }
    bool ok = PQsendQueryPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    if ((rc = pipe_push(s, ok, (struct pipe_item){id, false, false, what}, e)))
        return rc;
    if (!out && stmt_defer(id))
        return 0;
    PGresult *r = NULL;
    rc = pipe_wait(s, &r, e);
    if (out)
        *out = r;
    else
        PQclear(r);
    return rc;
}

/* Runs a constant statement without parameters (transaction control, migrations). */
static int ctl_res(struct pg_store *s, const char *sql, PGresult **out, err_t *e,
                   const char *what)
{
    int rc = pipe_end(s, e);
    if (rc || (rc = ensure_conn(s, e)))
        return rc;
    PGresult *r = PQexec(s->conn, sql);
    if (!result_ok(r)) {
        rc = fail(s, r, e, what);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

static int ctl(struct pg_store *s, const char *sql, err_t *e, const char *what)
{
    return ctl_res(s, sql, NULL, e, what);
}

/* A plain SELECT that changes nothing, so running it again is harmless. */
static bool stmt_is_read(enum stmt_id id)
{
    const char *sql = stmt_sql[id];
    return !strncmp(sql, "SELECT ", 7) && !strstr(sql, "FOR UPDATE") && !strstr(sql, "nextval");
}

static int exec_once(struct pg_store *s, enum stmt_id id, const struct params *p,
                     PGresult **out, err_t *e, const char *what)
{
    int rc = ensure_conn(s, e);
    if (rc)
        return rc;
    char name[16];
    snprintf(name, sizeof name, "q%d", (int)id);
    if (s->pipe)
        return pipe_exec(s, id, name, p, out, e, what);
    PGresult *r;
    if (!s->prepared[id]) {
        r = PQprepare(s->conn, name, stmt_sql[id], 0, NULL);
        if (!result_ok(r)) {
            rc = fail(s, r, e, what);
            PQclear(r);
            return rc;
        }
        PQclear(r);
        s->prepared[id] = true;
    }
    r = PQexecPrepared(s->conn, name, p ? p->n : 0, p ? p->v : NULL, NULL, NULL, 0);
    if (!result_ok(r)) {
        rc = fail(s, r, e, what);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

/* Runs a prepared statement; *out (when wanted) is the caller's to PQclear. A read outside
 * a transaction that finds the connection lost (the server restarted since its last use)
 * runs once more on a fresh connection. */
static int exec_stmt(struct pg_store *s, enum stmt_id id, const struct params *p,
                     PGresult **out, err_t *e, const char *what)
{
    bool was_ok = !s->broken && PQstatus(s->conn) == CONNECTION_OK;
    int rc = exec_once(s, id, p, out, e, what);
    if (rc == ERR_UNAVAILABLE && was_ok && s->broken && !s->in_tx && stmt_is_read(id))
        rc = exec_once(s, id, p, out, e, what);
    return rc;
}

/* Runs a statement and reports how many rows it changed. */
static int exec_count(struct pg_store *s, enum stmt_id id, const struct params *p,
                      int64_t *n, err_t *e, const char *what)
{
    PGresult *r;
    int rc = exec_stmt(s, id, p, &r, e, what);
    if (rc)
        return rc;
    *n = changed(r);
    PQclear(r);
    return 0;
}

static int run(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
               const char *what)
{
    return exec_stmt(s, id, p, NULL, e, what);
}

/* Like run for an UPDATE of one row by its id: ERR_NOTFOUND when there is no such row. */
static int update_one(struct pg_store *s, enum stmt_id id, const struct params *p, err_t *e,
                      const char *what, const char *kind, const char *key)
{
    int64_t n = 0;
    int rc = exec_count(s, id, p, &n, e, what);
    if (!rc && n == 0)
        rc = err_set(e, ERR_NOTFOUND, "no %s %s", kind, key);
    return rc;
}

/* --- schema --- */

static int migrate(struct pg_store *s, err_t *e)
{
    /* Most connections find the schema current: no lock, no transaction. */
    PGresult *r = PQexec(s->conn, "SELECT version FROM schema_version");
    bool current = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1 &&
                   col_int(r, 0, 0) == MIGRATIONS;
    PQclear(r);
    if (current)
        return 0;

    int rc = ctl(s, "BEGIN", e, "start the schema migration");
    if (rc)
        return rc;
    s->in_tx = true;
    rc = ctl(s, "SELECT pg_advisory_xact_lock(" MIGRATION_LOCK ")", e,
             "lock the schema for its migration");
    if (!rc)
        rc = ctl(s, "CREATE TABLE IF NOT EXISTS schema_version(version INTEGER NOT NULL)", e,
                 "migrate the schema");
    int version = 0;
    if (!rc && !(rc = ctl_res(s, "SELECT version FROM schema_version", &r, e,
                              "read the schema version"))) {
        bool has = PQntuples(r) > 0;
        version = has ? col_int(r, 0, 0) : 0;
        PQclear(r);
        if (!has)
            rc = ctl(s, "INSERT INTO schema_version(version) VALUES(0)", e,
                     "migrate the schema");
    }
    if (!rc && version > MIGRATIONS)
        rc = err_set(e, ERR_STORE,
                     "the database was written by a newer sellahead (schema %d, this one "
                     "knows %d)",
                     version, MIGRATIONS);
    for (; !rc && version < MIGRATIONS; version++) {
        rc = ctl(s, migrations[version], e, "migrate the schema");
        if (rc)
            break;
        char v[16];
        snprintf(v, sizeof v, "%d", version + 1);
        const char *vals[1] = {v};
        r = PQexecParams(s->conn, "UPDATE schema_version SET version = $1::integer", 1, NULL,
                         vals, NULL, NULL, 0);
        if (!result_ok(r))
            rc = fail(s, r, e, "migrate the schema");
        PQclear(r);
    }
    if (!rc)
        rc = ctl(s, "COMMIT", e, "finish the schema migration");
    else if (PQstatus(s->conn) == CONNECTION_OK)
        ctl(s, "ROLLBACK", NULL, "roll back the schema migration");
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
        one_line(PQerrorMessage(s->conn), msg, sizeof msg);
        err_set(e, ERR_UNAVAILABLE, "cannot connect to PostgreSQL: %s", msg);
        PQfinish(s->conn);
        free(s);
        return ERR_UNAVAILABLE;
    }
    int rc = session_setup(s, e);
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
    free(s);
}

/* --- transactions --- */

/* BEGIN changes nothing, so after a lost connection it runs once more on a fresh one: a
 * request arriving after the database restarted finds it back without a 503. */
static int open_tx(struct pg_store *s, const char *sql, err_t *e)
{
    memset(&s->tx_err, 0, sizeof s->tx_err);
    bool was_ok = !s->broken && PQstatus(s->conn) == CONNECTION_OK;
    int rc = ctl(s, sql, e, "start a transaction");
    if (rc == ERR_UNAVAILABLE && was_ok && s->broken)
        rc = ctl(s, sql, e, "start a transaction");
    s->in_tx = rc == 0;
    return rc;
}

/* A write transaction in pipeline mode: its BEGIN goes with its first statement. So that a
 * request after a database restart still finds it back without a 503, a connection the
 * server closed while it was idle is noticed here (its end is waiting in the socket) and
 * replaced first. */
static int open_pipe_tx(struct pg_store *s, err_t *e)
{
    memset(&s->tx_err, 0, sizeof s->tx_err);
    if (!s->broken && (!PQconsumeInput(s->conn) || PQstatus(s->conn) != CONNECTION_OK))
        s->broken = true;
    int rc = ensure_conn(s, e);
    if (rc)
        return rc;
    if (!PQenterPipelineMode(s->conn))
        return err_set(e, ERR_STORE, "the database failed while trying to start a transaction");
    s->pipe = s->in_tx = true;
    if ((rc = pipe_ctl(s, "BEGIN", false, "start a transaction", e)))
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
        int rc = ctl(s, "SAVEPOINT tx", e, "start a transaction");
        s->sp_open = rc == 0;
        return rc;
    }
    if (write)
        return open_pipe_tx(s, e);
    return open_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e);
}

/* The error that failed the transaction, for a commit that could only roll it back. */
static int tx_failed(struct pg_store *s, err_t *e)
{
    err_t t = s->tx_err;
    if (!t.code)
        err_set(&t, ERR_STORE, "the transaction failed and was rolled back");
    if (e)
        *e = t;
    return t.code;
}

static void pg_rollback(struct store *st)
{
    struct pg_store *s = S(st);
    copy_end(s, false, NULL);
    pipe_end(s, NULL);
    s->staged = false;
    if (s->batch) {
        if (s->sp_open) {
            ctl(s, "ROLLBACK TO tx", NULL, "roll back");
            ctl(s, "RELEASE tx", NULL, "roll back");
        }
        s->sp_open = false;
        memset(&s->tx_err, 0, sizeof s->tx_err);
        return;
    }
    PGTransactionStatusType ts = PQtransactionStatus(s->conn);
    if (s->in_tx && !s->broken && (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR))
        ctl(s, "ROLLBACK", NULL, "roll back");
    s->in_tx = false;
    memset(&s->tx_err, 0, sizeof s->tx_err);
}

static int pg_commit(struct store *st, err_t *e)
{
    struct pg_store *s = S(st);
    s->staged = false; /* import_stage goes with the transaction (ON COMMIT DROP) */
    if (s->batch) {
        if (!s->sp_open)
            return err_set(e, ERR_STORE, "the database failed while trying to commit");
        if (s->tx_err.code || PQtransactionStatus(s->conn) == PQTRANS_INERROR) {
            /* A failed statement left the savepoint unreleasable: undo it alone. */
            int rc = tx_failed(s, e);
            pg_rollback(st);
            return rc;
        }
        s->sp_open = false;
        return ctl(s, "RELEASE tx", e, "commit");
    }
    if (!s->in_tx)
        return err_set(e, ERR_STORE, "the database failed while trying to commit");
    int rc;
    if (s->pipe) { /* the COMMIT carries what is still queued */
        rc = pipe_ctl(s, "COMMIT", true, "commit", e);
        int x = pipe_end(s, e);
        rc = rc ? rc : x;
    } else {
        PGresult *r = NULL;
        rc = ctl_res(s, "COMMIT", &r, e, "commit");
        /* COMMIT of a failed transaction succeeds as a ROLLBACK. */
        if (!rc && !strcmp(PQcmdStatus(r), "ROLLBACK"))
            rc = tx_failed(s, e);
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
    int rc = open_tx(s, "BEGIN", e);
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

/* --- locations, products, positions --- */

static int pg_location_add(struct store *st, const struct location *l, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, l->id);
    p_text(&p, l->name);
    int64_t n = 0;
    int rc = exec_count(s, Q_LOCATION_ADD, &p, &n, e, "add a location");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "location %s already exists", l->id);
    return rc;
}

static int pg_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = exec_stmt(s, Q_LOCATION_LIST, NULL, &r, e, "list locations");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct location *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        col_copy(r, i, 0, v[i].id, sizeof v[i].id);
        col_copy(r, i, 1, v[i].name, sizeof v[i].name);
    }
    PQclear(r);
    *out = v;
    *n = (size_t)rows;
    return 0;
}

static int pg_product_upsert(struct store *st, const struct product *pr, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, pr->sku);
    p_text(&p, pr->name);
    p_int(&p, pr->price);
    p_text(&p, pr->currency);
    p_text(&p, pr->description);
    p_text(&p, pr->image_url);
    return run(s, Q_PRODUCT_UPSERT, &p, e, "save a product");
}

static void read_product(const PGresult *r, int i, struct product *p)
{
    col_copy(r, i, 0, p->sku, sizeof p->sku);
    col_copy(r, i, 1, p->name, sizeof p->name);
    p->price = col_i64(r, i, 2);
    col_copy(r, i, 3, p->currency, sizeof p->currency);
    col_copy(r, i, 4, p->description, sizeof p->description);
    col_copy(r, i, 5, p->image_url, sizeof p->image_url);
}

static int pg_product_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, sku);
    PGresult *r;
    int rc = exec_stmt(s, Q_PRODUCT_GET, &p, &r, e, "read a product");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "no product with SKU %s", sku);
    else
        read_product(r, 0, out);
    PQclear(r);
    return rc;
}

/* Runs a listing statement into a new array of size-byte elements, one per row, each
 * filled by read. *out is the caller's to free. */
typedef void (*row_fn)(const PGresult *r, int i, void *dst);

static int list_rows(struct pg_store *s, enum stmt_id id, const struct params *p, size_t size,
                     row_fn read, void **out, size_t *n, err_t *e, const char *what)
{
    PGresult *r;
    int rc = exec_stmt(s, id, p, &r, e, what);
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    char *v = calloc(rows ? rows : 1, size);
    if (!v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < rows; i++)
        read(r, (int)i, v + i * size);
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}

static void row_product(const PGresult *r, int i, void *dst)
{
    read_product(r, i, dst);
}

static int pg_product_page(struct store *st, const char *after, size_t limit,
                           struct product **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, after ? after : "");
    p_limit(&p, limit);
    void *v = NULL;
    int rc = list_rows(s, Q_PRODUCT_PAGE, &p, sizeof **out, row_product, &v, n, e,
                       "list products");
    if (!rc)
        *out = v;
    return rc;
}

/* Appends the rows of r (the positions table's columns in table order) to out; clears r. */
static int position_rows(PGresult *r, struct position_list *out, err_t *e)
{
    int rc = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        struct position pos = {0};
        col_copy(r, i, 0, pos.sku, sizeof pos.sku);
        col_copy(r, i, 1, pos.location_id, sizeof pos.location_id);
        pos.stock_type = col_int(r, i, 2);
        col_copy(r, i, 3, pos.transit_ref, sizeof pos.transit_ref);
        pos.order_date = col_date(r, i, 4);
        pos.stock_date = col_date(r, i, 5);
        pos.quantity = col_i64(r, i, 6);
        pos.reserved = col_i64(r, i, 7);
        pos.allocated = col_i64(r, i, 8);
        if (position_list_push(out, &pos)) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    }
    PQclear(r);
    return rc;
}

static int read_positions(struct store *st, enum stmt_id id, const char *sku,
                          struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, sku);
    PGresult *r;
    int rc = exec_stmt(s, id, &p, &r, e, "read positions");
    return rc ? rc : position_rows(r, out, e);
}

static int pg_transit_search(struct store *st, const char *query, size_t limit,
                             struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    char upper[STORE_QUERY_MAX + 1];
    store_upper(query, upper);
    p_text(&p, query);
    p_text(&p, upper);
    p_limit(&p, limit);
    PGresult *r;
    int rc = exec_stmt(s, Q_TRANSIT_SEARCH, &p, &r, e, "search transit positions");
    return rc ? rc : position_rows(r, out, e);
}

static int pg_transit_page(struct store *st, const struct position *after, const char *sku,
                           date_t overdue_before, size_t limit, struct position_list *out,
                           err_t *e)
{
    struct params p = {0};
    p_text(&p, after ? after->sku : "");
    p_text(&p, after ? after->location_id : "");
    p_text(&p, after ? after->transit_ref : "");
    p_text(&p, sku);
    p_date(&p, overdue_before);
    p_limit(&p, limit);
    PGresult *r;
    int rc = exec_stmt(S(st), Q_TRANSIT_PAGE, &p, &r, e, "list purchase orders");
    return rc ? rc : position_rows(r, out, e);
}

static int pg_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                               err_t *e)
{
    return read_positions(st, Q_POSITIONS_BY_SKU, sku, out, e);
}

static int pg_positions_lock(struct store *st, const char *sku, struct position_list *out,
                             err_t *e)
{
    return read_positions(st, Q_POSITIONS_LOCK, sku, out, e);
}

static int pg_order_lock(struct store *st, const char *id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    int64_t n = 0;
    int rc = exec_count(s, Q_ORDER_LOCK, &p, &n, e, "lock an order");
    return !rc && n == 0 ? err_set(e, ERR_NOTFOUND, "no order %s", id) : rc;
}

static int pg_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, sku);
    PGresult *r;
    int rc = exec_stmt(s, Q_SKU_EXISTS, &p, &r, e, "look up a SKU");
    if (rc)
        return rc;
    *exists = PQntuples(r) > 0 && !strcmp(col_str(r, 0, 0), "t");
    PQclear(r);
    return 0;
}

static void row_sku(const PGresult *r, int i, void *dst)
{
    struct sku_entry *v = dst;
    col_copy(r, i, 0, v->sku, sizeof v->sku);
    col_copy(r, i, 1, v->name, sizeof v->name);
}

static int pg_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                       struct sku_entry **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    bool search = query && *query;
    char upper[STORE_QUERY_MAX + 1];
    p_text(&p, after ? after : "");
    p_limit(&p, limit);
    if (search) {
        store_upper(query, upper);
        p_text(&p, query);
        p_text(&p, upper);
    }
    void *v = NULL;
    int rc = list_rows(s, search ? Q_SKU_SEARCH : Q_SKU_PAGE, &p, sizeof **out, row_sku, &v, n,
                       e, "list SKUs");
    if (!rc)
        *out = v;
    return rc;
}

static int pg_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                        err_t *e)
{
    *count = 0; /* a failure leaves the output empty */
    struct pg_store *s = S(st);
    struct params p = {0};
    bool search = query && *query;
    char upper[STORE_QUERY_MAX + 1];
    p_text(&p, "");
    p_limit(&p, cap + 1);
    if (search) {
        store_upper(query, upper);
        p_text(&p, query);
        p_text(&p, upper);
    }
    PGresult *r;
    int rc = exec_stmt(s, search ? Q_SKU_SEARCH_COUNT : Q_SKU_COUNT, &p, &r, e, "count SKUs");
    if (rc)
        return rc;
    *count = (size_t)col_i64(r, 0, 0);
    if (*count > cap + 1) /* each branch stops at cap + 1, their union may hold more */
        *count = cap + 1;
    PQclear(r);
    return 0;
}

/* Imports stream through COPY into a temporary staging table: one round trip per 8 KB
 * instead of one per row. Duplicates are found there with one query, and the rows reach
 * positions in one INSERT ... SELECT at the end. */

static int copy_fail(struct pg_store *s, err_t *e)
{
    char line[512];
    one_line(PQerrorMessage(s->conn), line, sizeof line);
    fprintf(stderr, "postgres: import copy: %s\n", line);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        s->broken = true;
        return unavailable(e);
    }
    return err_set(e, ERR_STORE, "the database failed while trying to save positions");
}

/* Ends an open COPY: sent (ok) or abandoned; 0 when the server took it. */
static int copy_end(struct pg_store *s, bool ok, err_t *e)
{
    if (!s->copying)
        return 0;
    s->copying = false;
    int rc = PQputCopyEnd(s->conn, ok ? NULL : "import abandoned") == 1 ? 0 : copy_fail(s, e);
    PGresult *r;
    while ((r = PQgetResult(s->conn))) {
        if (!rc && ok && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = fail(s, r, e, "save positions");
        PQclear(r);
    }
    return rc;
}

static int pg_position_import(struct store *st, const struct position *pos, int64_t run_id,
                              int64_t line, bool *duplicate, err_t *e)
{
    struct pg_store *s = S(st);
    (void)run_id;
    *duplicate = false; /* found in import_flush */
    int rc;
    if (!s->copying) {
        if ((rc = ctl(s,
                      "CREATE TEMP TABLE IF NOT EXISTS import_stage(line BIGINT, sku TEXT, "
                      "location_id TEXT, stock_type INTEGER, transit_ref TEXT, order_date "
                      "INTEGER, stock_date INTEGER, quantity BIGINT, reserved BIGINT) "
                      "ON COMMIT DROP",
                      e, "stage positions")) ||
            (rc = ctl(s, "TRUNCATE import_stage", e, "stage positions")))
            return rc;
        PGresult *r = PQexec(s->conn, "COPY import_stage FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN) {
            rc = fail(s, r, e, "stage positions");
            PQclear(r);
            return rc;
        }
        PQclear(r);
        s->copying = s->staged = true;
    }
    /* The row rules allow only letters and digits in ids: nothing to escape. */
    char row[512], od[16] = "\\N", sd[16] = "\\N";
    if (pos->order_date != DATE_NONE)
        snprintf(od, sizeof od, "%d", (int)pos->order_date);
    if (pos->stock_date != DATE_NONE)
        snprintf(sd, sizeof sd, "%d", (int)pos->stock_date);
    int n = snprintf(row, sizeof row, "%lld\t%s\t%s\t%d\t%s\t%s\t%s\t%lld\t%lld\n",
                     (long long)line, pos->sku, pos->location_id, pos->stock_type,
                     pos->transit_ref, od, sd, (long long)pos->quantity,
                     (long long)pos->reserved);
    return PQputCopyData(s->conn, row, n) == 1 ? 0 : copy_fail(s, e);
}

static int pg_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e)
{
    struct pg_store *s = S(st);
    (void)run;
    if (!s->copying)
        return 0; /* no row staged */
    int rc = copy_end(s, true, e);
    PGresult *r;
    if (!rc)
        rc = ctl_res(s,
                     "SELECT line, sku, location_id, stock_type, transit_ref FROM (SELECT *, "
                     "row_number() OVER (PARTITION BY sku, location_id, stock_type, "
                     "transit_ref ORDER BY line) AS n FROM import_stage) d WHERE n > 1 "
                     "ORDER BY line",
                     &r, e, "look for duplicates");
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        struct position p = {0};
        col_copy(r, i, 1, p.sku, sizeof p.sku);
        col_copy(r, i, 2, p.location_id, sizeof p.location_id);
        p.stock_type = col_int(r, i, 3);
        col_copy(r, i, 4, p.transit_ref, sizeof p.transit_ref);
        fn(ctx, col_i64(r, i, 0), &p);
    }
    PQclear(r);
    return 0;
}

static int pg_import_apply(struct store *st, int64_t run_id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_int(&p, run_id);
    if (s->copying)
        return err_set(e, ERR_STORE, "import_flush must come before import_apply");
    if (!s->staged)
        return 0; /* a file with a header and no rows */
    s->staged = false;
    return run(s, Q_IMPORT_APPLY, &p, e, "save positions");
}

/* --- imports --- */

static int save_warnings(struct pg_store *s, const struct import_job *job, err_t *e);
static int load_warnings(struct pg_store *s, struct import_job *job, err_t *e);

static int pg_import_save(struct store *st, const struct import_job *job, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, job->id);
    p_int(&p, job->source);
    p_text(&p, job->file_name[0] ? job->file_name : NULL);
    p_int(&p, job->status);
    p_int(&p, job->total_rows);
    p_int(&p, job->rows_applied);
    p_int(&p, job->total_errors);
    p_text(&p, job->created_at);
    p_text(&p, job->finished_at);
    int rc = run(s, Q_IMPORT_SAVE, &p, e, "save the import job");
    for (size_t i = 0; !rc && i < job->nerrors; i++) {
        const struct import_error *ie = &job->errors[i];
        struct params q = {0};
        p_text(&q, job->id);
        p_int(&q, (int64_t)i);
        p_int(&q, ie->line);
        if (ie->col >= 0)
            p_int(&q, ie->col);
        else
            p_text(&q, NULL);
        p_text(&q, ie->has_value ? ie->value : NULL);
        p_text(&q, ie->message);
        rc = run(s, Q_IMPORT_ERROR_SAVE, &q, e, "save the import errors");
    }
    return rc ? rc : save_warnings(s, job, e);
}

static void read_job(const PGresult *r, int i, struct import_job *job)
{
    memset(job, 0, sizeof *job);
    col_copy(r, i, 0, job->id, sizeof job->id);
    job->source = col_int(r, i, 1);
    col_copy(r, i, 2, job->file_name, sizeof job->file_name);
    job->status = col_int(r, i, 3);
    job->total_rows = col_i64(r, i, 4);
    job->rows_applied = col_i64(r, i, 5);
    job->total_errors = col_i64(r, i, 6);
    col_copy(r, i, 7, job->created_at, sizeof job->created_at);
    col_copy(r, i, 8, job->finished_at, sizeof job->finished_at);
}

static int import_get_errors(struct store *st, const char *id, struct import_job *job,
                             err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_IMPORT_GET, &p, &r, e, "read an import job");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no import job %s", id);
    }
    read_job(r, 0, job);
    PQclear(r);
    if (!job->total_errors)
        return 0;
    size_t cap = job->total_errors < IMPORT_ERRORS_MAX ? (size_t)job->total_errors
                                                        : IMPORT_ERRORS_MAX;
    job->errors = calloc(cap, sizeof *job->errors);
    if (!job->errors)
        return err_set(e, ERR_NOMEM, "out of memory");
    p_limit(&p, cap);
    if ((rc = exec_stmt(s, Q_IMPORT_ERRORS, &p, &r, e, "read an import job's errors")))
        return rc;
    for (int i = 0; i < PQntuples(r) && job->nerrors < cap; i++) {
        struct import_error *ie = &job->errors[job->nerrors++];
        ie->line = col_i64(r, i, 0);
        ie->col = PQgetisnull(r, i, 1) ? -1 : col_int(r, i, 1);
        ie->has_value = !PQgetisnull(r, i, 2);
        col_copy(r, i, 2, ie->value, sizeof ie->value);
        col_copy(r, i, 3, ie->message, sizeof ie->message);
    }
    PQclear(r);
    return 0;
}

static int pg_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    memset(job, 0, sizeof *job);
    int rc = import_get_errors(st, id, job, e);
    if (!rc)
        rc = load_warnings(S(st), job, e);
    if (rc)
        import_job_free(job);
    return rc;
}

static void row_job(const PGresult *r, int i, void *dst)
{
    read_job(r, i, dst);
}

static int pg_import_list(struct store *st, const char *before, size_t limit,
                          struct import_job **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    p_limit(&p, limit);
    p_text(&p, before && *before ? before : NULL);
    void *v = NULL;
    int rc = list_rows(s, Q_IMPORT_LIST, &p, sizeof **out, row_job, &v, n, e,
                       "list import jobs");
    if (!rc)
        *out = v;
    return rc;
}

/* --- settings --- */

/* Settings are stored as key/value text so adding a setting needs no migration; the same
 * keys and formats as the SQLite backend. */
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
    else if (!strcmp(k, "authorizationValidDays"))
        settings_int(v, &s->authorization_valid_days);
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

static int pg_settings_get(struct store *st, struct settings *out, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = exec_stmt(s, Q_SETTINGS_GET, NULL, &r, e, "read the settings");
    if (rc)
        return rc;
    settings_defaults(out);
    for (int i = 0; i < PQntuples(r); i++)
        settings_apply(out, col_str(r, i, 0), col_str(r, i, 1));
    PQclear(r);
    return 0;
}

static int pg_settings_put(struct store *st, const struct settings *set, err_t *e)
{
    struct pg_store *s = S(st);
    char num[6][16];
    const int vals[6] = {set->in_stock_min_days,        set->in_stock_max_days,
                         set->preorder_buffer_min_days, set->preorder_buffer_max_days,
                         set->backorder_min_days,       set->backorder_max_days};
    for (int i = 0; i < 6; i++)
        snprintf(num[i], sizeof num[i], "%d", vals[i]);
    char *h = malloc(SETTINGS_MAX_HOLIDAYS * DATE_STRLEN + 1);
    if (!h)
        return err_set(e, ERR_NOMEM, "out of memory");
    h[0] = '\0';
    for (size_t i = 0; i < set->nholidays; i++) {
        date_format(set->holidays[i], h + i * DATE_STRLEN);
        h[i * DATE_STRLEN + 10] = ',';
        h[i * DATE_STRLEN + 11] = '\0';
    }
    char valid_days[16];
    snprintf(valid_days, sizeof valid_days, "%d", set->authorization_valid_days);
    const char *kv[][2] = {
        {"inStockMinDays", num[0]},
        {"inStockMaxDays", num[1]},
        {"preorderBufferMinDays", num[2]},
        {"preorderBufferMaxDays", num[3]},
        {"backorderMinDays", num[4]},
        {"backorderMaxDays", num[5]},
        {"backorderMessage", set->backorder_message},
        {"businessDays", set->business_days ? "1" : "0"},
        {"holidays", h},
        {"captureOn", settings_capture_name(set->capture_on)},
        {"authorizationValidDays", valid_days},
        {"storeName", set->store_name},
        {"fromEmail", set->from_email},
        {"publicUrl", settings_public_url_stored(set)},
    };
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof kv / sizeof kv[0]; i++) {
        struct params p = {0};
        p_text(&p, kv[i][0]);
        p_text(&p, kv[i][1]);
        rc = run(s, Q_SETTINGS_PUT, &p, e, "save the settings");
    }
    free(h);
    return rc;
}

/* --- API keys, idempotency --- */

static int pg_apikey_add(struct store *st, const char *id, const char *name,
                         const unsigned char hash[APIKEY_HASH_LEN], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    p_text(&p, name);
    p_bytes(&p, hash, APIKEY_HASH_LEN);
    return run(s, Q_APIKEY_ADD, &p, e, "save the API key");
}

static int pg_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                          err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_APIKEY_HASH, &p, &r, e, "read an API key");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "unknown API key");
    else if (!col_bytes(r, 0, 0, hash, APIKEY_HASH_LEN))
        rc = err_set(e, ERR_STORE, "the database failed while trying to read an API key");
    PQclear(r);
    return rc;
}

static int pg_idem_get(struct store *st, const char *scope, const char *key, char *result,
                       size_t cap, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, scope);
    p_text(&p, key);
    PGresult *r;
    int rc = exec_stmt(s, Q_IDEM_GET, &p, &r, e, "read an idempotency key");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = ERR_NOTFOUND;
    else
        col_copy(r, 0, 0, result, cap);
    PQclear(r);
    return rc;
}

/* Two servers may take the same key at once: both found it unused. The second insert waits
 * for the first transaction and, once that committed, changes nothing: ERR_CONFLICT, as a
 * unique violation, without failing the transaction. Run again, the caller's idem_get finds
 * the first request's result to replay (orders turn this into ERR_RETRY). */
/* --- payment intents --- */

static int pg_intent_add(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, in->id);
    p_text(&p, in->order_id);
    p_text(&p, in->shipment_id);
    p_text(&p, intent_kind_name(in->kind));
    p_text(&p, intent_status_name(in->status));
    p_int(&p, in->amount);
    p_text(&p, in->currency);
    p_text(&p, in->provider);
    p_text(&p, in->token);
    p_text(&p, in->ref);
    p_text(&p, in->error);
    p_int(&p, in->created);
    p_date(&p, in->day);
    p_text(&p, in->at);
    return run(s, Q_INTENT_ADD, &p, e, "record a payment intent");
}

static int pg_intent_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, in->id);
    p_text(&p, intent_status_name(in->status));
    p_text(&p, in->ref);
    p_text(&p, in->error);
    p_text(&p, in->at);
    int64_t n = 0;
    int rc = exec_count(s, Q_INTENT_SETTLE, &p, &n, e, "record a payment's outcome");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "payment %s was already resolved", in->id);
    return rc;
}

/* The rows of an intent query with one parameter. */
static int read_intents(struct pg_store *s, enum stmt_id id, const struct params *p,
                        struct pay_intent **out, size_t *n, err_t *e)
{
    PGresult *r;
    int rc = exec_stmt(s, id, p, &r, e, "read payment intents");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(*out = calloc(rows, sizeof **out)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct pay_intent *in = &(*out)[(*n)++];
        int row = (int)i;
        col_copy(r, row, 0, in->id, sizeof in->id);
        col_copy(r, row, 1, in->order_id, sizeof in->order_id);
        col_copy(r, row, 2, in->shipment_id, sizeof in->shipment_id);
        in->kind = intent_kind_parse(col_str(r, row, 3));
        in->status = intent_status_parse(col_str(r, row, 4));
        in->amount = col_i64(r, row, 5);
        col_copy(r, row, 6, in->currency, sizeof in->currency);
        col_copy(r, row, 7, in->provider, sizeof in->provider);
        col_copy(r, row, 8, in->token, sizeof in->token);
        col_copy(r, row, 9, in->ref, sizeof in->ref);
        col_copy(r, row, 10, in->error, sizeof in->error);
        in->created = col_i64(r, row, 11);
        col_copy(r, row, 12, in->at, sizeof in->at);
        in->day = col_date(r, row, 13);
    }
    PQclear(r);
    return rc;
}

static int pg_intent_pending(struct store *st, int64_t before, struct pay_intent **out,
                             size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    p_int(&p, before);
    int rc = read_intents(S(st), Q_INTENT_PENDING, &p, out, n, e);
    if (rc) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

static int pg_testpay_record(struct store *st, const char *key, const char *kind,
                             int64_t amount, int *code, char ref[64], char msg[256], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, key);
    p_text(&p, kind);
    p_int(&p, amount);
    p_int(&p, *code);
    p_text(&p, ref);
    p_text(&p, msg);
    /* Its own transaction without waiting for the WAL flush: the record must outlive a
     * killed sellahead (the crash tests), which it does once PostgreSQL has it, and a flush
     * per call would cost every placement one more. */
    PGresult *r = NULL;
    int rc = open_pipe_tx(s, e);
    if (!rc)
        rc = pipe_ctl(s, "SET LOCAL synchronous_commit TO OFF", false, "record a test payment",
                      e);
    if (!rc)
        rc = exec_stmt(s, Q_TESTPAY_RECORD, &p, &r, e, "record a test payment");
    if (!rc && PQntuples(r) == 1) {
        *code = col_int(r, 0, 0);
        col_copy(r, 0, 1, ref, 64);
        col_copy(r, 0, 2, msg, 256);
    }
    PQclear(r);
    if (!rc)
        return pg_commit(st, e);
    pg_rollback(st);
    return rc;
}

static int pg_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                       err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, scope);
    p_text(&p, key);
    p_text(&p, result);
    int64_t n = 0;
    int rc = exec_count(s, Q_IDEM_PUT, &p, &n, e, "save an idempotency key");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT,
                     "another request with the same idempotency key was processed at the "
                     "same time");
    return rc;
}

/* --- orders, shipments, allocations --- */

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

static int pg_order_next_number(struct store *st, int64_t *number, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = exec_stmt(s, Q_ORDER_NEXT_NUMBER, NULL, &r, e, "number an order");
    if (rc)
        return rc;
    *number = col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Inserts one shipment (the n-th of its order) and its items; sets sh->seq. */
static int insert_shipment(struct pg_store *s, const char *order_id, size_t n,
                           struct shipment_rec *sh, err_t *e)
{
    struct params p = {0};
    p_text(&p, sh->id);
    p_text(&p, order_id);
    if (n == SIZE_MAX) /* the next in its order */
        p_text(&p, NULL);
    else
        p_int(&p, (int64_t)n);
    p_int(&p, sh->status);
    p_int(&p, sh->stock_type);
    p_text(&p, sh->location_id);
    p_text(&p, sh->transit_ref);
    p_date(&p, sh->stock_date);
    p_date(&p, sh->expected.from);
    p_date(&p, sh->expected.to);
    p_text(&p, sh->expected.message);
    p_int(&p, sh->amount);
    p_text(&p, sh->tracking_number);
    p_text(&p, sh->shipped_at);
    p_date(&p, sh->promised.from);
    p_date(&p, sh->promised.to);
    p_text(&p, sh->promised.message);
    PGresult *r;
    int rc = exec_stmt(s, Q_SHIPMENT_INSERT, &p, &r, e, "save a shipment");
    if (rc)
        return rc;
    sh->seq = col_i64(r, 0, 0);
    PQclear(r);
    for (size_t i = 0; !rc && i < sh->nitems; i++) {
        struct params q = {0};
        p_text(&q, sh->id);
        p_int(&q, (int64_t)i);
        p_text(&q, sh->items[i].sku);
        p_int(&q, sh->items[i].quantity);
        rc = run(s, Q_SHIPMENT_ITEM_INSERT, &q, e, "save a shipment's items");
    }
    return rc;
}

static int pg_order_insert(struct store *st, struct order_rec *o, err_t *e)
{
    struct pg_store *s = S(st);
    const struct address *a = &o->address;
    struct params p = {0};
    p_text(&p, o->id);
    p_int(&p, o->number);
    p_text(&p, o->access_token);
    p_int(&p, o->status);
    p_text(&p, o->email);
    p_text(&p, o->currency);
    p_int(&p, o->total);
    p_text(&p, a->name);
    p_text(&p, a->line1);
    p_text(&p, a->line2);
    p_text(&p, a->city);
    p_text(&p, a->postal_code);
    p_text(&p, a->country);
    p_text(&p, o->created_at);
    /* The database's clock fills an empty created_at; hand the value back. A given one
     * needs no answer: the row goes with the next statement waited for. */
    PGresult *r = NULL;
    int rc = exec_stmt(s, Q_ORDER_INSERT, &p, o->created_at[0] ? NULL : &r, e, "save the order");
    if (rc)
        return rc;
    if (r)
        col_copy(r, 0, 0, o->created_at, sizeof o->created_at);
    PQclear(r);

    for (size_t i = 0; !rc && i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        struct params q = {0};
        p_text(&q, o->id);
        p_int(&q, (int64_t)i);
        p_text(&q, l->sku);
        p_text(&q, l->name);
        p_int(&q, l->quantity);
        p_int(&q, l->unit_price);
        p_int(&q, l->amount);
        rc = run(s, Q_ORDER_LINE_INSERT, &q, e, "save the order's lines");
    }
    for (size_t i = 0; !rc && i < o->nshipments; i++) {
        struct shipment_rec *sh = &o->shipments[i];
        if (!(rc = insert_shipment(s, o->id, i, sh, e)))
            memcpy(sh->order_id, o->id, sizeof sh->order_id);
    }
    if (rc)
        return rc;
    const struct payment *pay = &o->payment;
    struct params q = {0};
    p_text(&q, o->id);
    p_text(&q, pay->provider);
    p_text(&q, pay->ref);
    p_int(&q, pay->authorized);
    p_int(&q, pay->captured);
    p_int(&q, pay->voided);
    p_int(&q, pay->refunded);
    return run(s, Q_PAYMENT_INSERT, &q, e, "save the payment");
}

static void read_shipment(const PGresult *r, int i, struct shipment_rec *sh)
{
    memset(sh, 0, sizeof *sh);
    col_copy(r, i, 0, sh->id, sizeof sh->id);
    col_copy(r, i, 1, sh->order_id, sizeof sh->order_id);
    sh->seq = col_i64(r, i, 2);
    sh->status = col_int(r, i, 3);
    sh->stock_type = col_int(r, i, 4);
    col_copy(r, i, 5, sh->location_id, sizeof sh->location_id);
    col_copy(r, i, 6, sh->transit_ref, sizeof sh->transit_ref);
    sh->stock_date = col_date(r, i, 7);
    sh->expected.from = col_date(r, i, 8);
    sh->expected.to = col_date(r, i, 9);
    col_copy(r, i, 10, sh->expected.message, sizeof sh->expected.message);
    sh->amount = col_i64(r, i, 11);
    col_copy(r, i, 12, sh->tracking_number, sizeof sh->tracking_number);
    col_copy(r, i, 13, sh->shipped_at, sizeof sh->shipped_at);
    sh->promised.from = col_date(r, i, 14);
    sh->promised.to = col_date(r, i, 15);
    col_copy(r, i, 16, sh->promised.message, sizeof sh->promised.message);
    sh->payment_required = col_int(r, i, 17) != 0;
}

/* Fills sh->items, which the caller owns even when this fails. */
static int load_items(struct pg_store *s, struct shipment_rec *sh, err_t *e)
{
    struct params p = {0};
    p_text(&p, sh->id);
    PGresult *r;
    int rc = exec_stmt(s, Q_SHIPMENT_ITEMS, &p, &r, e, "read a shipment's items");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(sh->items = calloc(rows, sizeof *sh->items)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct shipment_item *it = &sh->items[sh->nitems++];
        col_copy(r, (int)i, 0, it->sku, sizeof it->sku);
        it->quantity = col_i64(r, (int)i, 1);
    }
    PQclear(r);
    return rc;
}

/* Lines, shipments and payment of an order whose own row is in o; o owns what it gets. */
static int load_order_parts(struct pg_store *s, struct order_rec *o, err_t *e)
{
    struct params p = {0};
    p_text(&p, o->id);
    PGresult *r;
    int rc = exec_stmt(s, Q_ORDER_LINES, &p, &r, e, "read the order's lines");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(o->lines = calloc(rows, sizeof *o->lines)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct order_line *l = &o->lines[o->nlines++];
        col_copy(r, (int)i, 0, l->sku, sizeof l->sku);
        col_copy(r, (int)i, 1, l->name, sizeof l->name);
        l->quantity = col_i64(r, (int)i, 2);
        l->unit_price = col_i64(r, (int)i, 3);
        l->amount = col_i64(r, (int)i, 4);
    }
    PQclear(r);
    if (rc)
        return rc;

    if ((rc = exec_stmt(s, Q_ORDER_SHIPMENTS, &p, &r, e, "read the order's shipments")))
        return rc;
    rows = (size_t)PQntuples(r);
    if (rows && !(o->shipments = calloc(rows, sizeof *o->shipments)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct shipment_rec *sh = &o->shipments[o->nshipments++];
        read_shipment(r, (int)i, sh);
        rc = load_items(s, sh, e);
    }
    PQclear(r);
    if (rc)
        return rc;

    if ((rc = exec_stmt(s, Q_PAYMENT_GET, &p, &r, e, "read the order's payment")))
        return rc;
    if (PQntuples(r) > 0) {
        struct payment *pay = &o->payment;
        col_copy(r, 0, 0, pay->provider, sizeof pay->provider);
        col_copy(r, 0, 1, pay->ref, sizeof pay->ref);
        pay->authorized = col_i64(r, 0, 2);
        pay->captured = col_i64(r, 0, 3);
        pay->voided = col_i64(r, 0, 4);
        pay->refunded = col_i64(r, 0, 5);
        /* Not stored: the amounts decide it, so the two can never disagree. */
        pay->status = order_payment_status(pay);
    }
    PQclear(r);
    return read_intents(s, Q_INTENTS_BY_ORDER, &p, &o->events, &o->nevents, e);
}

static int pg_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    struct pg_store *s = S(st);
    memset(o, 0, sizeof *o);
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_ORDER_GET, &p, &r, e, "read an order");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no order %s", id);
    }
    col_copy(r, 0, 0, o->id, sizeof o->id);
    o->number = col_i64(r, 0, 1);
    col_copy(r, 0, 2, o->access_token, sizeof o->access_token);
    o->status = col_int(r, 0, 3);
    col_copy(r, 0, 4, o->email, sizeof o->email);
    col_copy(r, 0, 5, o->currency, sizeof o->currency);
    o->total = col_i64(r, 0, 6);
    struct address *a = &o->address;
    col_copy(r, 0, 7, a->name, sizeof a->name);
    col_copy(r, 0, 8, a->line1, sizeof a->line1);
    col_copy(r, 0, 9, a->line2, sizeof a->line2);
    col_copy(r, 0, 10, a->city, sizeof a->city);
    col_copy(r, 0, 11, a->postal_code, sizeof a->postal_code);
    col_copy(r, 0, 12, a->country, sizeof a->country);
    col_copy(r, 0, 13, o->created_at, sizeof o->created_at);
    PQclear(r);
    rc = load_order_parts(s, o, e);
    if (rc)
        order_rec_free(o);
    return rc;
}

static void row_order_id(const PGresult *r, int i, void *dst)
{
    col_copy(r, i, 0, dst, ORDER_ID_MAX);
}

static int pg_order_page(struct store *st, const char *before, size_t limit,
                         char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    *ids = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, before && *before ? before : NULL);
    p_limit(&p, limit);
    void *v = NULL;
    int rc = list_rows(s, Q_ORDER_PAGE, &p, sizeof **ids, row_order_id, &v, n, e,
                       "list orders");
    if (!rc)
        *ids = v;
    return rc;
}

static int pg_order_by_shipment(struct store *st, const char *shipment_id,
                                char order_id[ORDER_ID_MAX], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, shipment_id);
    PGresult *r;
    int rc = exec_stmt(s, Q_ORDER_BY_SHIPMENT, &p, &r, e, "read a shipment");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    else
        col_copy(r, 0, 0, order_id, ORDER_ID_MAX);
    PQclear(r);
    return rc;
}

static int pg_order_set_status(struct store *st, const char *id, int status, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    p_int(&p, status);
    return update_one(s, Q_ORDER_SET_STATUS, &p, e, "save an order's status", "order", id);
}

static int pg_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, sh->id);
    p_int(&p, sh->status);
    p_text(&p, sh->tracking_number);
    p_text(&p, sh->shipped_at);
    p_int(&p, sh->payment_required);
    return update_one(s, Q_SHIPMENT_UPDATE, &p, e, "save a shipment", "shipment", sh->id);
}

static int pg_payment_update(struct store *st, const char *order_id, const struct payment *pay,
                             err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, order_id);
    p_text(&p, pay->provider);
    p_text(&p, pay->ref);
    p_int(&p, pay->authorized);
    p_int(&p, pay->captured);
    p_int(&p, pay->voided);
    p_int(&p, pay->refunded);
    return update_one(s, Q_PAYMENT_UPDATE, &p, e, "save a payment", "payment for order",
                      order_id);
}

static int pg_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                          int64_t amount, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, order_id);
    p_text(&p, shipment_id); /* NULL binds NULL */
    p_int(&p, amount);
    return run(s, Q_CAPTURE_ADD, &p, e, "record a capture");
}

static int pg_position_allocate(struct store *st, const struct position *key, int64_t qty,
                                err_t *e)
{
    struct pg_store *s = S(st);
    char name[256];
    /* A negative qty would release units past the guard; releases go through adjust. */
    if (qty <= 0)
        return err_set(e, ERR_INVALID, "cannot allocate %lld units of %s", (long long)qty,
                       pos_name(key, name, sizeof name));
    struct params p = {0};
    p_key(&p, key);
    p_int(&p, qty);
    int64_t n = 0;
    int rc = exec_count(s, Q_POSITION_ALLOCATE, &p, &n, e, "allocate stock");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "not enough stock of %s",
                     pos_name(key, name, sizeof name));
    return rc;
}

static int pg_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                              int64_t d_allocated, err_t *e)
{
    struct pg_store *s = S(st);
    char name[256];
    struct params p = {0};
    p_key(&p, key);
    PGresult *r;
    int rc = exec_stmt(s, Q_POSITION_GET, &p, &r, e, "read a position");
    if (rc)
        return rc;
    bool exists = PQntuples(r) > 0;
    int64_t quantity = exists ? col_i64(r, 0, 0) : 0;
    int64_t allocated = exists ? col_i64(r, 0, 1) : 0;
    PQclear(r);
    if (!exists && key->stock_type != STOCK_ONHAND)
        return err_set(e, ERR_NOTFOUND, "no position %s", pos_name(key, name, sizeof name));
    /* Checked here rather than left to the CHECK constraints, for a message that says which
     * figure would go wrong. */
    if (quantity + d_quantity < 0 || allocated + d_allocated < 0)
        return err_set(e, ERR_CONFLICT,
                       "%s cannot fall below zero: quantity %lld%+lld, allocated %lld%+lld",
                       pos_name(key, name, sizeof name), (long long)quantity,
                       (long long)d_quantity, (long long)allocated, (long long)d_allocated);
    p_int(&p, d_quantity);
    p_int(&p, d_allocated);
    return run(s, exists ? Q_POSITION_ADJUST : Q_POSITION_CREATE, &p, e, "save a position");
}

static int pg_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                        int64_t qty, err_t *e)
{
    struct pg_store *s = S(st);
    int64_t held = 0;
    if (qty == 0)
        return 0;
    struct params p = {0};
    p_key(&p, key);
    p_text(&p, shipment_id);
    if (qty < 0) {
        /* Rows never hold zero (CHECK quantity > 0): find out whether this empties it. The
         * row stays locked until the change below. */
        PGresult *r;
        int rc = exec_stmt(s, Q_ALLOC_GET, &p, &r, e, "read an allocation");
        if (rc)
            return rc;
        held = PQntuples(r) > 0 ? col_i64(r, 0, 0) : 0;
        PQclear(r);
        char name[256];
        if (held + qty < 0)
            return err_set(e, ERR_CONFLICT, "shipment %s holds only %lld units of %s",
                           shipment_id, (long long)held, pos_name(key, name, sizeof name));
    }
    enum stmt_id id = qty > 0          ? Q_ALLOC_UPSERT
                      : held + qty > 0 ? Q_ALLOC_TAKE
                                       : Q_ALLOC_REMOVE;
    if (id != Q_ALLOC_REMOVE)
        p_int(&p, qty);
    return run(s, id, &p, e, "save an allocation");
}

static int pg_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                         struct alloc_row **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    if (!shipment_id && !key)
        return err_set(e, ERR_INVALID, "name a shipment or a position to list allocations");
    struct params p = {0};
    if (shipment_id)
        p_text(&p, shipment_id);
    else
        p_key(&p, key);
    PGresult *r;
    int rc = exec_stmt(s, shipment_id ? Q_ALLOC_BY_SHIPMENT : Q_ALLOC_BY_POSITION, &p, &r, e,
                       "list allocations");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    struct alloc_row *v = rows ? calloc(rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < rows; i++) {
        struct alloc_row *a = &v[i];
        int row = (int)i;
        col_copy(r, row, 0, a->shipment_id, sizeof a->shipment_id);
        a->shipment_seq = col_i64(r, row, 1);
        a->order_number = col_i64(r, row, 7);
        a->stock_date = col_date(r, row, 8);
        col_copy(r, row, 2, a->pos.sku, sizeof a->pos.sku);
        col_copy(r, row, 3, a->pos.location_id, sizeof a->pos.location_id);
        a->pos.stock_type = col_int(r, row, 4);
        col_copy(r, row, 5, a->pos.transit_ref, sizeof a->pos.transit_ref);
        a->pos.order_date = a->pos.stock_date = DATE_NONE;
        a->quantity = col_i64(r, row, 6);
    }
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}

static int pg_alloc_delete(struct store *st, const char *shipment_id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, shipment_id);
    return run(s, Q_ALLOC_DELETE, &p, e, "release a shipment's allocations");
}

static int pg_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                           err_t *e)
{
    struct pg_store *s = S(st);
    memset(out, 0, sizeof *out);
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_SHIPMENT_GET, &p, &r, e, "read a shipment");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no shipment %s", id);
    }
    read_shipment(r, 0, out);
    PQclear(r);
    rc = load_items(s, out, e);
    if (rc) {
        free(out->items);
        out->items = NULL;
        out->nitems = 0;
    }
    return rc;
}

static int pg_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e)
{
    return insert_shipment(S(st), sh->order_id, SIZE_MAX, sh, e);
}

static int pg_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, sh->id);
    p_int(&p, sh->status);
    p_int(&p, sh->stock_type);
    p_text(&p, sh->location_id);
    p_text(&p, sh->transit_ref);
    p_date(&p, sh->stock_date);
    p_date(&p, sh->expected.from);
    p_date(&p, sh->expected.to);
    p_text(&p, sh->expected.message);
    p_int(&p, sh->amount);
    int rc = run(s, Q_SHIPMENT_SAVE, &p, e, "save a shipment");
    struct params d = {0};
    p_text(&d, sh->id);
    if (!rc)
        rc = run(s, Q_SHIPMENT_ITEMS_DELETE, &d, e, "save a shipment's items");
    for (size_t i = 0; !rc && i < sh->nitems; i++) {
        struct params q = {0};
        p_text(&q, sh->id);
        p_int(&q, (int64_t)i);
        p_text(&q, sh->items[i].sku);
        p_int(&q, sh->items[i].quantity);
        rc = run(s, Q_SHIPMENT_ITEM_INSERT, &q, e, "save a shipment's items");
    }
    return rc;
}

static int pg_shipment_delete(struct store *st, const char *id, err_t *e)
{
    const enum stmt_id steps[] = {Q_ALLOC_DELETE, Q_SHIPMENT_ITEMS_DELETE, Q_SHIPMENT_DELETE};
    struct params p = {0};
    p_text(&p, id);
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++)
        rc = run(S(st), steps[i], &p, e, "remove a shipment");
    return rc;
}

static void row_replan_sku(const PGresult *r, int i, void *dst)
{
    col_copy(r, i, 0, dst, ID_MAX + 1);
}

static int pg_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                          err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    p_int(&p, run_id);
    void *v = NULL;
    int rc = list_rows(S(st), Q_REPLAN_SKUS, &p, ID_MAX + 1, row_replan_sku, &v, n, e,
                       "find the SKUs to re-plan");
    if (!rc)
        *out = v;
    return rc;
}

/* --- carts --- */

static int pg_cart_create(struct store *st, const char *id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    int64_t n = 0;
    int rc = exec_count(s, Q_CART_CREATE, &p, &n, e, "create a cart");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "cart %s already exists", id);
    return rc;
}

static int pg_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                         size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_CART_LINES, &p, &r, e, "read a cart");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no cart %s", id);
    }
    struct shipment_item *v = calloc((size_t)rows, sizeof *v);
    if (!v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    size_t len = 0;
    for (int i = 0; i < rows; i++) {
        if (PQgetisnull(r, i, 0))
            continue; /* the cart exists and is empty */
        col_copy(r, i, 0, v[len].sku, sizeof v[len].sku);
        v[len].quantity = col_i64(r, i, 1);
        len++;
    }
    PQclear(r);
    if (!len) { /* like SQLite's: no array for an empty cart */
        free(v);
        v = NULL;
    }
    *out = v;
    *n = len;
    return 0;
}

static int pg_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                       err_t *e)
{
    struct pg_store *s = S(st);
    if (qty < 0)
        return err_set(e, ERR_INVALID, "a cart line cannot have a negative quantity");
    struct params p = {0};
    p_text(&p, id);
    PGresult *r;
    int rc = exec_stmt(s, Q_CART_EXISTS, &p, &r, e, "read a cart");
    if (rc)
        return rc;
    bool found = PQntuples(r) > 0;
    PQclear(r);
    if (!found)
        return err_set(e, ERR_NOTFOUND, "no cart %s", id);
    p_text(&p, sku);
    if (qty)
        p_int(&p, qty);
    return run(s, qty ? Q_CART_LINE_SET : Q_CART_LINE_DELETE, &p, e, "save a cart line");
}

/* --- email outbox --- */

static int pg_outbox_add(struct store *st, const struct email *m, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, m->id);
    p_text(&p, m->kind);
    p_text(&p, m->order_id[0] ? m->order_id : NULL);
    p_text(&p, m->from);
    p_text(&p, m->to);
    p_text(&p, m->subject);
    p_text(&p, m->text ? m->text : "");
    p_text(&p, m->html ? m->html : "");
    p_int(&p, m->status);
    p_int(&p, m->attempts);
    p_text(&p, m->last_error);
    p_int(&p, m->next_attempt_at);
    p_text(&p, m->created_at);
    return run(s, Q_OUTBOX_ADD, &p, e, "queue an email");
}

/* The columns Q_OUTBOX_NEXT and Q_OUTBOX_LIST share; bodies stay NULL. */
static void read_email(const PGresult *r, int i, struct email *m)
{
    memset(m, 0, sizeof *m);
    col_copy(r, i, 0, m->id, sizeof m->id);
    col_copy(r, i, 1, m->kind, sizeof m->kind);
    col_copy(r, i, 2, m->order_id, sizeof m->order_id);
    col_copy(r, i, 3, m->from, sizeof m->from);
    col_copy(r, i, 4, m->to, sizeof m->to);
    col_copy(r, i, 5, m->subject, sizeof m->subject);
    m->status = col_int(r, i, 6);
    m->attempts = col_int(r, i, 7);
    col_copy(r, i, 8, m->last_error, sizeof m->last_error);
    m->next_attempt_at = col_i64(r, i, 9);
    col_copy(r, i, 10, m->created_at, sizeof m->created_at);
}

static int outbox_take(struct pg_store *s, int64_t now, int64_t lease, struct email *out,
                       err_t *e)
{
    struct params p = {0};
    p_int(&p, EMAIL_PENDING);
    p_int(&p, now);
    PGresult *r;
    int rc = exec_stmt(s, Q_OUTBOX_NEXT, &p, &r, e, "read the outbox");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no email is due");
    }
    read_email(r, 0, out);
    out->text = col_dup(r, 0, 11);
    out->html = col_dup(r, 0, 12);
    PQclear(r);
    if (!out->text || !out->html) {
        email_free(out);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    struct params q = {0};
    p_text(&q, out->id);
    p_int(&q, now + lease);
    if ((rc = run(s, Q_OUTBOX_LEASE, &q, e, "lease an email"))) {
        email_free(out);
        return rc;
    }
    out->next_attempt_at = now + lease;
    return 0;
}

static int pg_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                           err_t *e)
{
    struct pg_store *s = S(st);
    /* The pick and the lease must be one step for other workers; a caller's own
     * transaction already is one. */
    bool own = !s->in_tx;
    int rc = own ? open_tx(s, "BEGIN", e) : 0;
    if (rc)
        return rc;
    rc = outbox_take(s, now, lease, out, e);
    if (!own)
        return rc;
    if (rc) {
        pg_rollback(st);
        return rc;
    }
    if ((rc = pg_commit(st, e)))
        email_free(out);
    return rc;
}

static int pg_outbox_update(struct store *st, const struct email *m, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, m->id);
    p_int(&p, m->status);
    p_int(&p, m->attempts);
    p_text(&p, m->last_error);
    p_int(&p, m->next_attempt_at);
    return update_one(s, Q_OUTBOX_UPDATE, &p, e, "save an email's delivery", "email", m->id);
}

static void row_email(const PGresult *r, int i, void *dst)
{
    read_email(r, i, dst);
}

static int pg_outbox_list(struct store *st, const char *before, size_t limit,
                          struct email **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    p_limit(&p, limit);
    p_text(&p, before && *before ? before : NULL);
    void *v = NULL;
    int rc = list_rows(s, Q_OUTBOX_LIST, &p, sizeof **out, row_email, &v, n, e,
                       "list the outbox");
    if (!rc)
        *out = v;
    return rc;
}

/* --- console users and sessions --- */

static int pg_user_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, name);
    p_text(&p, hash);
    int64_t n = 0;
    int rc = exec_count(s, Q_USER_ADD, &p, &n, e, "add a user");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "user %s already exists", name);
    return rc;
}

static int pg_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, name);
    PGresult *r;
    int rc = exec_stmt(s, Q_USER_HASH, &p, &r, e, "read a user");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = err_set(e, ERR_NOTFOUND, "no user %s", name);
    } else {
        const char *v = col_str(r, 0, 0);
        size_t len = strlen(v);
        /* A cut hash would never verify, which looks like a wrong password: say what it is. */
        if (len >= cap)
            rc = err_set(e, ERR_STORE, "the stored password hash of user %s is too long", name);
        else
            memcpy(hash, v, len + 1);
    }
    PQclear(r);
    return rc;
}

static int pg_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                          const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_bytes(&p, hash, SESSION_HASH_LEN);
    p_text(&p, user);
    p_text(&p, csrf);
    p_int(&p, expires_at);
    return run(s, Q_SESSION_ADD, &p, e, "save a session");
}

static int pg_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                          char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                          int64_t *expires_at, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_bytes(&p, hash, SESSION_HASH_LEN);
    PGresult *r;
    int rc = exec_stmt(s, Q_SESSION_GET, &p, &r, e, "read a session");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        rc = err_set(e, ERR_NOTFOUND, "no such session");
    } else {
        col_copy(r, 0, 0, user, ID_MAX + 1);
        col_copy(r, 0, 1, csrf, SESSION_CSRF_LEN + 1);
        *expires_at = col_i64(r, 0, 2);
    }
    PQclear(r);
    return rc;
}

static int pg_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                             int64_t now, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_bytes(&p, hash, SESSION_HASH_LEN);
    p_int(&p, now);
    return run(s, Q_SESSION_DELETE, &p, e, "end a session");
}

/* --- check --- */

/* One sentence for row i of a check statement. */
typedef void (*check_fmt)(const PGresult *r, int i, char *msg, size_t cap);

/* The position named by columns c..c+3 (sku, location_id, stock_type, transit_ref). */
static const char *row_pos(const PGresult *r, int i, int c, char *buf, size_t cap)
{
    return key_name(col_str(r, i, c), col_str(r, i, c + 1), col_int(r, i, c + 2),
                    col_str(r, i, c + 3), buf, cap);
}

static void fmt_allocated(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "%s has allocatedQuantity %lld but its allocations add up to %lld",
             row_pos(r, i, 0, pos, sizeof pos), (long long)col_i64(r, i, 4),
             (long long)col_i64(r, i, 5));
}

static void fmt_orphan(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s holds %lld units of %s, a position that does not exist",
             col_str(r, i, 4), (long long)col_i64(r, i, 5), row_pos(r, i, 0, pos, sizeof pos));
}

static void fmt_negative(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap,
             "%s has a negative figure or is oversold: quantity %lld, "
             "reservedQuantity %lld, allocatedQuantity %lld",
             row_pos(r, i, 0, pos, sizeof pos), (long long)col_i64(r, i, 4),
             (long long)col_i64(r, i, 5), (long long)col_i64(r, i, 6));
}

static void fmt_closed(const PGresult *r, int i, char *msg, size_t cap)
{
    char pos[256];
    snprintf(msg, cap, "shipment %s is %s but still holds %lld units of %s", col_str(r, i, 4),
             order_shipment_status_name(col_int(r, i, 6)), (long long)col_i64(r, i, 5),
             row_pos(r, i, 0, pos, sizeof pos));
}

static void fmt_no_payment(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no payment", (long long)col_i64(r, i, 0),
             col_str(r, i, 1));
}

static void fmt_overcapture(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has captures of %lld in all, more than the %lld "
             "authorized", (long long)col_i64(r, i, 0), col_str(r, i, 1),
             (long long)col_i64(r, i, 3), (long long)col_i64(r, i, 2));
}

static void fmt_captured(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records %lld captured but its captures add up to %lld",
             (long long)col_i64(r, i, 0), col_str(r, i, 1), (long long)col_i64(r, i, 2),
             (long long)col_i64(r, i, 3));
}

static void fmt_confirmation(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) has no order_confirmation email",
             (long long)col_i64(r, i, 0), col_str(r, i, 1));
}

static void fmt_ledger_over(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s): its payment events capture %lld and refund %lld, "
             "more than the %lld authorized", (long long)col_i64(r, i, 0), col_str(r, i, 1),
             (long long)col_i64(r, i, 3), (long long)col_i64(r, i, 4),
             (long long)col_i64(r, i, 2));
}

static void fmt_ledger_sum(const PGresult *r, int i, char *msg, size_t cap)
{
    snprintf(msg, cap, "order %lld (%s) records authorized %lld, captured %lld, voided %lld, "
             "refunded %lld but its payment events add up to %lld, %lld, %lld, %lld",
             (long long)col_i64(r, i, 0), col_str(r, i, 1), (long long)col_i64(r, i, 2),
             (long long)col_i64(r, i, 3), (long long)col_i64(r, i, 4),
             (long long)col_i64(r, i, 5), (long long)col_i64(r, i, 6),
             (long long)col_i64(r, i, 7), (long long)col_i64(r, i, 8),
             (long long)col_i64(r, i, 9));
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
};

/* A callback asking to stop ends the check early; that is not an error. */
static int pg_check(struct store *st, store_check_fn report, void *ctx, size_t *problems,
                    err_t *e)
{
    struct pg_store *s = S(st);
    *problems = 0;
    /* One snapshot for every query, so a commit in between cannot look like a broken
     * invariant. */
    bool own = !s->in_tx;
    int rc = own ? open_tx(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", e) : 0;
    bool stop = false;
    for (size_t i = 0; !rc && !stop && i < sizeof checks / sizeof checks[0]; i++) {
        struct params p = {0};
        if (checks[i].id == Q_CHECK_CLOSED_ALLOC) {
            p_int(&p, SHIP_SHIPPED);
            p_int(&p, SHIP_CANCELLED);
        }
        PGresult *r;
        if ((rc = exec_stmt(s, checks[i].id, &p, &r, e, "check the database")))
            break;
        for (int row = 0; !stop && row < PQntuples(r); row++) {
            char msg[1024];
            checks[i].fmt(r, row, msg, sizeof msg);
            (*problems)++;
            stop = report(ctx, msg) != 0;
        }
        PQclear(r);
    }
    if (own)
        pg_rollback(st); /* read only: nothing to commit */
    return rc;
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

#define PG_BYTEA 17
#define PG_INT8 20
#define PG_INT2 21
#define PG_INT4 23

static int pg_table_rows(struct store *st, const struct store_table *t, store_row_fn fn,
                         void *ctx, err_t *e)
{
    struct pg_store *s = S(st);
    char cols[512], sql[800];
    column_list(t, cols, sizeof cols);
    snprintf(sql, sizeof sql, "SELECT %s FROM \"%s\" ORDER BY %s", cols, t->name, t->order_pg);
    PGresult *r;
    int rc = ctl_res(s, sql, &r, e, "read a table to copy");
    if (rc)
        return rc;
    struct store_value vals[STORE_COLS_MAX];
    unsigned char *blobs[STORE_COLS_MAX] = {NULL};
    for (int row = 0; !rc && row < PQntuples(r); row++) {
        for (size_t i = 0; i < t->ncols; i++) {
            int c = (int)i;
            struct store_value *v = &vals[i];
            Oid type = PQftype(r, c);
            *v = (struct store_value){STORE_NULL, 0, NULL, 0};
            if (PQgetisnull(r, row, c))
                continue;
            const char *text = PQgetvalue(r, row, c);
            if (type == PG_INT8 || type == PG_INT4 || type == PG_INT2) {
                v->type = STORE_INT;
                v->i = strtoll(text, NULL, 10);
            } else if (type == PG_BYTEA) {
                PQfreemem(blobs[i]);
                blobs[i] = PQunescapeBytea((const unsigned char *)text, &v->len);
                if (!blobs[i])
                    rc = err_set(e, ERR_NOMEM, "out of memory");
                v->type = STORE_BLOB;
                v->p = (const char *)blobs[i];
            } else {
                v->type = STORE_TEXT;
                v->p = text;
                v->len = (size_t)PQgetlength(r, row, c);
            }
        }
        if (!rc)
            rc = fn(ctx, vals, e);
    }
    for (size_t i = 0; i < STORE_COLS_MAX; i++)
        PQfreemem(blobs[i]);
    PQclear(r);
    return rc;
}

static int pg_table_insert(struct store *st, const struct store_table *t,
                           const struct store_value *vals, err_t *e)
{
    struct pg_store *s = S(st);
    char cols[512], marks[5 * STORE_COLS_MAX] = "", sql[800];
    char num[STORE_COLS_MAX][24];
    const char *pv[STORE_COLS_MAX];
    int plen[STORE_COLS_MAX], pfmt[STORE_COLS_MAX];
    column_list(t, cols, sizeof cols);
    for (size_t i = 0; i < t->ncols; i++) {
        size_t n = strlen(marks);
        snprintf(marks + n, sizeof marks - n, "%s$%zu", i ? ", " : "", i + 1);
        const struct store_value *v = &vals[i];
        pfmt[i] = v->type == STORE_BLOB; /* bytea goes in binary, the rest as text */
        plen[i] = (int)v->len;
        if (v->type == STORE_INT) {
            snprintf(num[i], sizeof num[i], "%lld", (long long)v->i);
            pv[i] = num[i];
        } else {
            pv[i] = v->type == STORE_NULL ? NULL : v->p;
        }
    }
    snprintf(sql, sizeof sql, "INSERT INTO \"%s\"(%s) VALUES(%s)", t->name, cols, marks);
    int rc = pipe_end(s, e);
    if (rc || (rc = ensure_conn(s, e)))
        return rc;
    /* Text values from SQLite are not NUL-terminated copies, so pass lengths for them too:
     * libpq reads text parameters up to their NUL, so make sure there is one. */
    char *owned[STORE_COLS_MAX] = {NULL};
    for (size_t i = 0; i < t->ncols; i++)
        if (vals[i].type == STORE_TEXT && (!vals[i].p || vals[i].p[vals[i].len] != '\0')) {
            owned[i] = strndup(vals[i].p ? vals[i].p : "", vals[i].len);
            pv[i] = owned[i];
        }
    PGresult *r = PQexecParams(s->conn, sql, (int)t->ncols, NULL, pv, plen, pfmt, 0);
    rc = result_ok(r) ? 0 : fail(s, r, e, "copy a row");
    PQclear(r);
    for (size_t i = 0; i < t->ncols; i++)
        free(owned[i]);
    return rc;
}

static int pg_is_empty(struct store *st, bool *empty, err_t *e)
{
    PGresult *r;
    int rc = ctl_res(S(st),
                     "SELECT EXISTS(SELECT 1 FROM locations) OR EXISTS(SELECT 1 FROM products) "
                     "OR EXISTS(SELECT 1 FROM positions) OR EXISTS(SELECT 1 FROM orders) "
                     "OR EXISTS(SELECT 1 FROM settings) OR EXISTS(SELECT 1 FROM api_keys) "
                     "OR EXISTS(SELECT 1 FROM users) OR EXISTS(SELECT 1 FROM imports)",
                     &r, e, "look into the database");
    if (rc)
        return rc;
    *empty = PQgetvalue(r, 0, 0)[0] != 't';
    PQclear(r);
    return 0;
}

/* The copied rows carry their numbers: the sequences continue after them. */
static int pg_after_copy(struct store *st, err_t *e)
{
    return ctl(S(st),
               "SELECT setval('order_number', coalesce((SELECT max(number) FROM orders), 1000) "
               "+ 1, false), setval('shipment_seq', coalesce((SELECT max(seq) FROM shipments), "
               "0) + 1, false)",
               e, "continue the order numbers");
}

/* --- console users and API keys, managed from the CLI --- */

static int pg_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e)
{
    *orders = *positions = false;
    PGresult *r;
    int rc = exec_stmt(S(st), Q_HOLDS_STOCK, NULL, &r, e, "look into the database");
    if (rc)
        return rc;
    *orders = PQgetvalue(r, 0, 0)[0] == 't';
    *positions = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    return 0;
}

static void row_named(const PGresult *r, int i, void *dst)
{
    struct store_named *v = dst;
    col_copy(r, i, 0, v->name, sizeof v->name);
    col_copy(r, i, 1, v->created_at, sizeof v->created_at);
}

static int named_list(struct store *st, enum stmt_id id, struct store_named **out, size_t *n,
                      err_t *e, const char *what)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    void *v = NULL;
    int rc = list_rows(S(st), id, NULL, sizeof **out, row_named, &v, n, e, what);
    if (!rc)
        *out = v;
    return rc;
}

static int pg_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(st, Q_USER_LIST, out, n, e, "list the users");
}

static int pg_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return named_list(st, Q_APIKEY_LIST, out, n, e, "list the API keys");
}

static int pg_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e)
{
    struct params p = {0};
    p_text(&p, name);
    p_text(&p, hash);
    return update_one(S(st), Q_USER_SET_HASH, &p, e, "change a password", "user", name);
}

static int pg_user_remove(struct store *st, const char *name, err_t *e)
{
    struct params p = {0};
    p_text(&p, name);
    return update_one(S(st), Q_USER_REMOVE, &p, e, "remove a user", "user", name);
}

static int pg_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    struct params p = {0};
    p_text(&p, name);
    int64_t count = 0;
    *n = 0;
    int rc = exec_count(S(st), Q_APIKEY_REVOKE, &p, &count, e, "revoke an API key");
    if (!rc && count == 0)
        rc = err_set(e, ERR_NOTFOUND, "no API key named %s", name);
    if (!rc)
        *n = (size_t)count;
    return rc;
}

/* --- products (SPEC 5.3) --- */

static int save_warnings(struct pg_store *s, const struct import_job *job, err_t *e)
{
    if (!job->total_warnings)
        return 0;
    struct params p = {0};
    p_text(&p, job->id);
    p_int(&p, job->total_warnings);
    int rc = run(s, Q_IMPORT_WARNING_TOTAL, &p, e, "save the import warnings");
    for (size_t i = 0; !rc && i < job->nwarnings; i++) {
        struct params q = {0};
        p_text(&q, job->id);
        p_int(&q, (int64_t)i);
        p_text(&q, job->warnings[i].sku);
        p_text(&q, job->warnings[i].message);
        rc = run(s, Q_IMPORT_WARNING_SAVE, &q, e, "save the import warnings");
    }
    return rc;
}

static int load_warnings(struct pg_store *s, struct import_job *job, err_t *e)
{
    struct params p = {0};
    p_text(&p, job->id);
    p_limit(&p, IMPORT_WARNINGS_MAX);
    PGresult *r;
    int rc = exec_stmt(s, Q_IMPORT_WARNINGS, &p, &r, e, "read an import job's warnings");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows && !(job->warnings = calloc((size_t)rows, sizeof *job->warnings))) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        struct import_warning *w = &job->warnings[job->nwarnings++];
        col_copy(r, i, 0, w->sku, sizeof w->sku);
        col_copy(r, i, 1, w->message, sizeof w->message);
        job->total_warnings = col_i64(r, i, 2);
    }
    PQclear(r);
    return 0;
}

static int pg_import_unsold(struct store *st, int64_t run_id, struct import_job *job, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_int(&p, run_id);
    p_limit(&p, IMPORT_WARNINGS_MAX);
    PGresult *r;
    int rc = exec_stmt(s, Q_IMPORT_UNSOLD, &p, &r, e, "look for SKUs without a product");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    free(job->warnings);
    job->warnings = NULL;
    job->nwarnings = 0;
    job->total_warnings = 0;
    if (rows && !(job->warnings = calloc((size_t)rows, sizeof *job->warnings))) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        import_warning_set(&job->warnings[job->nwarnings++], PQgetvalue(r, i, 0));
        job->total_warnings = col_i64(r, i, 1);
    }
    PQclear(r);
    return 0;
}

static int pg_product_find(struct store *st, const char *after, size_t limit, const char *q,
                           struct product **out, size_t *n, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, after ? after : "");
    p_limit(&p, limit);
    p_text(&p, q);
    void *v = NULL;
    int rc = list_rows(s, Q_PRODUCT_FIND, &p, sizeof **out, row_product, &v, n, e,
                       "search products");
    if (!rc)
        *out = v;
    return rc;
}

/* --- change log --- */

static int pg_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                            void *ctx, int64_t *xmin, int64_t *xmax, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_int(&p, after);
    p_limit(&p, limit);
    PGresult *r;
    int rc = exec_stmt(s, Q_CHANGES_SINCE, &p, &r, e, "read the change log");
    if (rc)
        return rc;
    int n = PQntuples(r);
    *xmin = n ? col_i64(r, 0, 2) : 0;
    *xmax = n ? col_i64(r, 0, 3) : 0;
    for (int i = 0; i < n && !PQgetisnull(r, i, 0); i++)
        if (fn(ctx, col_i64(r, i, 0), col_str(r, i, 1)))
            break;
    PQclear(r);
    return 0;
}

static int pg_changes_head(struct store *st, int64_t *head, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = exec_stmt(s, Q_CHANGES_HEAD, NULL, &r, e, "read the change log");
    if (rc)
        return rc;
    *head = PQntuples(r) ? col_i64(r, 0, 0) : 0;
    PQclear(r);
    return 0;
}

static int pg_changes_prune(struct store *st, int64_t upto, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_int(&p, upto);
    return run(s, Q_CHANGES_PRUNE, &p, e, "prune the change log");
}

static int pg_positions_page(struct store *st, const char *after, size_t limit,
                             struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    p_text(&p, after ? after : "");
    p_limit(&p, limit);
    PGresult *r;
    int rc = exec_stmt(s, Q_POSITIONS_PAGE, &p, &r, e, "read positions");
    return rc ? rc : position_rows(r, out, e);
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
};

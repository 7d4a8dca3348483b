/* SQLite backend: the statement table (SQL text, by enum stmt_id). */
#include "store/sqlite/sqlite_int.h"

/* +?3: a bare ?3 matched against the partial indexes' "stock_type = 1" made SQLite expire the
 * statement at every new binding and compile it again (a parse per position read or write).
 * The unary plus hides the parameter from that match; the primary key still serves it. */
#define POSITION_KEY                                                                          \
    "sku = ?1 AND location_id = ?2 AND stock_type = +?3 AND transit_ref = ?4 AND channel_id = ?5"
/* A shipment's overdue flag and delay (SPEC 5.8), in read_shipment's and save's order. */
#define DELAY_COLS                                                                            \
    "overdue, delay_consent, delay_detected, delay_prev_from, delay_prev_to, delay_exp_from, " \
    "delay_exp_to, delay_respond_by, delay_required, accepted_to, accepted_undated, "         \
    "consented_before, delay_notified, bar_units"
#define SHIPMENT_COLS                                                                         \
    "SELECT id, order_id, seq, status, stock_type, location_id, transit_ref, stock_date, "    \
    "expected_from, expected_to, expected_message, amount, tracking_number, shipped_at, "     \
    "promised_from, promised_to, promised_message, payment_required, " DELAY_COLS " FROM shipments "
#define ALLOC_COLS                                                                            \
    "SELECT a.shipment_id, s.seq, a.sku, a.location_id, a.stock_type, a.transit_ref, "        \
    "a.quantity, o.number, s.stock_date, a.channel_id, o.channel_id FROM allocations a "    \
    "JOIN shipments s ON s.id = a.shipment_id JOIN orders o ON o.id = s.order_id "
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
    "stock_date, quantity, reserved, allocated, channel_id FROM positions WHERE "            \
    "stock_type = 1 AND "                                                                     \
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
/* A SKU's positions with the limits of their (sku, location) (SPEC 9), in the column order
 * of read_positions. */
#define POSITION_COLS                                                                         \
    "SELECT p.sku, p.location_id, p.stock_type, p.transit_ref, p.order_date, p.stock_date, "  \
    "p.quantity, p.reserved, p.allocated, p.channel_id, l.safety_stock, l.preorder_limit, "   \
    "l.backorder_limit, l.low_stock FROM positions p LEFT JOIN limits l ON l.sku = p.sku "     \
    "AND l.location_id = p.location_id "

#define BO_COLS                                                                            \
    "SELECT b.id, b.order_id, b.order_number, b.line, b.sku, p.item_id, b.quantity, "       \
    "l.quantity, b.type, b.location_id, b.consent_at, o.created_at, s.id, s.status, "       \
    "s.stock_type, s.location_id, s.stock_date, s.overdue, s.delay_consent, "               \
    "s.delay_notified, i.quantity FROM backorders b JOIN orders o ON o.id = b.order_id "    \
    "JOIN order_lines l ON l.order_id = b.order_id AND l.n = b.line "                      \
    "LEFT JOIN products p ON p.sku = b.sku JOIN shipments s ON s.order_id = b.order_id "   \
    "JOIN shipment_items i ON i.shipment_id = s.id AND i.sku = b.sku "
#define BO_ORDER " ORDER BY b.order_number, b.line, s.n"

const char *const sq_stmt_sql[Q_COUNT] = {
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
        "INSERT INTO products(sku, name, price, currency, description, image_url, item_id) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(sku) DO UPDATE SET "
        "name = excluded.name, price = excluded.price, currency = excluded.currency, "
        "description = excluded.description, image_url = excluded.image_url, "
        "item_id = excluded.item_id",
    [Q_PRODUCT_GET] = "SELECT sku, name, price, currency, description, image_url, item_id "
                      "FROM products WHERE sku = ?1",
    [Q_PRODUCT_PAGE] = "SELECT sku, name, price, currency, description, image_url, item_id "
                       "FROM products WHERE sku > ?1 ORDER BY sku LIMIT ?2",
    [Q_POSITIONS_BY_SKU] =
        POSITION_COLS "WHERE p.sku = ?1",
    [Q_SKU_EXISTS] = "SELECT EXISTS(SELECT 1 FROM products WHERE sku = ?1) "
                     "OR EXISTS(SELECT 1 FROM positions WHERE sku = ?1)",
    [Q_SKU_PAGE] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_ALL
                   ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT ?2",
    [Q_POSITION_IMPORT] =
        "INSERT INTO positions(sku, location_id, stock_type, transit_ref, order_date, "
        "stock_date, quantity, reserved, allocated, import_run, changed_run, channel_id) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9, ?10) "
        "ON CONFLICT(sku, location_id, stock_type, transit_ref, channel_id) DO UPDATE SET "
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
        "created_at, channel_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
        "?13, coalesce(nullif(?14, ''), " NOW_ISO "), ?15) RETURNING created_at",
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
                    "ship_country, created_at, channel_id FROM orders WHERE id = ?1",
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
    [Q_POSITION_ALLOCATE] = "UPDATE positions SET allocated = allocated + ?6 WHERE "
                            POSITION_KEY " AND quantity - reserved - allocated >= ?6",
    [Q_POSITION_GET] = "SELECT quantity, allocated FROM positions WHERE " POSITION_KEY,
    [Q_POSITION_CREATE] = "INSERT INTO positions(sku, location_id, stock_type, transit_ref, "
                          "channel_id, order_date, stock_date, quantity, reserved, allocated) "
                          "VALUES(?1, ?2, ?3, ?4, ?5, NULL, NULL, ?6, 0, ?7)",
    [Q_POSITION_ADJUST] = "UPDATE positions SET quantity = quantity + ?6, "
                          "allocated = allocated + ?7 WHERE " POSITION_KEY,
    [Q_ALLOC_GET] = "SELECT quantity FROM allocations WHERE " POSITION_KEY
                    " AND shipment_id = ?6",
    [Q_ALLOC_UPSERT] =
        "INSERT INTO allocations(shipment_id, sku, location_id, stock_type, transit_ref, "
        "channel_id, quantity) VALUES(?6, ?1, ?2, ?3, ?4, ?5, ?7) ON CONFLICT(shipment_id, "
        "sku, location_id, stock_type, transit_ref, channel_id) DO UPDATE SET "
        "quantity = quantity + excluded.quantity",
    [Q_ALLOC_TAKE] = "UPDATE allocations SET quantity = quantity + ?7 WHERE " POSITION_KEY
                     " AND shipment_id = ?6",
    [Q_ALLOC_REMOVE] = "DELETE FROM allocations WHERE " POSITION_KEY " AND shipment_id = ?6",
    [Q_ALLOC_BY_SHIPMENT] = ALLOC_COLS "WHERE a.shipment_id = ?1 ORDER BY a.sku, "
                                       "a.location_id, a.stock_type, a.transit_ref, "
                                       "a.channel_id",
    [Q_ALLOC_BY_POSITION] = ALLOC_COLS "WHERE a.sku = ?1 AND a.location_id = ?2 AND "
                                       "a.stock_type = ?3 AND a.transit_ref = ?4 AND "
                                       "a.channel_id = ?5 ORDER BY o.number, s.seq",
    [Q_ALLOC_DELETE] = "DELETE FROM allocations WHERE shipment_id = ?1",
    [Q_SHIPMENT_SAVE] =
        "UPDATE shipments SET status = ?2, stock_type = ?3, location_id = ?4, "
        "transit_ref = ?5, stock_date = ?6, expected_from = ?7, expected_to = ?8, "
        "expected_message = ?9, amount = ?10, overdue = ?11, delay_consent = ?12, "
        "delay_detected = ?13, delay_prev_from = ?14, delay_prev_to = ?15, "
        "delay_exp_from = ?16, delay_exp_to = ?17, delay_respond_by = ?18, "
        "delay_required = ?19, accepted_to = ?20, accepted_undated = ?21, "
        "consented_before = ?22, delay_notified = ?23, bar_units = ?24 WHERE id = ?1",
    [Q_SHIPMENT_ITEMS_DELETE] = "DELETE FROM shipment_items WHERE shipment_id = ?1",
    [Q_SHIPMENT_DELETE] = "DELETE FROM shipments WHERE id = ?1",
    /* SKUs whose positions an import changed and that hold open allocations (unsourced
     * ones included): only these need re-planning. */
    /* Purchase orders (SPEC 5.8): transit positions after the cursor key, of one SKU (?4)
     * or all, only those whose stock date is before ?5 (overdue) when given. */
    [Q_TRANSIT_PAGE] = "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, "
                       "quantity, reserved, allocated, channel_id FROM positions WHERE "
                       "stock_type = 1 AND "
                       "(sku, location_id, transit_ref, channel_id) > (?1, ?2, ?3, ?7) AND "
                       "(?4 IS NULL OR sku = ?4) AND (?5 IS NULL OR stock_date < ?5) "
                       "ORDER BY sku, location_id, transit_ref, channel_id LIMIT ?6",
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
        "coalesce(a.total, 0), p.channel_id FROM positions p LEFT JOIN (SELECT sku, location_id, "
        "stock_type, transit_ref, channel_id, sum(quantity) AS total FROM allocations "
        "GROUP BY sku, location_id, stock_type, transit_ref, channel_id) a ON a.sku = p.sku "
        "AND a.location_id = p.location_id AND a.stock_type = p.stock_type AND "
        "a.transit_ref = p.transit_ref AND a.channel_id = p.channel_id "
        "WHERE p.allocated <> coalesce(a.total, 0) "
        "ORDER BY p.sku, p.location_id, p.stock_type, p.transit_ref",
    [Q_CHECK_ALLOC_ORPHAN] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, a.quantity, "
        "a.channel_id FROM allocations a WHERE a.stock_type <> 2 AND NOT EXISTS (SELECT 1 FROM "
        "positions p WHERE "
        "p.sku = a.sku AND p.location_id = a.location_id AND p.stock_type = a.stock_type "
        "AND p.transit_ref = a.transit_ref AND p.channel_id = a.channel_id) "
        "ORDER BY a.shipment_id, a.sku",
    [Q_CHECK_NEGATIVE] = "SELECT sku, location_id, stock_type, transit_ref, quantity, "
                         "reserved, allocated, channel_id FROM positions WHERE quantity < 0 OR "
                         "reserved < 0 OR allocated < 0 OR allocated > max(0, quantity - "
                         "reserved) ORDER BY sku, location_id, "
                         "stock_type, transit_ref",
    [Q_CHECK_CLOSED_ALLOC] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, "
        "a.quantity, s.status, a.channel_id FROM allocations a JOIN shipments s "
        "ON s.id = a.shipment_id "
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
    [Q_PRODUCT_FIND] = "SELECT sku, name, price, currency, description, image_url, item_id "
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
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku > ?1 ORDER BY sku LIMIT ?2) ORDER BY p.sku",
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
    [Q_PRODUCT_BY_ITEM] = "SELECT sku FROM products WHERE item_id = ?1",
    [Q_LIMITS_GET] = "SELECT safety_stock, preorder_limit, backorder_limit, low_stock "
                     "FROM limits WHERE sku = ?1 AND location_id = ?2",
    [Q_LIMITS_PUT] =
        "INSERT INTO limits(sku, location_id, safety_stock, preorder_limit, backorder_limit, "
        "low_stock) VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(sku, location_id) DO UPDATE "
        "SET safety_stock = excluded.safety_stock, preorder_limit = excluded.preorder_limit, "
        "backorder_limit = excluded.backorder_limit, low_stock = excluded.low_stock",
    /* SPEC 9: allocations on a location's dated / undated transit positions within its
     * pre-order / backorder limit. */
    [Q_CHECK_LIMIT] =
        "SELECT l.sku, l.location_id, d.dated, d.total, CASE d.dated WHEN 1 THEN "
        "l.preorder_limit ELSE l.backorder_limit END FROM limits l JOIN (SELECT sku, "
        "location_id, CASE WHEN stock_date IS NULL THEN 0 ELSE 1 END AS dated, "
        "sum(allocated) AS total FROM positions WHERE stock_type = 1 GROUP BY sku, "
        "location_id, CASE WHEN stock_date IS NULL THEN 0 ELSE 1 END) d ON d.sku = l.sku AND "
        "d.location_id = l.location_id WHERE d.total > CASE d.dated WHEN 1 THEN "
        "l.preorder_limit ELSE l.backorder_limit END ORDER BY l.sku, l.location_id, d.dated",
    /* SPEC 9: fabric backorder/preorder records, each with the order's shipments that
     * hold its SKU (one row per shipment), by order number then line. */
    [Q_BO_ADD] = "INSERT INTO backorders(id, order_id, order_number, line, sku, quantity, "
                 "type, location_id) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_BO_BY_ID] = BO_COLS "WHERE b.id = ?1" BO_ORDER,
    [Q_BO_BY_ORDER] = BO_COLS "WHERE b.order_number = ?1" BO_ORDER,
    [Q_BO_BY_SKU] = BO_COLS "WHERE b.sku = ?1" BO_ORDER,
    [Q_BO_ALL] = BO_COLS BO_ORDER,
    [Q_BO_CONSENTED] = "UPDATE backorders SET consent_at = ?1 WHERE order_id = ?2 AND sku = ?3",
    /* fabric's offset-paged lists (SPEC 9); a location's SKUs through positions_location. */
    [Q_LOC_SKU_COUNT] = "SELECT count(DISTINCT sku) FROM positions WHERE location_id = ?1",
    [Q_LOC_POSITIONS_PAGE] =
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE location_id = ?1 ORDER BY sku LIMIT ?2 OFFSET ?3) ORDER BY p.sku",
    [Q_POSITION_COUNT] = "SELECT count(*) FROM positions",
    /* Counted for the one row found: PostgreSQL would count for every row OFFSET skips. */
    [Q_POSITION_AT] = "SELECT a.sku, (SELECT count(*) FROM positions b WHERE b.sku < a.sku) "
                      "FROM (SELECT sku FROM positions ORDER BY sku LIMIT 1 OFFSET ?1) a",
    [Q_POSITIONS_FROM] =
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku >= ?1 ORDER BY sku LIMIT ?2) ORDER BY p.sku",
};

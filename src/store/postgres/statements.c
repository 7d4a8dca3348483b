/* PostgreSQL backend: the statement table (SQL text, by enum stmt_id). */
#include "store/postgres/pg_int.h"

#define POSITION_KEY                                                                          \
    "sku = $1 AND location_id = $2 AND stock_type = $3 AND transit_ref = $4 AND channel_id = $5"
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
    "reserved, allocated, channel_id FROM positions WHERE stock_type = 1 AND "              \
    PREFIX_OF(col, p)                                                                         \
    " ORDER BY " order " LIMIT $3)"
#define TRANSIT_BY_SKU(p) TRANSIT_BRANCH("sku", p, "sku, location_id, transit_ref")
#define TRANSIT_BY_REF(p) TRANSIT_BRANCH("transit_ref", p, "transit_ref, sku, location_id")
/* A SKU's positions with the limits of their (sku, location) (SPEC 9), in the column order
 * of read_positions. */
#define POSITION_COLS                                                                         \
    "SELECT p.sku, p.location_id, p.stock_type, p.transit_ref, p.order_date, p.stock_date, "  \
    "p.quantity, p.reserved, p.allocated, p.channel_id, l.safety_stock, l.preorder_limit, "   \
    "l.backorder_limit, l.low_stock FROM positions p LEFT JOIN limits l ON l.sku = p.sku "     \
    "AND l.location_id = p.location_id "

/* Rows of import_stage s into positions, in key order so concurrent writers lock rows the
 * same way round; IMPORT_UPSERT for those that may exist. A row that changes nothing is not
 * written again (DO UPDATE ... WHERE), and keeps its changed_run. */
#define IMPORT_INSERT(where)                                                                  \
    "INSERT INTO positions(sku, location_id, stock_type, transit_ref, order_date, "           \
    "stock_date, quantity, reserved, allocated, import_run, changed_run, channel_id) "        \
    "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, quantity, "    \
    "reserved, 0, $1, $1, channel_id FROM import_stage s " where " ORDER BY sku, "            \
    "location_id, stock_type, transit_ref, channel_id"
#define IMPORT_UPSERT                                                                         \
    " ON CONFLICT (sku, location_id, stock_type, transit_ref, channel_id) DO UPDATE SET "     \
    "order_date = excluded.order_date, stock_date = excluded.stock_date, "                    \
    "quantity = excluded.quantity, reserved = excluded.reserved, "                            \
    "import_run = excluded.import_run, changed_run = excluded.import_run WHERE "              \
    "(positions.order_date, positions.stock_date, positions.quantity, positions.reserved) "   \
    "IS DISTINCT FROM (excluded.order_date, excluded.stock_date, excluded.quantity, "         \
    "excluded.reserved)"
#define IMPORT_POSITION_AND(cond)                                                             \
    " (SELECT 1 FROM positions p WHERE p.sku = s.sku AND p.location_id = s.location_id AND "  \
    "p.stock_type = s.stock_type AND p.transit_ref = s.transit_ref AND "                      \
    "p.channel_id = s.channel_id AND " cond ")"
#define IMPORT_POSITION IMPORT_POSITION_AND("true")

#define BO_COLS                                                                            \
    "SELECT b.id, b.order_id, b.order_number, b.line, b.sku, p.item_id, b.quantity, "       \
    "l.quantity, b.type, b.location_id, b.consent_at, o.created_at, s.id, s.status, "       \
    "s.stock_type, s.location_id, s.stock_date, s.overdue, s.delay_consent, "               \
    "s.delay_notified, i.quantity FROM backorders b JOIN orders o ON o.id = b.order_id "    \
    "JOIN order_lines l ON l.order_id = b.order_id AND l.n = b.line "                      \
    "LEFT JOIN products p ON p.sku = b.sku JOIN shipments s ON s.order_id = b.order_id "   \
    "JOIN shipment_items i ON i.shipment_id = s.id AND i.sku = b.sku "
#define BO_ORDER " ORDER BY b.order_number, b.line, s.n"

const char *const pg_stmt_sql[Q_COUNT] = {
    /* DO NOTHING rather than a unique violation: an error would abort the caller's whole
     * transaction, where SQLite leaves it usable. */
    [Q_LOCATION_ADD] = "INSERT INTO locations(id, name) VALUES($1, $2) "
                       "ON CONFLICT (id) DO NOTHING",
    [Q_LOCATION_LIST] = "SELECT id, name FROM locations ORDER BY id",
    [Q_PRODUCT_UPSERT] =
        "INSERT INTO products(sku, name, price, currency, description, image_url, item_id) "
        "VALUES($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (sku) DO UPDATE SET "
        "name = excluded.name, price = excluded.price, currency = excluded.currency, "
        "description = excluded.description, image_url = excluded.image_url, "
        "item_id = excluded.item_id",
    [Q_PRODUCT_GET] = "SELECT sku, name, price, currency, description, image_url, item_id "
                      "FROM products WHERE sku = $1",
    [Q_PRODUCT_PAGE] = "SELECT sku, name, price, currency, description, image_url, item_id "
                       "FROM products WHERE sku > $1 ORDER BY sku LIMIT $2",
    [Q_POSITIONS_BY_SKU] =
        POSITION_COLS "WHERE p.sku = $1",
    /* Key order: every transaction locks a SKU's positions the same way round. */
    [Q_POSITIONS_LOCK] =
        POSITION_COLS "WHERE p.sku = $1 "
        "ORDER BY p.location_id, p.stock_type, p.transit_ref, p.channel_id FOR UPDATE OF p",
    [Q_ORDER_LOCK] = "SELECT 1 FROM orders WHERE id = $1 FOR UPDATE",
    [Q_SKU_EXISTS] = "SELECT EXISTS(SELECT 1 FROM products WHERE sku = $1) "
                     "OR EXISTS(SELECT 1 FROM positions WHERE sku = $1)",
    [Q_SKU_PAGE] = "SELECT s.sku, coalesce(p.name, '') FROM (" SKU_ALL
                   ") s LEFT JOIN products p ON p.sku = s.sku ORDER BY s.sku LIMIT $2",
    /* The staged rows of an import (pg_position_import), free of duplicates by then: all in
     * one statement, when Q_IMPORT_SPLIT met a position created meanwhile. */
    [Q_IMPORT_APPLY] = IMPORT_INSERT("") IMPORT_UPSERT,
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
    /* A whole order in one statement: its row, its lines, its shipments (seq from a
     * sequence: it increases across every server's placements) with their items, and its
     * payment; the children come as arrays of one element per row ($16.., see
     * pg_order_insert). */
    [Q_ORDER_INSERT] =
        "WITH o AS (INSERT INTO orders(id, number, access_token, status, email, currency, "
        "total, ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, ship_country, "
        "created_at, channel_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, coalesce(nullif($14::text, ''), " NOW_ISO "), $15) RETURNING created_at), "
        "l AS (INSERT INTO order_lines(order_id, n, sku, name, quantity, unit_price, amount) "
        "SELECT $1, * FROM unnest($16::int[], $17::text[], $18::text[], $19::bigint[], "
        "$20::bigint[], $21::bigint[])), "
        "s AS (INSERT INTO shipments(id, seq, order_id, n, status, stock_type, location_id, "
        "transit_ref, stock_date, expected_from, expected_to, expected_message, amount, "
        "tracking_number, shipped_at, promised_from, promised_to, promised_message, overdue) "
        "SELECT u.id, nextval('shipment_seq'), $1, u.n, u.status, u.stock_type, "
        "u.location_id, u.transit_ref, u.stock_date, u.expected_from, u.expected_to, "
        "u.expected_message, u.amount, u.tracking_number, u.shipped_at, u.promised_from, "
        "u.promised_to, u.promised_message, u.overdue FROM unnest($22::text[], $23::int[], "
        "$24::int[], $25::int[], $26::text[], $27::text[], $28::int[], $29::int[], "
        "$30::int[], $31::text[], $32::bigint[], $33::text[], $34::text[], $35::bigint[], "
        "$36::bigint[], $37::text[], $38::int[]) AS u(id, n, status, stock_type, "
        "location_id, transit_ref, stock_date, expected_from, expected_to, expected_message, "
        "amount, tracking_number, shipped_at, promised_from, promised_to, promised_message, "
        "overdue)), "
        "i AS (INSERT INTO shipment_items(shipment_id, n, sku, quantity) SELECT * FROM "
        "unnest($39::text[], $40::int[], $41::text[], $42::bigint[])), "
        "p AS (INSERT INTO payments(order_id, provider, ref, authorized, captured, voided, "
        "refunded) VALUES($1, $43, $44, $45, $46, $47, $48)) "
        "SELECT created_at FROM o",
    /* seq from a sequence: it increases across every server's placements. */
    [Q_SHIPMENT_INSERT] =
        "INSERT INTO shipments(id, seq, order_id, n, status, stock_type, location_id, "
        "transit_ref, stock_date, expected_from, expected_to, expected_message, amount, "
        "tracking_number, shipped_at, promised_from, promised_to, promised_message, overdue) "
        "VALUES($1, nextval('shipment_seq'), $2, coalesce($3::bigint, (SELECT coalesce(max(n), "
        "-1) + 1 FROM shipments WHERE order_id = $2)), $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15, $16, $17, $18) RETURNING seq",
    [Q_SHIPMENT_ITEM_INSERT] = "INSERT INTO shipment_items(shipment_id, n, sku, quantity) "
                               "VALUES($1, $2, $3, $4)",
    [Q_ORDER_GET] = "SELECT id, number, access_token, status, email, currency, total, "
                    "ship_name, ship_line1, ship_line2, ship_city, ship_postal_code, "
                    "ship_country, created_at, channel_id FROM orders WHERE id = $1",
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
    [Q_POSITION_ALLOCATE] = "UPDATE positions SET allocated = allocated + $6 WHERE "
                            POSITION_KEY " AND quantity - reserved - allocated >= $6",
    /* Locked: the figures checked are the ones the update then changes. */
    [Q_POSITION_GET] = "SELECT quantity, allocated FROM positions WHERE " POSITION_KEY
                       " FOR UPDATE",
    /* Another server may create the same onhand position meanwhile: then add to it. */
    [Q_POSITION_CREATE] = "INSERT INTO positions(sku, location_id, stock_type, transit_ref, "
                          "channel_id, order_date, stock_date, quantity, reserved, allocated) "
                          "VALUES($1, $2, $3, $4, $5, NULL, NULL, $6, 0, $7) "
                          "ON CONFLICT (sku, location_id, stock_type, transit_ref, channel_id) "
                          "DO UPDATE "
                          "SET quantity = positions.quantity + excluded.quantity, "
                          "allocated = positions.allocated + excluded.allocated",
    [Q_POSITION_ADJUST] = "UPDATE positions SET quantity = quantity + $6, "
                          "allocated = allocated + $7 WHERE " POSITION_KEY,
    [Q_ALLOC_GET] = "SELECT quantity FROM allocations WHERE " POSITION_KEY
                    " AND shipment_id = $6 FOR UPDATE",
    [Q_ALLOC_UPSERT] =
        "INSERT INTO allocations(shipment_id, sku, location_id, stock_type, transit_ref, "
        "channel_id, quantity) VALUES($6, $1, $2, $3, $4, $5, $7) ON CONFLICT (shipment_id, "
        "sku, location_id, stock_type, transit_ref, channel_id) DO UPDATE SET "
        "quantity = allocations.quantity + excluded.quantity",
    [Q_ALLOC_TAKE] = "UPDATE allocations SET quantity = quantity + $7 WHERE " POSITION_KEY
                     " AND shipment_id = $6",
    [Q_ALLOC_REMOVE] = "DELETE FROM allocations WHERE " POSITION_KEY " AND shipment_id = $6",
    [Q_ALLOC_BY_SHIPMENT] = ALLOC_COLS "WHERE a.shipment_id = $1 ORDER BY a.sku, "
                                       "a.location_id, a.stock_type, a.transit_ref, "
                                       "a.channel_id",
    [Q_ALLOC_BY_POSITION] = ALLOC_COLS "WHERE a.sku = $1 AND a.location_id = $2 AND "
                                       "a.stock_type = $3 AND a.transit_ref = $4 AND "
                                       "a.channel_id = $5 ORDER BY o.number, s.seq",
    [Q_ALLOC_DELETE] = "DELETE FROM allocations WHERE shipment_id = $1",
    [Q_SHIPMENT_SAVE] =
        "UPDATE shipments SET status = $2, stock_type = $3, location_id = $4, "
        "transit_ref = $5, stock_date = $6, expected_from = $7, expected_to = $8, "
        "expected_message = $9, amount = $10, overdue = $11, delay_consent = $12, "
        "delay_detected = $13, delay_prev_from = $14, delay_prev_to = $15, "
        "delay_exp_from = $16, delay_exp_to = $17, delay_respond_by = $18, "
        "delay_required = $19, accepted_to = $20, accepted_undated = $21, "
        "consented_before = $22, delay_notified = $23, bar_units = $24 WHERE id = $1",
    [Q_SHIPMENT_ITEMS_DELETE] = "DELETE FROM shipment_items WHERE shipment_id = $1",
    [Q_SHIPMENT_DELETE] = "DELETE FROM shipments WHERE id = $1",
    [Q_TRANSIT_PAGE] = "SELECT sku, location_id, stock_type, transit_ref, order_date, stock_date, "
                       "quantity, reserved, allocated, channel_id FROM positions WHERE "
                       "stock_type = 1 AND "
                       "(sku, location_id, transit_ref, channel_id) > "
                       "($1::text, $2::text, $3::text, $7::bigint) AND "
                       "($4::text IS NULL OR sku = $4::text) AND "
                       "($5::bigint IS NULL OR stock_date < $5::bigint) "
                       "ORDER BY sku, location_id, transit_ref, channel_id LIMIT $6",
    /* The SKUs an import changed that have allocations, with no index on changed_run to
     * keep up on every row an import writes: from each staged row (here), or for a large
     * import from each allocated SKU (Q_REPLAN_SKUS_ALLOC; pg_replan_skus picks). LATERAL
     * ... LIMIT 1 holds the planner to one probe of an index per row. */
    [Q_REPLAN_SKUS] = "SELECT DISTINCT s.sku FROM import_stage s CROSS JOIN LATERAL "
                      "(SELECT 1 FROM allocations a WHERE a.sku = s.sku LIMIT 1) a "
                      "CROSS JOIN LATERAL" IMPORT_POSITION_AND("p.changed_run = $1 LIMIT 1")
                      " p ORDER BY s.sku",
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
                         "reserved < 0 OR allocated < 0 OR allocated > GREATEST(0, quantity - "
                         "reserved) ORDER BY sku, location_id, "
                         "stock_type, transit_ref",
    [Q_CHECK_CLOSED_ALLOC] =
        "SELECT a.sku, a.location_id, a.stock_type, a.transit_ref, a.shipment_id, "
        "a.quantity, s.status, a.channel_id FROM allocations a JOIN shipments s "
        "ON s.id = a.shipment_id "
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
    /* Products (SPEC 5.3); the same statements as SQLite's, but for the import's SKUs,
     * read from its stage rather than from all positions. */
    [Q_IMPORT_UNSOLD] =
        "SELECT sku, count(*) OVER () FROM (SELECT DISTINCT sku FROM import_stage s "
        "WHERE NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = s.sku)) "
        "d ORDER BY sku LIMIT $1",
    [Q_IMPORT_WARNING_SAVE] = "INSERT INTO import_warnings(import_id, n, sku, message) "
                              "VALUES($1, $2, $3, $4)",
    [Q_IMPORT_WARNING_TOTAL] = "UPDATE imports SET total_warnings = $2 WHERE id = $1",
    [Q_IMPORT_WARNINGS] = "SELECT w.sku, w.message, i.total_warnings FROM imports i "
                          "JOIN import_warnings w ON w.import_id = i.id WHERE i.id = $1 "
                          "ORDER BY w.n LIMIT $2",
    [Q_PRODUCT_FIND] = "SELECT sku, name, price, currency, description, image_url, item_id "
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
    /* Run as a transaction of its own (autocommit) that does not wait for the WAL flush:
     * set_config(..., true) holds until that transaction's commit (see pg_testpay_record). */
    [Q_TESTPAY_RECORD] =
        "INSERT INTO test_payments(key, kind, amount, code, ref, message, calls) "
        "SELECT $1, $2, $3, $4, $5, $6, 1 FROM (SELECT set_config('synchronous_commit', "
        "'off', true)) c ON CONFLICT (key) DO UPDATE SET "
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
    /* The same in two parts, cheaper for new positions (pg_import_apply): those that exist
     * and that the row changes (one that repeats the stored values is not even locked: ON
     * CONFLICT would write a lock into each), and the new ones without ON CONFLICT's
     * speculative insertion. One statement, so one snapshot splits the rows: a position
     * created by another transaction after it fails the insert, none is skipped by both. */
    [Q_IMPORT_SPLIT] = "WITH existing AS (" IMPORT_INSERT("WHERE EXISTS" IMPORT_POSITION_AND(
                           "(p.order_date, p.stock_date, p.quantity, p.reserved) IS DISTINCT "
                           "FROM (s.order_date, s.stock_date, s.quantity, s.reserved)"))
                           IMPORT_UPSERT ") " IMPORT_INSERT("WHERE NOT EXISTS" IMPORT_POSITION),
    [Q_POSITIONS_PAGE] =
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku > $1 ORDER BY sku LIMIT $2) ORDER BY p.sku",
    /* The sweep (SPEC 5.8): open shipments whose transit stock date has passed and that
     * are not flagged overdue yet; PENDING delays past respondBy. Partial indexes keep
     * both to the few rows that match. */
    [Q_OVERDUE_SKUS] = "SELECT DISTINCT i.sku FROM shipments s JOIN shipment_items i "
                       "ON i.shipment_id = s.id WHERE s.stock_type = 1 AND s.status <= 1 "
                       "AND s.overdue = 0 AND s.stock_date < $1 ORDER BY i.sku",
    [Q_DELAYS_DUE] = "SELECT id FROM shipments WHERE delay_consent = 1 AND status <= 1 "
                     "AND delay_respond_by < $1 ORDER BY seq",
    [Q_ORDER_PAGE_DELAYED] =
        "SELECT o.id FROM orders o WHERE ($1::text IS NULL OR "
        "o.number < (SELECT number FROM orders WHERE id = $1::text)) AND o.id IN "
        "(SELECT order_id FROM shipments WHERE delay_consent <> 0 AND status <= 1) "
        "ORDER BY o.number DESC LIMIT $2",
    /* One server sweeps at a time ("sweep" in ASCII); held until the transaction ends. */
    [Q_SWEEP_LOCK] = "SELECT 1 WHERE pg_try_advisory_xact_lock(1937204581)",
    [Q_SWEEP_DONE] = "INSERT INTO sweeps(day, at) VALUES($1, " NOW_ISO ") "
                     "ON CONFLICT(day) DO UPDATE SET at = excluded.at",
    [Q_CHECK_SWEEP] = "SELECT s.id, s.delay_respond_by, w.day FROM shipments s, "
                      "(SELECT max(day) AS day FROM sweeps) w WHERE s.delay_consent = 1 "
                      "AND s.status <= 1 AND s.delay_respond_by < w.day ORDER BY s.seq",
    [Q_PRODUCT_BY_ITEM] = "SELECT sku FROM products WHERE item_id = $1",
    [Q_LIMITS_GET] = "SELECT safety_stock, preorder_limit, backorder_limit, low_stock "
                     "FROM limits WHERE sku = $1 AND location_id = $2",
    [Q_LIMITS_PUT] =
        "INSERT INTO limits(sku, location_id, safety_stock, preorder_limit, backorder_limit, "
        "low_stock) VALUES($1, $2, $3, $4, $5, $6) ON CONFLICT(sku, location_id) DO UPDATE "
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
                 "type, location_id) VALUES($1, $2, $3, $4, $5, $6, $7, $8)",
    [Q_BO_BY_ID] = BO_COLS "WHERE b.id = $1" BO_ORDER,
    [Q_BO_BY_ORDER] = BO_COLS "WHERE b.order_number = $1" BO_ORDER,
    [Q_BO_BY_SKU] = BO_COLS "WHERE b.sku = $1" BO_ORDER,
    [Q_BO_ALL] = BO_COLS BO_ORDER,
    [Q_BO_CONSENTED] = "UPDATE backorders SET consent_at = $1 WHERE order_id = $2 AND sku = $3",
    /* The mail worker's batches: up to $4 due emails leased in one statement (SKIP LOCKED as
     * above), oldest first; outcomes saved in one, from arrays of the same length. */
    [Q_OUTBOX_CLAIM_MANY] =
        "WITH d AS (SELECT id FROM outbox WHERE status = $1 AND next_attempt_at <= $2 "
        "ORDER BY next_attempt_at, seq LIMIT $4 FOR UPDATE SKIP LOCKED), "
        "u AS (UPDATE outbox o SET next_attempt_at = $3 FROM d WHERE o.id = d.id "
        "RETURNING o.seq, o.id, o.kind, o.order_id, o.from_addr, o.to_addr, o.subject, "
        "o.status, o.attempts, o.last_error, o.next_attempt_at, o.created_at, o.text, o.html) "
        "SELECT id, kind, order_id, from_addr, to_addr, subject, status, attempts, "
        "last_error, next_attempt_at, created_at, text, html FROM u ORDER BY seq",
    [Q_OUTBOX_UPDATE_MANY] =
        "UPDATE outbox o SET status = u.status, attempts = u.attempts, "
        "last_error = u.last_error, next_attempt_at = u.next FROM unnest($1::text[], "
        "$2::int[], $3::int[], $4::text[], $5::bigint[]) AS u(id, status, attempts, "
        "last_error, next) WHERE o.id = u.id",
    /* fabric's offset-paged lists (SPEC 9); a location's SKUs through positions_location. */
    [Q_LOC_SKU_COUNT] = "SELECT count(DISTINCT sku) FROM positions WHERE location_id = $1",
    [Q_LOC_POSITIONS_PAGE] =
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE location_id = $1 ORDER BY sku LIMIT $2 OFFSET $3) ORDER BY p.sku",
    [Q_POSITION_COUNT] = "SELECT count(*) FROM positions",
    /* Counted for the one row found: PostgreSQL would count for every row OFFSET skips. */
    [Q_POSITION_AT] = "SELECT a.sku, (SELECT count(*) FROM positions b WHERE b.sku < a.sku) "
                      "FROM (SELECT sku FROM positions ORDER BY sku LIMIT 1 OFFSET $1) a",
    [Q_POSITIONS_FROM] =
        POSITION_COLS "WHERE p.sku IN (SELECT DISTINCT sku FROM positions "
        "WHERE sku >= $1 ORDER BY sku LIMIT $2) ORDER BY p.sku",
    /* Q_POSITION_ALLOCATE that fails its transaction when it changes no row: the division
     * by zero (22012) stands for "not enough stock" (see pg_fail). */
    [Q_POSITION_ALLOCATE_SENT] =
        "WITH u AS (UPDATE positions SET allocated = allocated + $6 WHERE " POSITION_KEY
        " AND quantity - reserved - allocated >= $6 RETURNING 1) SELECT 1 / count(*) FROM u",
    [Q_REPLAN_SKUS_ALLOC] = "SELECT a.sku FROM (SELECT DISTINCT sku FROM allocations) a "
                            "CROSS JOIN LATERAL (SELECT 1 FROM positions p WHERE p.sku = a.sku "
                            "AND p.changed_run = $1 LIMIT 1) p ORDER BY a.sku",
};

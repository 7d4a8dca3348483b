/* SQLite backend: orders, shipments, allocations and carts. */
#include "store/sqlite/sqlite_int.h"

int sq_order_next_number(struct store *st, int64_t *number, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_NEXT_NUMBER, e);
    if (!q)
        return e->code;
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "number an order"));
    *number = sqlite3_column_int64(q, 0);
    return sq_done(q, 0);
}

/* Writes a shipment's items, numbered in order. */
static int insert_items(struct sqlite_store *s, const struct shipment_rec *sh, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_ITEM_INSERT, e);
    int rc = q ? 0 : e->code;
    for (size_t i = 0; !rc && i < sh->nitems; i++) {
        sq_bind_text(q, 1, sh->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sq_bind_text(q, 3, sh->items[i].sku);
        sqlite3_bind_int64(q, 4, sh->items[i].quantity);
        rc = sq_run(s, q, e, "save a shipment's items");
    }
    return rc;
}

/* Inserts one shipment (the n-th of its order) and its items; sets sh->seq. */
static int insert_shipment(struct sqlite_store *s, const char *order_id, size_t n,
                           struct shipment_rec *sh, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_INSERT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sh->id);
    sq_bind_text(q, 2, order_id);
    if (n == SIZE_MAX) /* the next in its order */
        sqlite3_bind_null(q, 3);
    else
        sqlite3_bind_int64(q, 3, (sqlite3_int64)n);
    sqlite3_bind_int(q, 4, sh->status);
    sqlite3_bind_int(q, 5, sh->stock_type);
    sq_bind_text(q, 6, sh->location_id);
    sq_bind_text(q, 7, sh->transit_ref);
    sq_bind_date(q, 8, sh->stock_date);
    sq_bind_date(q, 9, sh->expected.from);
    sq_bind_date(q, 10, sh->expected.to);
    sq_bind_text(q, 11, sh->expected.message);
    sqlite3_bind_int64(q, 12, sh->amount);
    sq_bind_text(q, 13, sh->tracking_number);
    sq_bind_text(q, 14, sh->shipped_at);
    sq_bind_date(q, 15, sh->promised.from);
    sq_bind_date(q, 16, sh->promised.to);
    sq_bind_text(q, 17, sh->promised.message);
    sqlite3_bind_int(q, 18, sh->overdue);
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "save a shipment"));
    sh->seq = sqlite3_column_int64(q, 0);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save a shipment"));
    sq_done(q, 0);
    return insert_items(s, sh, e);
}

int sq_order_insert(struct store *st, struct order_rec *o, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_INSERT, e);
    if (!q)
        return e->code;
    const struct address *a = &o->address;
    sq_bind_text(q, 1, o->id);
    sqlite3_bind_int64(q, 2, o->number);
    sq_bind_text(q, 3, o->access_token);
    sqlite3_bind_int(q, 4, o->status);
    sq_bind_text(q, 5, o->email);
    sq_bind_text(q, 6, o->currency);
    sqlite3_bind_int64(q, 7, o->total);
    sq_bind_text(q, 8, a->name);
    sq_bind_text(q, 9, a->line1);
    sq_bind_text(q, 10, a->line2);
    sq_bind_text(q, 11, a->city);
    sq_bind_text(q, 12, a->postal_code);
    sq_bind_text(q, 13, a->country);
    sq_bind_text(q, 14, o->created_at);
    sqlite3_bind_int64(q, 15, o->channel_id);
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "save the order"));
    /* The database's clock fills an empty created_at; hand the value back. */
    char created[sizeof o->created_at];
    sq_col_copy(q, 0, created, sizeof created);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save the order"));
    sq_done(q, 0);
    memcpy(o->created_at, created, sizeof created);

    if (!(q = sq_stmt(s, Q_ORDER_LINE_INSERT, e)))
        return e->code;
    for (size_t i = 0; i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        sq_bind_text(q, 1, o->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sq_bind_text(q, 3, l->sku);
        sq_bind_text(q, 4, l->name);
        sqlite3_bind_int64(q, 5, l->quantity);
        sqlite3_bind_int64(q, 6, l->unit_price);
        sqlite3_bind_int64(q, 7, l->amount);
        int rc = sq_run(s, q, e, "save the order's lines");
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
    if (!(q = sq_stmt(s, Q_PAYMENT_INSERT, e)))
        return e->code;
    const struct payment *p = &o->payment;
    sq_bind_text(q, 1, o->id);
    sq_bind_text(q, 2, p->provider);
    sq_bind_text(q, 3, p->ref);
    sqlite3_bind_int64(q, 4, p->authorized);
    sqlite3_bind_int64(q, 5, p->captured);
    sqlite3_bind_int64(q, 6, p->voided);
    sqlite3_bind_int64(q, 7, p->refunded);
    return sq_run(s, q, e, "save the payment");
}

static void read_shipment(sqlite3_stmt *q, struct shipment_rec *sh)
{
    memset(sh, 0, sizeof *sh);
    sq_col_copy(q, 0, sh->id, sizeof sh->id);
    sq_col_copy(q, 1, sh->order_id, sizeof sh->order_id);
    sh->seq = sqlite3_column_int64(q, 2);
    sh->status = sqlite3_column_int(q, 3);
    sh->stock_type = sqlite3_column_int(q, 4);
    sq_col_copy(q, 5, sh->location_id, sizeof sh->location_id);
    sq_col_copy(q, 6, sh->transit_ref, sizeof sh->transit_ref);
    sh->stock_date = sq_col_date(q, 7);
    sh->expected.from = sq_col_date(q, 8);
    sh->expected.to = sq_col_date(q, 9);
    sq_col_copy(q, 10, sh->expected.message, sizeof sh->expected.message);
    sh->amount = sqlite3_column_int64(q, 11);
    sq_col_copy(q, 12, sh->tracking_number, sizeof sh->tracking_number);
    sq_col_copy(q, 13, sh->shipped_at, sizeof sh->shipped_at);
    sh->promised.from = sq_col_date(q, 14);
    sh->promised.to = sq_col_date(q, 15);
    sq_col_copy(q, 16, sh->promised.message, sizeof sh->promised.message);
    sh->payment_required = sqlite3_column_int(q, 17) != 0;
    sh->overdue = sqlite3_column_int(q, 18) != 0;
    struct shipment_delay *d = &sh->delay;
    d->st.consent = sqlite3_column_int(q, 19);
    d->detected = sq_col_date(q, 20);
    d->previous_from = sq_col_date(q, 21);
    d->previous_to = sq_col_date(q, 22);
    d->expected_from = sq_col_date(q, 23);
    d->st.expected_to = sq_col_date(q, 24);
    d->st.respond_by = sq_col_date(q, 25);
    d->st.consent_required = sqlite3_column_int(q, 26) != 0;
    d->st.accepted_to = sq_col_date(q, 27);
    d->st.accepted_undated = sqlite3_column_int(q, 28) != 0;
    d->st.consented_before = sqlite3_column_int(q, 29) != 0;
    d->notified = sq_col_date(q, 30);
    d->st.bar_units = sqlite3_column_int64(q, 31);
}

/* Fills sh->items, which the caller owns even when this fails. */
static int load_items(struct sqlite_store *s, struct shipment_rec *sh, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_ITEMS, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sh->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct shipment_item *v = sq_grow(sh->items, sh->nitems, &cap, sizeof *v);
        if (!v)
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        sh->items = v;
        struct shipment_item *it = &v[sh->nitems++];
        sq_col_copy(q, 0, it->sku, sizeof it->sku);
        it->quantity = sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read a shipment's items"));
    return sq_done(q, 0);
}

/* Lines, shipments and (when money) payment of an order whose own row is in o; o owns what
 * it gets. */
static int load_order_parts(struct sqlite_store *s, struct order_rec *o, bool money, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_LINES, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, o->id);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct order_line *v = sq_grow(o->lines, o->nlines, &cap, sizeof *v);
        if (!v)
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        o->lines = v;
        struct order_line *l = &v[o->nlines++];
        sq_col_copy(q, 0, l->sku, sizeof l->sku);
        sq_col_copy(q, 1, l->name, sizeof l->name);
        l->quantity = sqlite3_column_int64(q, 2);
        l->unit_price = sqlite3_column_int64(q, 3);
        l->amount = sqlite3_column_int64(q, 4);
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read the order's lines"));
    sq_done(q, 0);

    if (!(q = sq_stmt(s, Q_ORDER_SHIPMENTS, e)))
        return e->code;
    sq_bind_text(q, 1, o->id);
    cap = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct shipment_rec *v = sq_grow(o->shipments, o->nshipments, &cap, sizeof *v);
        if (!v)
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        o->shipments = v;
        struct shipment_rec *sh = &v[o->nshipments++];
        read_shipment(q, sh);
        int r = load_items(s, sh, e);
        if (r)
            return sq_done(q, r);
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read the order's shipments"));
    sq_done(q, 0);
    if (!money)
        return 0;

    if (!(q = sq_stmt(s, Q_PAYMENT_GET, e)))
        return e->code;
    sq_bind_text(q, 1, o->id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        struct payment *p = &o->payment;
        sq_col_copy(q, 0, p->provider, sizeof p->provider);
        sq_col_copy(q, 1, p->ref, sizeof p->ref);
        p->authorized = sqlite3_column_int64(q, 2);
        p->captured = sqlite3_column_int64(q, 3);
        p->voided = sqlite3_column_int64(q, 4);
        p->refunded = sqlite3_column_int64(q, 5);
        /* Not stored: the amounts decide it, so the two can never disagree. */
        p->status = order_payment_status(p);
    } else if (rc != SQLITE_DONE) {
        return sq_done(q, sq_fail(s, e, "read the order's payment"));
    }
    sq_done(q, 0);

    if (!(q = sq_stmt(s, Q_INTENTS_BY_ORDER, e)))
        return e->code;
    sq_bind_text(q, 1, o->id);
    return sq_read_intents(s, q, &o->events, &o->nevents, e);
}

static int order_read(struct store *st, const char *id, struct order_rec *o, bool money,
                      err_t *e)
{
    struct sqlite_store *s = S(st);
    memset(o, 0, sizeof *o);
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no order %s", id));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read an order"));
    sq_col_copy(q, 0, o->id, sizeof o->id);
    o->number = sqlite3_column_int64(q, 1);
    sq_col_copy(q, 2, o->access_token, sizeof o->access_token);
    o->status = sqlite3_column_int(q, 3);
    sq_col_copy(q, 4, o->email, sizeof o->email);
    sq_col_copy(q, 5, o->currency, sizeof o->currency);
    o->total = sqlite3_column_int64(q, 6);
    struct address *a = &o->address;
    sq_col_copy(q, 7, a->name, sizeof a->name);
    sq_col_copy(q, 8, a->line1, sizeof a->line1);
    sq_col_copy(q, 9, a->line2, sizeof a->line2);
    sq_col_copy(q, 10, a->city, sizeof a->city);
    sq_col_copy(q, 11, a->postal_code, sizeof a->postal_code);
    sq_col_copy(q, 12, a->country, sizeof a->country);
    sq_col_copy(q, 13, o->created_at, sizeof o->created_at);
    o->channel_id = sqlite3_column_int64(q, 14);
    sq_done(q, 0);
    rc = load_order_parts(s, o, money, e);
    if (rc)
        order_rec_free(o);
    return rc;
}

int sq_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return order_read(st, id, o, true, e);
}

int sq_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return order_read(st, id, o, false, e);
}

static void read_order_id(sqlite3_stmt *q, void *dst)
{
    sq_col_copy(q, 0, dst, ORDER_ID_MAX);
}

static int order_page(struct store *st, enum stmt_id id, const char *before, size_t limit,
                      char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    *ids = NULL;
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, id, e);
    if (!q)
        return e->code;
    if (before && *before)
        sq_bind_text(q, 1, before);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return sq_list_rows(s, q, limit, sizeof **ids, read_order_id, (void **)ids, n,
                        "list orders", e);
}

int sq_order_page(struct store *st, const char *before, size_t limit,
                  char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE, before, limit, ids, n, e);
}

int sq_order_page_delayed(struct store *st, const char *before, size_t limit,
                          char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE_DELAYED, before, limit, ids, n, e);
}

int sq_order_by_shipment(struct store *st, const char *shipment_id,
                         char order_id[ORDER_ID_MAX], err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_BY_SHIPMENT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, shipment_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read a shipment"));
    sq_col_copy(q, 0, order_id, ORDER_ID_MAX);
    return sq_done(q, 0);
}

int sq_order_set_status(struct store *st, const char *id, int status, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_ORDER_SET_STATUS, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    sqlite3_bind_int(q, 2, status);
    return sq_update_one(s, q, e, "save an order's status", "order", id);
}

int sq_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_UPDATE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sh->id);
    sqlite3_bind_int(q, 2, sh->status);
    sq_bind_text(q, 3, sh->tracking_number);
    sq_bind_text(q, 4, sh->shipped_at);
    sqlite3_bind_int(q, 5, sh->payment_required);
    return sq_update_one(s, q, e, "save a shipment", "shipment", sh->id);
}

int sq_payment_update(struct store *st, const char *order_id, const struct payment *p,
                      err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PAYMENT_UPDATE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, order_id);
    sq_bind_text(q, 2, p->provider);
    sq_bind_text(q, 3, p->ref);
    sqlite3_bind_int64(q, 4, p->authorized);
    sqlite3_bind_int64(q, 5, p->captured);
    sqlite3_bind_int64(q, 6, p->voided);
    sqlite3_bind_int64(q, 7, p->refunded);
    return sq_update_one(s, q, e, "save a payment", "payment for order", order_id);
}

int sq_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                   int64_t amount, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_CAPTURE_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, order_id);
    sq_bind_text(q, 2, shipment_id); /* NULL binds NULL */
    sqlite3_bind_int64(q, 3, amount);
    return sq_run(s, q, e, "record a capture");
}

int sq_position_allocate(struct store *st, const struct position *key, int64_t qty,
                         err_t *e)
{
    struct sqlite_store *s = S(st);
    char name[256];
    /* A negative qty would release units past the guard; releases go through adjust. */
    if (qty <= 0)
        return err_set(e, ERR_INVALID, "cannot allocate %lld units of %s", (long long)qty,
                       store_pos_name(key, name, sizeof name));
    sqlite3_stmt *q = sq_stmt(s, Q_POSITION_ALLOCATE, e);
    if (!q)
        return e->code;
    sq_bind_key(q, key);
    sqlite3_bind_int64(q, 6, qty);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "allocate stock"));
    if (sqlite3_changes(s->db) == 0)
        return sq_done(q, err_set(e, ERR_CONFLICT, "not enough stock of %s",
                                  store_pos_name(key, name, sizeof name)));
    return sq_done(q, 0);
}

int sq_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                       int64_t d_allocated, err_t *e)
{
    struct sqlite_store *s = S(st);
    char name[256];
    sqlite3_stmt *q = sq_stmt(s, Q_POSITION_GET, e);
    if (!q)
        return e->code;
    sq_bind_key(q, key);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read a position"));
    bool exists = rc == SQLITE_ROW;
    int64_t quantity = exists ? sqlite3_column_int64(q, 0) : 0;
    int64_t allocated = exists ? sqlite3_column_int64(q, 1) : 0;
    sq_done(q, 0);
    if (!exists && key->stock_type != STOCK_ONHAND)
        return err_set(e, ERR_NOTFOUND, "no position %s", store_pos_name(key, name, sizeof name));
    /* Checked here rather than left to the CHECK constraints, for a message that says which
     * figure would go wrong. */
    if (quantity + d_quantity < 0 || allocated + d_allocated < 0)
        return err_set(e, ERR_CONFLICT,
                       "%s cannot fall below zero: quantity %lld%+lld, allocated %lld%+lld",
                       store_pos_name(key, name, sizeof name), (long long)quantity,
                       (long long)d_quantity, (long long)allocated, (long long)d_allocated);
    if (!(q = sq_stmt(s, exists ? Q_POSITION_ADJUST : Q_POSITION_CREATE, e)))
        return e->code;
    sq_bind_key(q, key);
    sqlite3_bind_int64(q, 6, d_quantity);
    sqlite3_bind_int64(q, 7, d_allocated);
    return sq_run(s, q, e, "save a position");
}

int sq_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                 int64_t qty, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q;
    int64_t held = 0;
    if (qty == 0)
        return 0;
    if (qty < 0) {
        /* Rows never hold zero (CHECK quantity > 0): find out whether this empties it. */
        if (!(q = sq_stmt(s, Q_ALLOC_GET, e)))
            return e->code;
        sq_bind_key(q, key);
        sq_bind_text(q, 6, shipment_id);
        int rc = sqlite3_step(q);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
            return sq_done(q, sq_fail(s, e, "read an allocation"));
        held = rc == SQLITE_ROW ? sqlite3_column_int64(q, 0) : 0;
        sq_done(q, 0);
        char name[256];
        if (held + qty < 0)
            return err_set(e, ERR_CONFLICT, "shipment %s holds only %lld units of %s",
                           shipment_id, (long long)held, store_pos_name(key, name, sizeof name));
    }
    /* Not one upsert for both signs: SQLite checks the proposed row's CHECK before it
     * sees the conflict, so a negative qty could never reach DO UPDATE. */
    enum stmt_id id = qty > 0          ? Q_ALLOC_UPSERT
                      : held + qty > 0 ? Q_ALLOC_TAKE
                                       : Q_ALLOC_REMOVE;
    if (!(q = sq_stmt(s, id, e)))
        return e->code;
    sq_bind_key(q, key);
    sq_bind_text(q, 6, shipment_id);
    if (id != Q_ALLOC_REMOVE)
        sqlite3_bind_int64(q, 7, qty);
    return sq_run(s, q, e, "save an allocation");
}

int sq_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                  struct alloc_row **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    if (!shipment_id && !key)
        return err_set(e, ERR_INVALID, "name a shipment or a position to list allocations");
    sqlite3_stmt *q = sq_stmt(s, shipment_id ? Q_ALLOC_BY_SHIPMENT : Q_ALLOC_BY_POSITION, e);
    if (!q)
        return e->code;
    if (shipment_id)
        sq_bind_text(q, 1, shipment_id);
    else
        sq_bind_key(q, key);
    struct alloc_row *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct alloc_row *nv = sq_grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        struct alloc_row *r = &v[len++];
        memset(r, 0, sizeof *r);
        sq_col_copy(q, 0, r->shipment_id, sizeof r->shipment_id);
        r->shipment_seq = sqlite3_column_int64(q, 1);
        r->order_number = sqlite3_column_int64(q, 7);
        r->stock_date = sq_col_date(q, 8);
        sq_col_copy(q, 2, r->pos.sku, sizeof r->pos.sku);
        sq_col_copy(q, 3, r->pos.location_id, sizeof r->pos.location_id);
        r->pos.stock_type = sqlite3_column_int(q, 4);
        sq_col_copy(q, 5, r->pos.transit_ref, sizeof r->pos.transit_ref);
        r->pos.channel_id = sqlite3_column_int64(q, 9);
        r->order_channel = sqlite3_column_int64(q, 10);
        r->pos.order_date = r->pos.stock_date = DATE_NONE;
        r->quantity = sqlite3_column_int64(q, 6);
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return sq_done(q, sq_fail(s, e, "list allocations"));
    }
    *out = v;
    *n = len;
    return sq_done(q, 0);
}

int sq_alloc_delete(struct store *st, const char *shipment_id, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_ALLOC_DELETE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, shipment_id);
    return sq_run(s, q, e, "release a shipment's allocations");
}

int sq_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                    err_t *e)
{
    struct sqlite_store *s = S(st);
    memset(out, 0, sizeof *out);
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no shipment %s", id));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read a shipment"));
    read_shipment(q, out);
    sq_done(q, 0);
    rc = load_items(s, out, e);
    if (rc) {
        free(out->items);
        out->items = NULL;
        out->nitems = 0;
    }
    return rc;
}

int sq_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e)
{
    return insert_shipment(S(st), sh->order_id, SIZE_MAX, sh, e);
}

int sq_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SHIPMENT_SAVE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sh->id);
    sqlite3_bind_int(q, 2, sh->status);
    sqlite3_bind_int(q, 3, sh->stock_type);
    sq_bind_text(q, 4, sh->location_id);
    sq_bind_text(q, 5, sh->transit_ref);
    sq_bind_date(q, 6, sh->stock_date);
    sq_bind_date(q, 7, sh->expected.from);
    sq_bind_date(q, 8, sh->expected.to);
    sq_bind_text(q, 9, sh->expected.message);
    sqlite3_bind_int64(q, 10, sh->amount);
    const struct shipment_delay *d = &sh->delay;
    sqlite3_bind_int(q, 11, sh->overdue);
    sqlite3_bind_int(q, 12, d->st.consent);
    sq_bind_date(q, 13, d->detected);
    sq_bind_date(q, 14, d->previous_from);
    sq_bind_date(q, 15, d->previous_to);
    sq_bind_date(q, 16, d->expected_from);
    sq_bind_date(q, 17, d->st.expected_to);
    sq_bind_date(q, 18, d->st.respond_by);
    sqlite3_bind_int(q, 19, d->st.consent_required);
    sq_bind_date(q, 20, d->st.accepted_to);
    sqlite3_bind_int(q, 21, d->st.accepted_undated);
    sqlite3_bind_int(q, 22, d->st.consented_before);
    sq_bind_date(q, 23, d->notified);
    sqlite3_bind_int64(q, 24, d->st.bar_units);
    int rc = sq_run(s, q, e, "save a shipment");
    if (rc || !(q = sq_stmt(s, Q_SHIPMENT_ITEMS_DELETE, e)))
        return rc ? rc : e->code;
    sq_bind_text(q, 1, sh->id);
    return (rc = sq_run(s, q, e, "save a shipment's items")) ? rc : insert_items(s, sh, e);
}

int sq_shipment_delete(struct store *st, const char *id, err_t *e)
{
    struct sqlite_store *s = S(st);
    const int steps[] = {Q_ALLOC_DELETE, Q_SHIPMENT_ITEMS_DELETE, Q_SHIPMENT_DELETE};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *q = sq_stmt(s, steps[i], e);
        if (!q)
            return e->code;
        sq_bind_text(q, 1, id);
        int rc = sq_run(s, q, e, "remove a shipment");
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
    sqlite3_stmt *q = sq_stmt(s, id, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, arg);
    char *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        char *nv = sq_grow(v, len, &cap, size);
        if (!nv) {
            free(v);
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        sq_col_copy(q, 0, v + len++ * size, size);
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return sq_done(q, sq_fail(s, e, what));
    }
    sq_done(q, 0);
    *out = v;
    *n = len;
    return 0;
}

int sq_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                   err_t *e)
{
    return text_list(st, Q_REPLAN_SKUS, run_id, sizeof **out, (void **)out, n,
                     "find the SKUs to re-plan", e);
}

int sq_overdue_skus(struct store *st, date_t today, char (**out)[ID_MAX + 1],
                           size_t *n, err_t *e)
{
    return text_list(st, Q_OVERDUE_SKUS, today, sizeof **out, (void **)out, n,
                     "find overdue shipments", e);
}

int sq_delays_due(struct store *st, date_t today, char (**out)[ORDER_ID_MAX], size_t *n,
                         err_t *e)
{
    return text_list(st, Q_DELAYS_DUE, today, sizeof **out, (void **)out, n,
                     "find delays past their answer date", e);
}

int sq_sweep_lock(struct store *st, bool *got, err_t *e)
{
    (void)st;
    (void)e;
    *got = true; /* BEGIN IMMEDIATE already made this the only writer */
    return 0;
}

int sq_sweep_done(struct store *st, date_t day, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SWEEP_DONE, e);
    if (!q)
        return e->code;
    sqlite3_bind_int(q, 1, day);
    return sq_run(s, q, e, "record the sweep");
}

/* --- carts --- */

int sq_cart_create(struct store *st, const char *id, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_CART_CREATE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return sq_done(q, err_set(e, ERR_CONFLICT, "cart %s already exists", id));
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "create a cart"));
    return sq_done(q, 0);
}

int sq_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                  size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_CART_LINES, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    struct shipment_item *v = NULL;
    size_t len = 0, cap = 0;
    bool found = false;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        found = true;
        if (sqlite3_column_type(q, 0) == SQLITE_NULL)
            continue; /* the cart exists and is empty */
        struct shipment_item *nv = sq_grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        sq_col_copy(q, 0, v[len].sku, sizeof v[len].sku);
        v[len].quantity = sqlite3_column_int64(q, 1);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return sq_done(q, sq_fail(s, e, "read a cart"));
    }
    if (!found)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no cart %s", id));
    *out = v;
    *n = len;
    return sq_done(q, 0);
}

int sq_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                err_t *e)
{
    struct sqlite_store *s = S(st);
    if (qty < 0)
        return err_set(e, ERR_INVALID, "a cart line cannot have a negative quantity");
    sqlite3_stmt *q = sq_stmt(s, Q_CART_EXISTS, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no cart %s", id));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read a cart"));
    sq_done(q, 0);
    if (!(q = sq_stmt(s, qty ? Q_CART_LINE_SET : Q_CART_LINE_DELETE, e)))
        return e->code;
    sq_bind_text(q, 1, id);
    sq_bind_text(q, 2, sku);
    if (qty)
        sqlite3_bind_int64(q, 3, qty);
    return sq_run(s, q, e, "save a cart line");
}

/* BEGIN IMMEDIATE already holds the only write lock: nothing more to take. */
int sq_order_lock(struct store *st, const char *id, err_t *e)
{
    (void)st;
    (void)id;
    (void)e;
    return 0;
}

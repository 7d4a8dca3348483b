/* PostgreSQL backend: orders, shipments, allocations and carts. */
#include "store/postgres/pg_int.h"

int pg_order_lock(struct store *st, const char *id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_ORDER_LOCK, &p, &n, e, "lock an order");
    return !rc && n == 0 ? err_set(e, ERR_NOTFOUND, "no order %s", id) : rc;
}

int pg_order_next_number(struct store *st, int64_t *number, err_t *e)
{
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_ORDER_NEXT_NUMBER, NULL, &r, e, "number an order");
    if (rc)
        return rc;
    *number = pg_col_i64(r, 0, 0);
    PQclear(r);
    return 0;
}

/* Writes a shipment's items, numbered in order. */
static int insert_items(struct pg_store *s, const struct shipment_rec *sh, err_t *e)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < sh->nitems; i++) {
        struct params q = {0};
        pg_p_text(&q, sh->id);
        pg_p_int(&q, (int64_t)i);
        pg_p_text(&q, sh->items[i].sku);
        pg_p_int(&q, sh->items[i].quantity);
        rc = pg_run(s, Q_SHIPMENT_ITEM_INSERT, &q, e, "save a shipment's items");
    }
    return rc;
}

/* Inserts one shipment (the n-th of its order) and its items; sets sh->seq. */
static int insert_shipment(struct pg_store *s, const char *order_id, size_t n,
                           struct shipment_rec *sh, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, sh->id);
    pg_p_text(&p, order_id);
    if (n == SIZE_MAX) /* the next in its order */
        pg_p_text(&p, NULL);
    else
        pg_p_int(&p, (int64_t)n);
    pg_p_int(&p, sh->status);
    pg_p_int(&p, sh->stock_type);
    pg_p_text(&p, sh->location_id);
    pg_p_text(&p, sh->transit_ref);
    pg_p_date(&p, sh->stock_date);
    pg_p_date(&p, sh->expected.from);
    pg_p_date(&p, sh->expected.to);
    pg_p_text(&p, sh->expected.message);
    pg_p_int(&p, sh->amount);
    pg_p_text(&p, sh->tracking_number);
    pg_p_text(&p, sh->shipped_at);
    pg_p_date(&p, sh->promised.from);
    pg_p_date(&p, sh->promised.to);
    pg_p_text(&p, sh->promised.message);
    pg_p_int(&p, sh->overdue);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SHIPMENT_INSERT, &p, &r, e, "save a shipment");
    if (rc)
        return rc;
    sh->seq = pg_col_i64(r, 0, 0);
    PQclear(r);
    return insert_items(s, sh, e);
}

/* The arrays of pg_order_insert's statement, in the order of its parameters $16..$42. */
enum {
    L_N, L_SKU, L_NAME, L_QTY, L_PRICE, L_AMOUNT,
    S_ID, S_N, S_STATUS, S_TYPE, S_LOC, S_REF, S_DATE, S_EXP_FROM, S_EXP_TO, S_EXP_MSG,
    S_AMOUNT, S_TRACKING, S_SHIPPED, S_PROM_FROM, S_PROM_TO, S_PROM_MSG, S_OVERDUE,
    I_SHIPMENT, I_N, I_SKU, I_QTY,
    ORDER_ARRAYS
};

static void order_arrays(const struct order_rec *o, struct buf *a)
{
    for (int k = 0; k < ORDER_ARRAYS; k++)
        buf_puts(&a[k], "{");
    for (size_t i = 0; i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        pg_array_int(&a[L_N], (int64_t)i);
        pg_array_put(&a[L_SKU], l->sku);
        pg_array_put(&a[L_NAME], l->name);
        pg_array_int(&a[L_QTY], l->quantity);
        pg_array_int(&a[L_PRICE], l->unit_price);
        pg_array_int(&a[L_AMOUNT], l->amount);
    }
    for (size_t i = 0; i < o->nshipments; i++) {
        const struct shipment_rec *sh = &o->shipments[i];
        pg_array_put(&a[S_ID], sh->id);
        pg_array_int(&a[S_N], (int64_t)i);
        pg_array_int(&a[S_STATUS], sh->status);
        pg_array_int(&a[S_TYPE], sh->stock_type);
        pg_array_put(&a[S_LOC], sh->location_id);
        pg_array_put(&a[S_REF], sh->transit_ref);
        pg_array_date(&a[S_DATE], sh->stock_date);
        pg_array_date(&a[S_EXP_FROM], sh->expected.from);
        pg_array_date(&a[S_EXP_TO], sh->expected.to);
        pg_array_put(&a[S_EXP_MSG], sh->expected.message);
        pg_array_int(&a[S_AMOUNT], sh->amount);
        pg_array_put(&a[S_TRACKING], sh->tracking_number);
        pg_array_put(&a[S_SHIPPED], sh->shipped_at);
        pg_array_date(&a[S_PROM_FROM], sh->promised.from);
        pg_array_date(&a[S_PROM_TO], sh->promised.to);
        pg_array_put(&a[S_PROM_MSG], sh->promised.message);
        pg_array_int(&a[S_OVERDUE], sh->overdue);
        for (size_t j = 0; j < sh->nitems; j++) {
            pg_array_put(&a[I_SHIPMENT], sh->id);
            pg_array_int(&a[I_N], (int64_t)j);
            pg_array_put(&a[I_SKU], sh->items[j].sku);
            pg_array_int(&a[I_QTY], sh->items[j].quantity);
        }
    }
    for (int k = 0; k < ORDER_ARRAYS; k++)
        buf_puts(&a[k], "}");
}

/* The order with its lines, shipments, items and payment in one statement rather than one
 * a row; with created_at given it is sent ahead without waiting, like the placement's other
 * INSERTs (a shipment's seq is not read back: nothing uses it at placement). */
int pg_order_insert(struct store *st, struct order_rec *o, err_t *e)
{
    struct pg_store *s = S(st);
    const struct address *a = &o->address;
    struct params p = {0};
    pg_p_text(&p, o->id);
    pg_p_int(&p, o->number);
    pg_p_text(&p, o->access_token);
    pg_p_int(&p, o->status);
    pg_p_text(&p, o->email);
    pg_p_text(&p, o->currency);
    pg_p_int(&p, o->total);
    pg_p_text(&p, a->name);
    pg_p_text(&p, a->line1);
    pg_p_text(&p, a->line2);
    pg_p_text(&p, a->city);
    pg_p_text(&p, a->postal_code);
    pg_p_text(&p, a->country);
    pg_p_text(&p, o->created_at);
    pg_p_int(&p, o->channel_id);
    struct buf arr[ORDER_ARRAYS] = {{0}};
    order_arrays(o, arr);
    bool oom = false;
    for (int k = 0; k < ORDER_ARRAYS; k++) {
        oom |= arr[k].oom;
        pg_p_text(&p, arr[k].p);
    }
    const struct payment *pay = &o->payment;
    pg_p_text(&p, pay->provider);
    pg_p_text(&p, pay->ref);
    pg_p_int(&p, pay->authorized);
    pg_p_int(&p, pay->captured);
    pg_p_int(&p, pay->voided);
    pg_p_int(&p, pay->refunded);
    /* The database's clock fills an empty created_at; hand the value back. */
    PGresult *r = NULL;
    int rc = oom ? err_set(e, ERR_NOMEM, "out of memory")
                 : pg_exec_stmt(s, Q_ORDER_INSERT, &p, o->created_at[0] ? NULL : &r, e,
                                "save the order");
    for (int k = 0; k < ORDER_ARRAYS; k++)
        buf_free(&arr[k]); /* libpq copied them when it sent the statement */
    if (!rc && r)
        pg_col_copy(r, 0, 0, o->created_at, sizeof o->created_at);
    PQclear(r);
    for (size_t i = 0; !rc && i < o->nshipments; i++)
        memcpy(o->shipments[i].order_id, o->id, sizeof o->shipments[i].order_id);
    return rc;
}

static void read_shipment(const PGresult *r, int i, struct shipment_rec *sh)
{
    memset(sh, 0, sizeof *sh);
    pg_col_copy(r, i, 0, sh->id, sizeof sh->id);
    pg_col_copy(r, i, 1, sh->order_id, sizeof sh->order_id);
    sh->seq = pg_col_i64(r, i, 2);
    sh->status = pg_col_int(r, i, 3);
    sh->stock_type = pg_col_int(r, i, 4);
    pg_col_copy(r, i, 5, sh->location_id, sizeof sh->location_id);
    pg_col_copy(r, i, 6, sh->transit_ref, sizeof sh->transit_ref);
    sh->stock_date = pg_col_date(r, i, 7);
    sh->expected.from = pg_col_date(r, i, 8);
    sh->expected.to = pg_col_date(r, i, 9);
    pg_col_copy(r, i, 10, sh->expected.message, sizeof sh->expected.message);
    sh->amount = pg_col_i64(r, i, 11);
    pg_col_copy(r, i, 12, sh->tracking_number, sizeof sh->tracking_number);
    pg_col_copy(r, i, 13, sh->shipped_at, sizeof sh->shipped_at);
    sh->promised.from = pg_col_date(r, i, 14);
    sh->promised.to = pg_col_date(r, i, 15);
    pg_col_copy(r, i, 16, sh->promised.message, sizeof sh->promised.message);
    sh->payment_required = pg_col_int(r, i, 17) != 0;
    sh->overdue = pg_col_int(r, i, 18) != 0;
    struct shipment_delay *d = &sh->delay;
    d->st.consent = pg_col_int(r, i, 19);
    d->detected = pg_col_date(r, i, 20);
    d->previous_from = pg_col_date(r, i, 21);
    d->previous_to = pg_col_date(r, i, 22);
    d->expected_from = pg_col_date(r, i, 23);
    d->st.expected_to = pg_col_date(r, i, 24);
    d->st.respond_by = pg_col_date(r, i, 25);
    d->st.consent_required = pg_col_int(r, i, 26) != 0;
    d->st.accepted_to = pg_col_date(r, i, 27);
    d->st.accepted_undated = pg_col_int(r, i, 28) != 0;
    d->st.consented_before = pg_col_int(r, i, 29) != 0;
    d->notified = pg_col_date(r, i, 30);
    d->st.bar_units = pg_col_i64(r, i, 31);
}

/* Fills sh->items, which the caller owns even when this fails. */
static int load_items(struct pg_store *s, struct shipment_rec *sh, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, sh->id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SHIPMENT_ITEMS, &p, &r, e, "read a shipment's items");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(sh->items = calloc(rows, sizeof *sh->items)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct shipment_item *it = &sh->items[sh->nitems++];
        pg_col_copy(r, (int)i, 0, it->sku, sizeof it->sku);
        it->quantity = pg_col_i64(r, (int)i, 1);
    }
    PQclear(r);
    return rc;
}

/* Lines, shipments and (when money) payment of an order whose own row is in o; o owns what
 * it gets. */
static int load_order_parts(struct pg_store *s, struct order_rec *o, bool money, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, o->id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_ORDER_LINES, &p, &r, e, "read the order's lines");
    if (rc)
        return rc;
    size_t rows = (size_t)PQntuples(r);
    if (rows && !(o->lines = calloc(rows, sizeof *o->lines)))
        rc = err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; !rc && i < rows; i++) {
        struct order_line *l = &o->lines[o->nlines++];
        pg_col_copy(r, (int)i, 0, l->sku, sizeof l->sku);
        pg_col_copy(r, (int)i, 1, l->name, sizeof l->name);
        l->quantity = pg_col_i64(r, (int)i, 2);
        l->unit_price = pg_col_i64(r, (int)i, 3);
        l->amount = pg_col_i64(r, (int)i, 4);
    }
    PQclear(r);
    if (rc)
        return rc;

    if ((rc = pg_exec_stmt(s, Q_ORDER_SHIPMENTS, &p, &r, e, "read the order's shipments")))
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
    if (rc || !money)
        return rc;

    if ((rc = pg_exec_stmt(s, Q_PAYMENT_GET, &p, &r, e, "read the order's payment")))
        return rc;
    if (PQntuples(r) > 0) {
        struct payment *pay = &o->payment;
        pg_col_copy(r, 0, 0, pay->provider, sizeof pay->provider);
        pg_col_copy(r, 0, 1, pay->ref, sizeof pay->ref);
        pay->authorized = pg_col_i64(r, 0, 2);
        pay->captured = pg_col_i64(r, 0, 3);
        pay->voided = pg_col_i64(r, 0, 4);
        pay->refunded = pg_col_i64(r, 0, 5);
        /* Not stored: the amounts decide it, so the two can never disagree. */
        pay->status = order_payment_status(pay);
    }
    PQclear(r);
    return pg_read_intents(s, Q_INTENTS_BY_ORDER, &p, &o->events, &o->nevents, e);
}

static int order_read(struct store *st, const char *id, struct order_rec *o, bool money,
                      err_t *e)
{
    struct pg_store *s = S(st);
    memset(o, 0, sizeof *o);
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_ORDER_GET, &p, &r, e, "read an order");
    if (rc)
        return rc;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return err_set(e, ERR_NOTFOUND, "no order %s", id);
    }
    pg_col_copy(r, 0, 0, o->id, sizeof o->id);
    o->number = pg_col_i64(r, 0, 1);
    pg_col_copy(r, 0, 2, o->access_token, sizeof o->access_token);
    o->status = pg_col_int(r, 0, 3);
    pg_col_copy(r, 0, 4, o->email, sizeof o->email);
    pg_col_copy(r, 0, 5, o->currency, sizeof o->currency);
    o->total = pg_col_i64(r, 0, 6);
    struct address *a = &o->address;
    pg_col_copy(r, 0, 7, a->name, sizeof a->name);
    pg_col_copy(r, 0, 8, a->line1, sizeof a->line1);
    pg_col_copy(r, 0, 9, a->line2, sizeof a->line2);
    pg_col_copy(r, 0, 10, a->city, sizeof a->city);
    pg_col_copy(r, 0, 11, a->postal_code, sizeof a->postal_code);
    pg_col_copy(r, 0, 12, a->country, sizeof a->country);
    pg_col_copy(r, 0, 13, o->created_at, sizeof o->created_at);
    o->channel_id = pg_col_i64(r, 0, 14);
    PQclear(r);
    rc = load_order_parts(s, o, money, e);
    if (rc)
        order_rec_free(o);
    return rc;
}

int pg_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return order_read(st, id, o, true, e);
}

int pg_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return order_read(st, id, o, false, e);
}

static void row_order_id(const PGresult *r, int i, void *dst)
{
    pg_col_copy(r, i, 0, dst, ORDER_ID_MAX);
}

static int order_page(struct store *st, enum stmt_id id, const char *before, size_t limit,
                      char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    *ids = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, before && *before ? before : NULL);
    pg_p_limit(&p, limit);
    void *v = NULL;
    int rc = pg_list_rows(s, id, &p, sizeof **ids, row_order_id, &v, n, e, "list orders");
    if (!rc)
        *ids = v;
    return rc;
}

int pg_order_page(struct store *st, const char *before, size_t limit,
                  char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE, before, limit, ids, n, e);
}

int pg_order_page_delayed(struct store *st, const char *before, size_t limit,
                          char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return order_page(st, Q_ORDER_PAGE_DELAYED, before, limit, ids, n, e);
}

int pg_order_by_shipment(struct store *st, const char *shipment_id,
                         char order_id[ORDER_ID_MAX], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, shipment_id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_ORDER_BY_SHIPMENT, &p, &r, e, "read a shipment");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "no shipment %s", shipment_id);
    else
        pg_col_copy(r, 0, 0, order_id, ORDER_ID_MAX);
    PQclear(r);
    return rc;
}

int pg_order_set_status(struct store *st, const char *id, int status, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    pg_p_int(&p, status);
    return pg_update_one(s, Q_ORDER_SET_STATUS, &p, e, "save an order's status", "order", id);
}

int pg_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, sh->id);
    pg_p_int(&p, sh->status);
    pg_p_text(&p, sh->tracking_number);
    pg_p_text(&p, sh->shipped_at);
    pg_p_int(&p, sh->payment_required);
    return pg_update_one(s, Q_SHIPMENT_UPDATE, &p, e, "save a shipment", "shipment", sh->id);
}

int pg_payment_update(struct store *st, const char *order_id, const struct payment *pay,
                      err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, order_id);
    pg_p_text(&p, pay->provider);
    pg_p_text(&p, pay->ref);
    pg_p_int(&p, pay->authorized);
    pg_p_int(&p, pay->captured);
    pg_p_int(&p, pay->voided);
    pg_p_int(&p, pay->refunded);
    return pg_update_one(s, Q_PAYMENT_UPDATE, &p, e, "save a payment", "payment for order",
                         order_id);
}

int pg_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                   int64_t amount, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, order_id);
    pg_p_text(&p, shipment_id); /* NULL binds NULL */
    pg_p_int(&p, amount);
    return pg_run(s, Q_CAPTURE_ADD, &p, e, "record a capture");
}

int pg_position_allocate(struct store *st, const struct position *key, int64_t qty,
                         err_t *e)
{
    struct pg_store *s = S(st);
    char name[256];
    /* A negative qty would release units past the guard; releases go through adjust. */
    if (qty <= 0)
        return err_set(e, ERR_INVALID, "cannot allocate %lld units of %s", (long long)qty,
                       store_pos_name(key, name, sizeof name));
    struct params p = {0};
    pg_p_key(&p, key);
    pg_p_int(&p, qty);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_POSITION_ALLOCATE, &p, &n, e, "allocate stock");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "not enough stock of %s",
                     store_pos_name(key, name, sizeof name));
    return rc;
}

int pg_position_allocate_sent(struct store *st, const struct position *key, int64_t qty,
                              err_t *e)
{
    char name[256];
    if (qty <= 0)
        return err_set(e, ERR_INVALID, "cannot allocate %lld units of %s", (long long)qty,
                       store_pos_name(key, name, sizeof name));
    struct params p = {0};
    pg_p_key(&p, key);
    pg_p_int(&p, qty);
    return pg_run(S(st), Q_POSITION_ALLOCATE_SENT, &p, e, "place the order");
}

int pg_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                       int64_t d_allocated, err_t *e)
{
    struct pg_store *s = S(st);
    char name[256];
    struct params p = {0};
    pg_p_key(&p, key);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_POSITION_GET, &p, &r, e, "read a position");
    if (rc)
        return rc;
    bool exists = PQntuples(r) > 0;
    int64_t quantity = exists ? pg_col_i64(r, 0, 0) : 0;
    int64_t allocated = exists ? pg_col_i64(r, 0, 1) : 0;
    PQclear(r);
    if (!exists && key->stock_type != STOCK_ONHAND)
        return err_set(e, ERR_NOTFOUND, "no position %s", store_pos_name(key, name, sizeof name));
    /* Checked here rather than left to the CHECK constraints, for a message that says which
     * figure would go wrong. */
    if (quantity + d_quantity < 0 || allocated + d_allocated < 0)
        return err_set(e, ERR_CONFLICT,
                       "%s cannot fall below zero: quantity %lld%+lld, allocated %lld%+lld",
                       store_pos_name(key, name, sizeof name), (long long)quantity,
                       (long long)d_quantity, (long long)allocated, (long long)d_allocated);
    pg_p_int(&p, d_quantity);
    pg_p_int(&p, d_allocated);
    return pg_run(s, exists ? Q_POSITION_ADJUST : Q_POSITION_CREATE, &p, e, "save a position");
}

int pg_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                 int64_t qty, err_t *e)
{
    struct pg_store *s = S(st);
    int64_t held = 0;
    if (qty == 0)
        return 0;
    struct params p = {0};
    pg_p_key(&p, key);
    pg_p_text(&p, shipment_id);
    if (qty < 0) {
        /* Rows never hold zero (CHECK quantity > 0): find out whether this empties it. The
         * row stays locked until the change below. */
        PGresult *r;
        int rc = pg_exec_stmt(s, Q_ALLOC_GET, &p, &r, e, "read an allocation");
        if (rc)
            return rc;
        held = PQntuples(r) > 0 ? pg_col_i64(r, 0, 0) : 0;
        PQclear(r);
        char name[256];
        if (held + qty < 0)
            return err_set(e, ERR_CONFLICT, "shipment %s holds only %lld units of %s",
                           shipment_id, (long long)held, store_pos_name(key, name, sizeof name));
    }
    enum stmt_id id = qty > 0          ? Q_ALLOC_UPSERT
                      : held + qty > 0 ? Q_ALLOC_TAKE
                                       : Q_ALLOC_REMOVE;
    if (id != Q_ALLOC_REMOVE)
        pg_p_int(&p, qty);
    return pg_run(s, id, &p, e, "save an allocation");
}

int pg_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                  struct alloc_row **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    if (!shipment_id && !key)
        return err_set(e, ERR_INVALID, "name a shipment or a position to list allocations");
    struct params p = {0};
    if (shipment_id)
        pg_p_text(&p, shipment_id);
    else
        pg_p_key(&p, key);
    PGresult *r;
    int rc = pg_exec_stmt(s, shipment_id ? Q_ALLOC_BY_SHIPMENT : Q_ALLOC_BY_POSITION, &p, &r, e,
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
        pg_col_copy(r, row, 0, a->shipment_id, sizeof a->shipment_id);
        a->shipment_seq = pg_col_i64(r, row, 1);
        a->order_number = pg_col_i64(r, row, 7);
        a->stock_date = pg_col_date(r, row, 8);
        pg_col_copy(r, row, 2, a->pos.sku, sizeof a->pos.sku);
        pg_col_copy(r, row, 3, a->pos.location_id, sizeof a->pos.location_id);
        a->pos.stock_type = pg_col_int(r, row, 4);
        pg_col_copy(r, row, 5, a->pos.transit_ref, sizeof a->pos.transit_ref);
        a->pos.channel_id = pg_col_i64(r, row, 9);
        a->order_channel = pg_col_i64(r, row, 10);
        a->pos.order_date = a->pos.stock_date = DATE_NONE;
        a->quantity = pg_col_i64(r, row, 6);
    }
    PQclear(r);
    *out = v;
    *n = rows;
    return 0;
}

int pg_alloc_delete(struct store *st, const char *shipment_id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, shipment_id);
    return pg_run(s, Q_ALLOC_DELETE, &p, e, "release a shipment's allocations");
}

int pg_shipment_get(struct store *st, const char *id, struct shipment_rec *out,
                    err_t *e)
{
    struct pg_store *s = S(st);
    memset(out, 0, sizeof *out);
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SHIPMENT_GET, &p, &r, e, "read a shipment");
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

int pg_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e)
{
    return insert_shipment(S(st), sh->order_id, SIZE_MAX, sh, e);
}

int pg_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, sh->id);
    pg_p_int(&p, sh->status);
    pg_p_int(&p, sh->stock_type);
    pg_p_text(&p, sh->location_id);
    pg_p_text(&p, sh->transit_ref);
    pg_p_date(&p, sh->stock_date);
    pg_p_date(&p, sh->expected.from);
    pg_p_date(&p, sh->expected.to);
    pg_p_text(&p, sh->expected.message);
    pg_p_int(&p, sh->amount);
    const struct shipment_delay *dl = &sh->delay;
    pg_p_int(&p, sh->overdue);
    pg_p_int(&p, dl->st.consent);
    pg_p_date(&p, dl->detected);
    pg_p_date(&p, dl->previous_from);
    pg_p_date(&p, dl->previous_to);
    pg_p_date(&p, dl->expected_from);
    pg_p_date(&p, dl->st.expected_to);
    pg_p_date(&p, dl->st.respond_by);
    pg_p_int(&p, dl->st.consent_required);
    pg_p_date(&p, dl->st.accepted_to);
    pg_p_int(&p, dl->st.accepted_undated);
    pg_p_int(&p, dl->st.consented_before);
    pg_p_date(&p, dl->notified);
    pg_p_int(&p, dl->st.bar_units);
    int rc = pg_run(s, Q_SHIPMENT_SAVE, &p, e, "save a shipment");
    struct params d = {0};
    pg_p_text(&d, sh->id);
    if (!rc)
        rc = pg_run(s, Q_SHIPMENT_ITEMS_DELETE, &d, e, "save a shipment's items");
    return rc ? rc : insert_items(s, sh, e);
}

int pg_shipment_delete(struct store *st, const char *id, err_t *e)
{
    const enum stmt_id steps[] = {Q_ALLOC_DELETE, Q_SHIPMENT_ITEMS_DELETE, Q_SHIPMENT_DELETE};
    struct params p = {0};
    pg_p_text(&p, id);
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof steps / sizeof steps[0]; i++)
        rc = pg_run(S(st), steps[i], &p, e, "remove a shipment");
    return rc;
}

static void row_replan_sku(const PGresult *r, int i, void *dst)
{
    pg_col_copy(r, i, 0, dst, ID_MAX + 1);
}

/* Up to this many staged rows, the SKUs to re-plan are found from the rows (an index probe
 * each, ~0.5 s at most); above, from the SKUs with allocations. */
#define REPLAN_STAGE_MAX 100000

int pg_replan_skus(struct store *st, int64_t run_id, char (**out)[ID_MAX + 1], size_t *n,
                   err_t *e)
{
    *out = NULL;
    *n = 0;
    struct pg_store *s = S(st);
    if (s->stage_run != run_id)
        return 0; /* the run wrote no row: no stage */
    struct params p = {0};
    pg_p_int(&p, run_id);
    void *v = NULL;
    /* A large import likely has more rows than the shop has SKUs with open orders. */
    enum stmt_id q = s->stage_rows <= REPLAN_STAGE_MAX ? Q_REPLAN_SKUS : Q_REPLAN_SKUS_ALLOC;
    int rc = pg_list_rows(s, q, &p, ID_MAX + 1, row_replan_sku, &v, n, e,
                          "find the SKUs to re-plan");
    if (!rc)
        *out = v;
    return rc;
}

int pg_overdue_skus(struct store *st, date_t today, char (**out)[ID_MAX + 1], size_t *n,
                           err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    pg_p_date(&p, today);
    void *v = NULL;
    int rc = pg_list_rows(S(st), Q_OVERDUE_SKUS, &p, ID_MAX + 1, row_replan_sku, &v, n, e,
                       "find overdue shipments");
    if (!rc)
        *out = v;
    return rc;
}

int pg_delays_due(struct store *st, date_t today, char (**out)[ORDER_ID_MAX], size_t *n,
                         err_t *e)
{
    *out = NULL;
    *n = 0;
    struct params p = {0};
    pg_p_date(&p, today);
    void *v = NULL;
    int rc = pg_list_rows(S(st), Q_DELAYS_DUE, &p, ORDER_ID_MAX, row_order_id, &v, n, e,
                       "find delays past their answer date");
    if (!rc)
        *out = v;
    return rc;
}

int pg_sweep_lock(struct store *st, bool *got, err_t *e)
{
    struct params p = {0};
    int64_t n = 0;
    int rc = pg_exec_count(S(st), Q_SWEEP_LOCK, &p, &n, e, "take the sweep's lock");
    *got = !rc && n == 1;
    return rc;
}

int pg_sweep_done(struct store *st, date_t day, err_t *e)
{
    struct params p = {0};
    pg_p_date(&p, day);
    return pg_run(S(st), Q_SWEEP_DONE, &p, e, "record the sweep");
}

/* --- carts --- */

int pg_cart_create(struct store *st, const char *id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_CART_CREATE, &p, &n, e, "create a cart");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "cart %s already exists", id);
    return rc;
}

int pg_cart_lines(struct store *st, const char *id, struct shipment_item **out,
                  size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_CART_LINES, &p, &r, e, "read a cart");
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
        pg_col_copy(r, i, 0, v[len].sku, sizeof v[len].sku);
        v[len].quantity = pg_col_i64(r, i, 1);
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

int pg_cart_set(struct store *st, const char *id, const char *sku, int64_t qty,
                err_t *e)
{
    struct pg_store *s = S(st);
    if (qty < 0)
        return err_set(e, ERR_INVALID, "a cart line cannot have a negative quantity");
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_CART_EXISTS, &p, &r, e, "read a cart");
    if (rc)
        return rc;
    bool found = PQntuples(r) > 0;
    PQclear(r);
    if (!found)
        return err_set(e, ERR_NOTFOUND, "no cart %s", id);
    pg_p_text(&p, sku);
    if (qty)
        pg_p_int(&p, qty);
    return pg_run(s, qty ? Q_CART_LINE_SET : Q_CART_LINE_DELETE, &p, e, "save a cart line");
}

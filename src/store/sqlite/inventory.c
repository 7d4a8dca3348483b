/* SQLite backend: locations, products, positions and imports. */
#include "store/sqlite/sqlite_int.h"

int sq_location_add(struct store *st, const struct location *l, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_LOCATION_ADD, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, l->id);
    sq_bind_text(q, 2, l->name);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_CONSTRAINT)
        return sq_done(q, err_set(e, ERR_CONFLICT, "location %s already exists", l->id));
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "add a location"));
    return sq_done(q, 0);
}

int sq_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_LOCATION_LIST, e);
    if (!q)
        return e->code;
    struct location *v = NULL;
    size_t len = 0, cap = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct location *nv = sq_grow(v, len, &cap, sizeof *nv);
        if (!nv) {
            free(v);
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        }
        v = nv;
        sq_col_copy(q, 0, v[len].id, sizeof v[len].id);
        sq_col_copy(q, 1, v[len].name, sizeof v[len].name);
        len++;
    }
    if (rc != SQLITE_DONE) {
        free(v);
        return sq_done(q, sq_fail(s, e, "list locations"));
    }
    *out = v;
    *n = len;
    return sq_done(q, 0);
}

int sq_product_upsert(struct store *st, const struct product *p, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PRODUCT_UPSERT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, p->sku);
    sq_bind_text(q, 2, p->name);
    sqlite3_bind_int64(q, 3, p->price);
    sq_bind_text(q, 4, p->currency);
    sq_bind_text(q, 5, p->description);
    sq_bind_text(q, 6, p->image_url);
    if (p->item_id)
        sqlite3_bind_int64(q, 7, p->item_id);
    else
        sqlite3_bind_null(q, 7);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save a product"));
    return sq_done(q, 0);
}

static void read_product(sqlite3_stmt *q, void *dst)
{
    struct product *p = dst;
    sq_col_copy(q, 0, p->sku, sizeof p->sku);
    sq_col_copy(q, 1, p->name, sizeof p->name);
    p->price = sqlite3_column_int64(q, 2);
    sq_col_copy(q, 3, p->currency, sizeof p->currency);
    sq_col_copy(q, 4, p->description, sizeof p->description);
    sq_col_copy(q, 5, p->image_url, sizeof p->image_url);
    p->item_id = sqlite3_column_int64(q, 6); /* NULL reads 0: none */
}

int sq_product_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PRODUCT_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sku);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        read_product(q, out);
        return sq_done(q, 0);
    }
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no product with SKU %s", sku));
    return sq_done(q, sq_fail(s, e, "read a product"));
}

int sq_product_page(struct store *st, const char *after, size_t limit,
                    struct product **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PRODUCT_PAGE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return sq_list_rows(s, q, limit, sizeof **out, read_product, (void **)out, n,
                        "list products", e);
}

/* Columns i..i+3 of q: safety_stock, preorder_limit, backorder_limit, low_stock. */
static void read_limits(sqlite3_stmt *q, int i, struct limits *l)
{
    bool *has[4] = {&l->has_safety_stock, &l->has_preorder_limit, &l->has_backorder_limit,
                    &l->has_low_stock};
    int64_t *v[4] = {&l->safety_stock, &l->preorder_limit, &l->backorder_limit, &l->low_stock};
    for (int k = 0; k < 4; k++) {
        *has[k] = sqlite3_column_type(q, i + k) != SQLITE_NULL;
        *v[k] = *has[k] ? sqlite3_column_int64(q, i + k) : 0;
    }
}

/* Steps q to its end, appending each position to out: the positions table's columns in
 * table order, then the location's limits when q has them (POSITION_COLS). */
static int read_positions(struct sqlite_store *s, sqlite3_stmt *q, struct position_list *out,
                          err_t *e)
{
    bool limits = sqlite3_column_count(q) > 10;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct position p = {0};
        if (limits)
            read_limits(q, 10, &p.lim);
        sq_col_copy(q, 0, p.sku, sizeof p.sku);
        sq_col_copy(q, 1, p.location_id, sizeof p.location_id);
        p.stock_type = sqlite3_column_int(q, 2);
        sq_col_copy(q, 3, p.transit_ref, sizeof p.transit_ref);
        p.order_date = sq_col_date(q, 4);
        p.stock_date = sq_col_date(q, 5);
        p.quantity = sqlite3_column_int64(q, 6);
        p.reserved = sqlite3_column_int64(q, 7);
        p.allocated = sqlite3_column_int64(q, 8);
        p.channel_id = sqlite3_column_int64(q, 9);
        if (position_list_push(out, &p))
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read positions"));
    return sq_done(q, 0);
}

int sq_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                        err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_POSITIONS_BY_SKU, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sku);
    return read_positions(s, q, out, e);
}

int sq_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_SKU_EXISTS, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sku);
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "look up a SKU"));
    *exists = sqlite3_column_int(q, 0) != 0;
    return sq_done(q, 0);
}

static void read_sku_entry(sqlite3_stmt *q, void *dst)
{
    struct sku_entry *v = dst;
    sq_col_copy(q, 0, v->sku, sizeof v->sku);
    sq_col_copy(q, 1, v->name, sizeof v->name);
}

int sq_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                struct sku_entry **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    bool search = query && *query;
    sqlite3_stmt *q = sq_stmt(s, search ? Q_SKU_SEARCH : Q_SKU_PAGE, e);
    if (!q)
        return e->code;
    char upper[STORE_QUERY_MAX + 1];
    sq_bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    if (search) {
        store_upper(query, upper);
        sq_bind_text(q, 3, query);
        sq_bind_text(q, 4, upper);
    }
    return sq_list_rows(s, q, limit, sizeof **out, read_sku_entry, (void **)out, n,
                        "list SKUs", e);
}

int sq_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                 err_t *e)
{
    *count = 0; /* a failure leaves the output empty */
    struct sqlite_store *s = S(st);
    bool search = query && *query;
    sqlite3_stmt *q = sq_stmt(s, search ? Q_SKU_SEARCH_COUNT : Q_SKU_COUNT, e);
    if (!q)
        return e->code;
    char upper[STORE_QUERY_MAX + 1];
    sq_bind_text(q, 1, "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)cap + 1);
    if (search) {
        store_upper(query, upper);
        sq_bind_text(q, 3, query);
        sq_bind_text(q, 4, upper);
    }
    if (sqlite3_step(q) != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "count SKUs"));
    *count = (size_t)sqlite3_column_int64(q, 0);
    if (*count > cap + 1) /* each branch stops at cap + 1, their union may hold more */
        *count = cap + 1;
    return sq_done(q, 0);
}

int sq_transit_search(struct store *st, const char *query, size_t limit,
                      struct position_list *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_TRANSIT_SEARCH, e);
    if (!q)
        return e->code;
    char upper[STORE_QUERY_MAX + 1];
    store_upper(query, upper);
    sq_bind_text(q, 1, query);
    sq_bind_text(q, 2, upper);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)limit);
    return read_positions(s, q, out, e);
}

int sq_transit_page(struct store *st, const struct position *after, const char *sku,
                    date_t overdue_before, size_t limit, struct position_list *out,
                    err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_TRANSIT_PAGE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, after ? after->sku : "");
    sq_bind_text(q, 2, after ? after->location_id : "");
    sq_bind_text(q, 3, after ? after->transit_ref : "");
    if (sku)
        sq_bind_text(q, 4, sku);
    sq_bind_date(q, 5, overdue_before);
    sqlite3_bind_int64(q, 6, (sqlite3_int64)limit);
    sqlite3_bind_int64(q, 7, after ? after->channel_id : 0);
    return read_positions(s, q, out, e);
}

int sq_position_import(struct store *st, const struct position *p, int64_t run,
                       int64_t line, bool *duplicate, err_t *e)
{
    (void)line; /* written at once: a duplicate is known here */
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_POSITION_IMPORT, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, p->sku);
    sq_bind_text(q, 2, p->location_id);
    sqlite3_bind_int(q, 3, p->stock_type);
    sq_bind_text(q, 4, p->transit_ref);
    sq_bind_date(q, 5, p->order_date);
    sq_bind_date(q, 6, p->stock_date);
    sqlite3_bind_int64(q, 7, p->quantity);
    sqlite3_bind_int64(q, 8, p->reserved);
    sqlite3_bind_int64(q, 9, run);
    sqlite3_bind_int64(q, 10, p->channel_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save a position"));
    *duplicate = sqlite3_changes(s->db) == 0;
    return sq_done(q, 0);
}

static int save_warnings(struct sqlite_store *s, const struct import_job *job, err_t *e);

int sq_import_save(struct store *st, const struct import_job *job, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IMPORT_SAVE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, job->id);
    sqlite3_bind_int(q, 2, job->source);
    if (job->file_name[0])
        sq_bind_text(q, 3, job->file_name);
    sqlite3_bind_int(q, 4, job->status);
    sqlite3_bind_int64(q, 5, job->total_rows);
    sqlite3_bind_int64(q, 6, job->rows_applied);
    sqlite3_bind_int64(q, 7, job->total_errors);
    sq_bind_text(q, 8, job->created_at);
    sq_bind_text(q, 9, job->finished_at);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save the import job"));
    sq_done(q, 0);
    if (!(q = sq_stmt(s, Q_IMPORT_ERROR_SAVE, e)))
        return e->code;
    for (size_t i = 0; i < job->nerrors; i++) {
        const struct import_error *ie = &job->errors[i];
        sq_bind_text(q, 1, job->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sqlite3_bind_int64(q, 3, ie->line);
        if (ie->col >= 0)
            sqlite3_bind_int(q, 4, ie->col);
        else
            sqlite3_bind_null(q, 4);
        if (ie->has_value)
            sq_bind_text(q, 5, ie->value);
        else
            sqlite3_bind_null(q, 5);
        sq_bind_text(q, 6, ie->message);
        if (sqlite3_step(q) != SQLITE_DONE)
            return sq_done(q, sq_fail(s, e, "save the import errors"));
        sq_done(q, 0);
    }
    return save_warnings(s, job, e);
}

static void read_job(sqlite3_stmt *q, void *dst)
{
    struct import_job *job = dst;
    memset(job, 0, sizeof *job);
    sq_col_copy(q, 0, job->id, sizeof job->id);
    job->source = sqlite3_column_int(q, 1);
    sq_col_copy(q, 2, job->file_name, sizeof job->file_name);
    job->status = sqlite3_column_int(q, 3);
    job->total_rows = sqlite3_column_int64(q, 4);
    job->rows_applied = sqlite3_column_int64(q, 5);
    job->total_errors = sqlite3_column_int64(q, 6);
    sq_col_copy(q, 7, job->created_at, sizeof job->created_at);
    sq_col_copy(q, 8, job->finished_at, sizeof job->finished_at);
}

static int load_warnings(struct sqlite_store *s, struct import_job *job, err_t *e);

static int import_get_errors(struct store *st, const char *id, struct import_job *job,
                             err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IMPORT_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no import job %s", id));
    if (rc != SQLITE_ROW)
        return sq_done(q, sq_fail(s, e, "read an import job"));
    read_job(q, job);
    sq_done(q, 0);
    if (!job->total_errors)
        return 0;
    if (!(q = sq_stmt(s, Q_IMPORT_ERRORS, e)))
        return e->code;
    size_t cap = job->total_errors < IMPORT_ERRORS_MAX ? (size_t)job->total_errors
                                                        : IMPORT_ERRORS_MAX;
    job->errors = calloc(cap, sizeof *job->errors);
    if (!job->errors)
        return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
    sq_bind_text(q, 1, id);
    while (job->nerrors < cap && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        struct import_error *ie = &job->errors[job->nerrors++];
        ie->line = sqlite3_column_int64(q, 0);
        ie->col = sqlite3_column_type(q, 1) == SQLITE_NULL ? -1 : sqlite3_column_int(q, 1);
        ie->has_value = sqlite3_column_type(q, 2) != SQLITE_NULL;
        sq_col_copy(q, 2, ie->value, sizeof ie->value);
        sq_col_copy(q, 3, ie->message, sizeof ie->message);
    }
    return sq_done(q, 0);
}

int sq_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    memset(job, 0, sizeof *job);
    int rc = import_get_errors(st, id, job, e);
    if (!rc)
        rc = load_warnings(S(st), job, e);
    if (rc)
        import_job_free(job);
    return rc;
}

int sq_import_list(struct store *st, const char *before, size_t limit,
                   struct import_job **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IMPORT_LIST, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)limit);
    if (before && *before)
        sq_bind_text(q, 2, before);
    return sq_list_rows(s, q, limit, sizeof **out, read_job, (void **)out, n,
                        "list import jobs", e);
}

/* Rows are written as they come, so there is nothing left to report or apply. */
int sq_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e)
{
    (void)st;
    (void)run;
    (void)fn;
    (void)ctx;
    (void)e;
    return 0;
}

int sq_import_apply(struct store *st, int64_t run, err_t *e)
{
    (void)st;
    (void)run;
    (void)e;
    return 0;
}

/* --- products (SPEC 5.3) --- */

static int save_warnings(struct sqlite_store *s, const struct import_job *job, err_t *e)
{
    sqlite3_stmt *q;
    if (!job->total_warnings)
        return 0;
    if (!(q = sq_stmt(s, Q_IMPORT_WARNING_TOTAL, e)))
        return e->code;
    sq_bind_text(q, 1, job->id);
    sqlite3_bind_int64(q, 2, job->total_warnings);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save the import warnings"));
    sq_done(q, 0);
    if (!(q = sq_stmt(s, Q_IMPORT_WARNING_SAVE, e)))
        return e->code;
    for (size_t i = 0; i < job->nwarnings; i++) {
        sq_bind_text(q, 1, job->id);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)i);
        sq_bind_text(q, 3, job->warnings[i].sku);
        sq_bind_text(q, 4, job->warnings[i].message);
        if (sqlite3_step(q) != SQLITE_DONE)
            return sq_done(q, sq_fail(s, e, "save the import warnings"));
        sq_done(q, 0);
    }
    return 0;
}

static int load_warnings(struct sqlite_store *s, struct import_job *job, err_t *e)
{
    sqlite3_stmt *q = sq_stmt(s, Q_IMPORT_WARNINGS, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, job->id);
    while (job->nwarnings < IMPORT_WARNINGS_MAX && sqlite3_step(q) == SQLITE_ROW) {
        if (!job->warnings &&
            !(job->warnings = calloc(IMPORT_WARNINGS_MAX, sizeof *job->warnings)))
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        struct import_warning *w = &job->warnings[job->nwarnings++];
        sq_col_copy(q, 0, w->sku, sizeof w->sku);
        sq_col_copy(q, 1, w->message, sizeof w->message);
        job->total_warnings = sqlite3_column_int64(q, 2);
    }
    return sq_done(q, 0);
}

int sq_import_unsold(struct store *st, int64_t run, struct import_job *job, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_IMPORT_UNSOLD, e);
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
            return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
        import_warning_set(&job->warnings[job->nwarnings++],
                           (const char *)sqlite3_column_text(q, 0));
        job->total_warnings = sqlite3_column_int64(q, 1);
    }
    if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "look for SKUs without a product"));
    return sq_done(q, 0);
}

int sq_product_find(struct store *st, const char *after, size_t limit, const char *qs,
                    struct product **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PRODUCT_FIND, e);
    if (!q)
        return e->code;
    /* %q% with LIKE's own wildcards escaped: the text is matched as it is. */
    char *pat = malloc(2 * strlen(qs) + 3), *o = pat;
    if (!pat)
        return sq_done(q, err_set(e, ERR_NOMEM, "out of memory"));
    *o++ = '%';
    for (const char *c = qs; *c; c++) {
        if (*c == '%' || *c == '_' || *c == '\\')
            *o++ = '\\';
        *o++ = *c;
    }
    *o++ = '%';
    *o = '\0';
    sq_bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    sqlite3_bind_text(q, 3, pat, -1, free);
    return sq_list_rows(s, q, limit, sizeof **out, read_product, (void **)out, n,
                        "search products", e);
}

int sq_positions_page(struct store *st, const char *after, size_t limit,
                      struct position_list *out, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_POSITIONS_PAGE, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, after ? after : "");
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return read_positions(s, q, out, e);
}

int sq_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_PRODUCT_BY_ITEM, e);
    if (!q)
        return e->code;
    sqlite3_bind_int64(q, 1, item_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        sq_col_copy(q, 0, sku, ID_MAX + 1);
        return sq_done(q, 0);
    }
    if (rc == SQLITE_DONE)
        return sq_done(q, err_set(e, ERR_NOTFOUND, "no product with itemId %lld",
                                  (long long)item_id));
    return sq_done(q, sq_fail(s, e, "find a product by itemId"));
}

int sq_limits_get(struct store *st, const char *sku, const char *location_id,
                  struct limits *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_LIMITS_GET, e);
    if (!q)
        return e->code;
    sq_bind_text(q, 1, sku);
    sq_bind_text(q, 2, location_id);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW)
        read_limits(q, 0, out);
    else if (rc != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "read limits"));
    return sq_done(q, 0);
}

int sq_limits_put(struct store *st, const char *sku, const char *location_id,
                  const struct limits *l, err_t *e)
{
    struct sqlite_store *s = S(st);
    sqlite3_stmt *q = sq_stmt(s, Q_LIMITS_PUT, e);
    if (!q)
        return e->code;
    const bool has[4] = {l->has_safety_stock, l->has_preorder_limit, l->has_backorder_limit,
                         l->has_low_stock};
    const int64_t v[4] = {l->safety_stock, l->preorder_limit, l->backorder_limit,
                          l->low_stock};
    sq_bind_text(q, 1, sku);
    sq_bind_text(q, 2, location_id);
    for (int k = 0; k < 4; k++)
        if (has[k])
            sqlite3_bind_int64(q, 3 + k, v[k]);
        else
            sqlite3_bind_null(q, 3 + k);
    if (sqlite3_step(q) != SQLITE_DONE)
        return sq_done(q, sq_fail(s, e, "save limits"));
    return sq_done(q, 0);
}

int sq_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                             struct position_list *out, int64_t *count, int64_t *before,
                             err_t *e)
{
    struct sqlite_store *s = S(st);
    char first[ID_MAX + 1] = "";
    *count = *before = 0;
    sqlite3_stmt *q = sq_stmt(s, loc ? Q_LOC_SKU_COUNT : Q_POSITION_COUNT, e);
    if (!q)
        return e->code;
    if (loc)
        sq_bind_text(q, 1, loc);
    int rc = sqlite3_step(q) == SQLITE_ROW ? 0 : sq_fail(s, e, "count positions");
    if (!rc)
        *count = sqlite3_column_int64(q, 0);
    if ((rc = sq_done(q, rc)) || (size_t)*count <= offset)
        return rc;
    if (loc) {
        *before = (int64_t)offset;
        if (!(q = sq_stmt(s, Q_LOC_POSITIONS_PAGE, e)))
            return e->code;
        sq_bind_text(q, 1, loc);
        sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
        sqlite3_bind_int64(q, 3, (sqlite3_int64)offset);
        return read_positions(s, q, out, e);
    }
    if (!(q = sq_stmt(s, Q_POSITION_AT, e)))
        return e->code;
    sqlite3_bind_int64(q, 1, (sqlite3_int64)offset);
    if ((rc = sqlite3_step(q)) != SQLITE_ROW) /* none: deleted since the count */
        return sq_done(q, rc == SQLITE_DONE ? 0 : sq_fail(s, e, "find a position"));
    sq_col_copy(q, 0, first, sizeof first);
    *before = sqlite3_column_int64(q, 1);
    sq_done(q, 0);
    if (!(q = sq_stmt(s, Q_POSITIONS_FROM, e)))
        return e->code;
    sq_bind_text(q, 1, first);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)limit);
    return read_positions(s, q, out, e);
}

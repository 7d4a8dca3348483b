/* PostgreSQL backend: locations, products, positions and imports. */
#include "store/postgres/pg_int.h"

/* --- locations, products, positions --- */

int pg_location_add(struct store *st, const struct location *l, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, l->id);
    pg_p_text(&p, l->name);
    int64_t n = 0;
    int rc = pg_exec_count(s, Q_LOCATION_ADD, &p, &n, e, "add a location");
    if (!rc && n == 0)
        rc = err_set(e, ERR_CONFLICT, "location %s already exists", l->id);
    return rc;
}

int pg_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_LOCATION_LIST, NULL, &r, e, "list locations");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    struct location *v = rows ? calloc((size_t)rows, sizeof *v) : NULL;
    if (rows && !v) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        pg_col_copy(r, i, 0, v[i].id, sizeof v[i].id);
        pg_col_copy(r, i, 1, v[i].name, sizeof v[i].name);
    }
    PQclear(r);
    *out = v;
    *n = (size_t)rows;
    return 0;
}

int pg_product_upsert(struct store *st, const struct product *pr, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, pr->sku);
    pg_p_text(&p, pr->name);
    pg_p_int(&p, pr->price);
    pg_p_text(&p, pr->currency);
    pg_p_text(&p, pr->description);
    pg_p_text(&p, pr->image_url);
    if (pr->item_id)
        pg_p_int(&p, pr->item_id);
    else
        pg_p_text(&p, NULL);
    return pg_run(s, Q_PRODUCT_UPSERT, &p, e, "save a product");
}

static void read_product(const PGresult *r, int i, struct product *p)
{
    pg_col_copy(r, i, 0, p->sku, sizeof p->sku);
    pg_col_copy(r, i, 1, p->name, sizeof p->name);
    p->price = pg_col_i64(r, i, 2);
    pg_col_copy(r, i, 3, p->currency, sizeof p->currency);
    pg_col_copy(r, i, 4, p->description, sizeof p->description);
    pg_col_copy(r, i, 5, p->image_url, sizeof p->image_url);
    p->item_id = pg_col_i64(r, i, 6); /* NULL reads 0: none */
}

int pg_product_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, sku);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_PRODUCT_GET, &p, &r, e, "read a product");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "no product with SKU %s", sku);
    else
        read_product(r, 0, out);
    PQclear(r);
    return rc;
}

static void row_product(const PGresult *r, int i, void *dst)
{
    read_product(r, i, dst);
}

int pg_product_page(struct store *st, const char *after, size_t limit,
                    struct product **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, after ? after : "");
    pg_p_limit(&p, limit);
    void *v = NULL;
    int rc = pg_list_rows(s, Q_PRODUCT_PAGE, &p, sizeof **out, row_product, &v, n, e,
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
        pg_col_copy(r, i, 0, pos.sku, sizeof pos.sku);
        pg_col_copy(r, i, 1, pos.location_id, sizeof pos.location_id);
        pos.stock_type = pg_col_int(r, i, 2);
        pg_col_copy(r, i, 3, pos.transit_ref, sizeof pos.transit_ref);
        pos.order_date = pg_col_date(r, i, 4);
        pos.stock_date = pg_col_date(r, i, 5);
        pos.quantity = pg_col_i64(r, i, 6);
        pos.reserved = pg_col_i64(r, i, 7);
        pos.allocated = pg_col_i64(r, i, 8);
        pos.channel_id = pg_col_i64(r, i, 9);
        if (position_list_push(out, &pos)) {
            rc = err_set(e, ERR_NOMEM, "out of memory");
            break;
        }
    }
    PQclear(r);
    return rc;
}

/* Columns c..c+3 of row i: safety_stock, preorder_limit, backorder_limit, low_stock. */
static void read_limits(const PGresult *r, int i, int c, struct limits *l)
{
    bool *has[4] = {&l->has_safety_stock, &l->has_preorder_limit, &l->has_backorder_limit,
                    &l->has_low_stock};
    int64_t *v[4] = {&l->safety_stock, &l->preorder_limit, &l->backorder_limit, &l->low_stock};
    for (int k = 0; k < 4; k++) {
        *has[k] = !PQgetisnull(r, i, c + k);
        *v[k] = *has[k] ? pg_col_i64(r, i, c + k) : 0;
    }
}

/* position_rows for columns as POSITION_COLS: each position with its limits. */
static int position_limit_rows(PGresult *r, struct position_list *out, err_t *e)
{
    const size_t first = out->n;
    const int n = PQntuples(r);
    struct limits *lims = calloc(n ? (size_t)n : 1, sizeof *lims);
    if (!lims) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < n; i++)
        read_limits(r, i, 10, &lims[i]);
    int rc = position_rows(r, out, e); /* appends row i as out->v[first + i]; clears r */
    for (int i = 0; !rc && i < n; i++)
        out->v[first + (size_t)i].lim = lims[i];
    free(lims);
    return rc;
}

static int read_positions(struct store *st, enum stmt_id id, const char *sku,
                          struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, sku);
    PGresult *r;
    int rc = pg_exec_stmt(s, id, &p, &r, e, "read positions");
    return rc ? rc : position_limit_rows(r, out, e);
}

int pg_transit_search(struct store *st, const char *query, size_t limit,
                      struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    char upper[STORE_QUERY_MAX + 1];
    store_upper(query, upper);
    pg_p_text(&p, query);
    pg_p_text(&p, upper);
    pg_p_limit(&p, limit);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_TRANSIT_SEARCH, &p, &r, e, "search transit positions");
    return rc ? rc : position_rows(r, out, e);
}

int pg_transit_page(struct store *st, const struct position *after, const char *sku,
                    date_t overdue_before, size_t limit, struct position_list *out,
                    err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, after ? after->sku : "");
    pg_p_text(&p, after ? after->location_id : "");
    pg_p_text(&p, after ? after->transit_ref : "");
    pg_p_text(&p, sku);
    pg_p_date(&p, overdue_before);
    pg_p_limit(&p, limit);
    pg_p_int(&p, after ? after->channel_id : 0);
    PGresult *r;
    int rc = pg_exec_stmt(S(st), Q_TRANSIT_PAGE, &p, &r, e, "list purchase orders");
    return rc ? rc : position_rows(r, out, e);
}

int pg_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                        err_t *e)
{
    return read_positions(st, Q_POSITIONS_BY_SKU, sku, out, e);
}

int pg_positions_lock(struct store *st, const char *sku, struct position_list *out,
                      err_t *e)
{
    return read_positions(st, Q_POSITIONS_LOCK, sku, out, e);
}

int pg_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, sku);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_SKU_EXISTS, &p, &r, e, "look up a SKU");
    if (rc)
        return rc;
    *exists = PQntuples(r) > 0 && !strcmp(pg_col_str(r, 0, 0), "t");
    PQclear(r);
    return 0;
}

static void row_sku(const PGresult *r, int i, void *dst)
{
    struct sku_entry *v = dst;
    pg_col_copy(r, i, 0, v->sku, sizeof v->sku);
    pg_col_copy(r, i, 1, v->name, sizeof v->name);
}

int pg_sku_page(struct store *st, const char *after, size_t limit, const char *query,
                struct sku_entry **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    bool search = query && *query;
    char upper[STORE_QUERY_MAX + 1];
    pg_p_text(&p, after ? after : "");
    pg_p_limit(&p, limit);
    if (search) {
        store_upper(query, upper);
        pg_p_text(&p, query);
        pg_p_text(&p, upper);
    }
    void *v = NULL;
    int rc = pg_list_rows(s, search ? Q_SKU_SEARCH : Q_SKU_PAGE, &p, sizeof **out, row_sku, &v, n,
                          e, "list SKUs");
    if (!rc)
        *out = v;
    return rc;
}

int pg_sku_count(struct store *st, const char *query, size_t cap, size_t *count,
                 err_t *e)
{
    *count = 0; /* a failure leaves the output empty */
    struct pg_store *s = S(st);
    struct params p = {0};
    bool search = query && *query;
    char upper[STORE_QUERY_MAX + 1];
    pg_p_text(&p, "");
    pg_p_limit(&p, cap + 1);
    if (search) {
        store_upper(query, upper);
        pg_p_text(&p, query);
        pg_p_text(&p, upper);
    }
    PGresult *r;
    int rc = pg_exec_stmt(s, search ? Q_SKU_SEARCH_COUNT : Q_SKU_COUNT, &p, &r, e, "count SKUs");
    if (rc)
        return rc;
    *count = (size_t)pg_col_i64(r, 0, 0);
    if (*count > cap + 1) /* each branch stops at cap + 1, their union may hold more */
        *count = cap + 1;
    PQclear(r);
    return 0;
}

/* Imports stream through COPY into a temporary staging table: one round trip per 8 KB
 * instead of one per row. Duplicates are found there with one query, asked only when the
 * rows' key hashes (8 bytes a row, here) say there may be one, and the rows reach positions
 * in one INSERT ... SELECT at the end. */

static int copy_fail(struct pg_store *s, err_t *e)
{
    char line[512];
    pg_one_line(PQerrorMessage(s->conn), line, sizeof line);
    fprintf(stderr, "postgres: import copy: %s\n", line);
    if (PQstatus(s->conn) != CONNECTION_OK) {
        s->broken = true;
        return pg_unavailable(e);
    }
    return err_set(e, ERR_STORE, "the database failed while trying to save positions");
}

/* Ends an open COPY: sent (ok) or abandoned; 0 when the server took it. */
int pg_copy_end(struct pg_store *s, bool ok, err_t *e)
{
    if (!s->copying)
        return 0;
    s->copying = false;
    int rc = PQputCopyEnd(s->conn, ok ? NULL : "import abandoned") == 1 ? 0 : copy_fail(s, e);
    PGresult *r;
    while ((r = PQgetResult(s->conn))) {
        if (!rc && ok && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(s, r, e, "save positions");
        PQclear(r);
    }
    return rc;
}

/* The key set: up to 2^21 slots (16 MB), a million and a half rows; a larger import leaves
 * the duplicate check to the server. */
#define KEY_SLOTS_MAX ((size_t)1 << 21)

static uint64_t key_hash(const struct position *p)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the key's fields, each ended by 0 */
    const char *str[] = {p->sku, p->location_id, p->transit_ref};
    for (size_t i = 0; i < 3; i++)
        for (const unsigned char *c = (const unsigned char *)str[i];; c++) {
            h = (h ^ *c) * 1099511628211ull;
            if (!*c)
                break;
        }
    uint64_t num[2] = {(uint64_t)p->stock_type, (uint64_t)p->channel_id};
    for (size_t i = 0; i < 2; i++)
        for (int b = 0; b < 64; b += 8)
            h = (h ^ ((num[i] >> b) & 0xff)) * 1099511628211ull;
    h ^= h >> 33; /* spread into the low bits that pick a slot */
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h ? h : 1; /* 0 marks an empty slot */
}

static void key_free(struct pg_store *s)
{
    free(s->key_slots);
    s->key_slots = NULL;
    s->key_cap = s->key_n = 0;
}

void pg_import_reset(struct pg_store *s)
{
    key_free(s);
    s->key_met = false;
    s->stage_run = 0;
    s->stage_rows = 0;
}

static void key_put(uint64_t *slots, size_t cap, uint64_t h)
{
    size_t i = h & (cap - 1);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = h;
}

/* Notes a staged row's key; key_met once two keys hash alike (a duplicate, or rarely not)
 * or the set would outgrow its cap. */
static void key_add(struct pg_store *s, const struct position *p)
{
    if (s->key_met)
        return;
    size_t limit = s->key_cap == KEY_SLOTS_MAX ? s->key_cap / 4 * 3 : s->key_cap / 2;
    if (s->key_n >= limit) {
        size_t cap = s->key_cap ? s->key_cap * 2 : 1024;
        uint64_t *slots = cap <= KEY_SLOTS_MAX ? calloc(cap, sizeof *slots) : NULL;
        if (!slots) {
            key_free(s);
            s->key_met = true;
            return;
        }
        for (size_t i = 0; i < s->key_cap; i++)
            if (s->key_slots[i])
                key_put(slots, cap, s->key_slots[i]);
        free(s->key_slots);
        s->key_slots = slots;
        s->key_cap = cap;
    }
    uint64_t h = key_hash(p);
    for (size_t i = h & (s->key_cap - 1); s->key_slots[i]; i = (i + 1) & (s->key_cap - 1))
        if (s->key_slots[i] == h) {
            s->key_met = true;
            return;
        }
    key_put(s->key_slots, s->key_cap, h);
    s->key_n++;
}

#define IMPORT_WORK_MEM "128MB"
#define IMPORT_TIMEOUT "10min"

int pg_position_import(struct store *st, const struct position *pos, int64_t run_id,
                       int64_t line, bool *duplicate, err_t *e)
{
    struct pg_store *s = S(st);
    *duplicate = false; /* found in import_flush */
    int rc;
    if (!s->copying) {
        /* For this transaction only: the sorts and the change log's transition table of a
         * large import spilled to disk at the default 4 MB, a third of the import's time, so
         * the server may use more (its memory, not ours); and a million rows may take longer
         * than a request's 30 s on a busy server. */
        if ((rc = pg_ctl(s, "SET LOCAL work_mem = '" IMPORT_WORK_MEM "'; "
                            "SET LOCAL statement_timeout = '" IMPORT_TIMEOUT "'",
                         e, "stage positions")) ||
            (rc = pg_ctl(s,
                         "CREATE TEMP TABLE IF NOT EXISTS import_stage(line BIGINT, sku TEXT, "
                         "location_id TEXT, stock_type INTEGER, transit_ref TEXT, order_date "
                         "INTEGER, stock_date INTEGER, quantity BIGINT, reserved BIGINT, "
                         "channel_id BIGINT) "
                         "ON COMMIT DROP",
                         e, "stage positions")) ||
            (rc = pg_ctl(s, "TRUNCATE import_stage", e, "stage positions")))
            return rc;
        PGresult *r = PQexec(s->conn, "COPY import_stage FROM STDIN");
        if (PQresultStatus(r) != PGRES_COPY_IN) {
            rc = pg_fail(s, r, e, "stage positions");
            PQclear(r);
            return rc;
        }
        PQclear(r);
        s->copying = s->staged = true;
        pg_import_reset(s);
        s->stage_run = run_id;
    }
    s->stage_rows++;
    key_add(s, pos);
    /* The row rules allow only letters and digits in ids: nothing to escape. */
    char row[512], od[16] = "\\N", sd[16] = "\\N";
    if (pos->order_date != DATE_NONE)
        snprintf(od, sizeof od, "%d", (int)pos->order_date);
    if (pos->stock_date != DATE_NONE)
        snprintf(sd, sizeof sd, "%d", (int)pos->stock_date);
    int n = snprintf(row, sizeof row, "%lld\t%s\t%s\t%d\t%s\t%s\t%s\t%lld\t%lld\t%lld\n",
                     (long long)line, pos->sku, pos->location_id, pos->stock_type,
                     pos->transit_ref, od, sd, (long long)pos->quantity,
                     (long long)pos->reserved, (long long)pos->channel_id);
    return PQputCopyData(s->conn, row, n) == 1 ? 0 : copy_fail(s, e);
}

int pg_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e)
{
    struct pg_store *s = S(st);
    (void)run;
    if (!s->copying)
        return 0; /* no row staged */
    int rc = pg_copy_end(s, true, e);
    key_free(s);
    if (rc || !s->key_met)
        return rc; /* every key hashed apart: no duplicate */
    PGresult *r;
    rc = pg_ctl_res(s,
                    "SELECT line, sku, location_id, stock_type, transit_ref, channel_id "
                    "FROM (SELECT *, row_number() OVER (PARTITION BY sku, location_id, "
                    "stock_type, transit_ref, channel_id ORDER BY line) AS n FROM "
                    "import_stage) d WHERE n > 1 "
                    "ORDER BY line",
                    &r, e, "look for duplicates");
    if (rc)
        return rc;
    for (int i = 0; i < PQntuples(r); i++) {
        struct position p = {0};
        pg_col_copy(r, i, 1, p.sku, sizeof p.sku);
        pg_col_copy(r, i, 2, p.location_id, sizeof p.location_id);
        p.stock_type = pg_col_int(r, i, 3);
        pg_col_copy(r, i, 4, p.transit_ref, sizeof p.transit_ref);
        p.channel_id = pg_col_i64(r, i, 5);
        fn(ctx, pg_col_i64(r, i, 0), &p);
    }
    PQclear(r);
    return 0;
}

int pg_import_apply(struct store *st, int64_t run_id, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_int(&p, run_id);
    if (s->copying)
        return err_set(e, ERR_STORE, "import_flush must come before import_apply");
    if (!s->staged)
        return 0; /* a file with a header and no rows */
    s->staged = false;
    /* Positions that exist, and the new ones with a plain INSERT. Should another
     * transaction create one of those meanwhile, the INSERT fails on it: its savepoint
     * undoes it and the rows go again the careful way (ON CONFLICT). */
    int rc = pg_ctl(s, "SAVEPOINT import_new", e, "save positions");
    if (rc)
        return rc;
    rc = pg_run(s, Q_IMPORT_SPLIT, &p, e, "save positions");
    if (rc == ERR_CONFLICT) {
        memset(&s->tx_err, 0, sizeof s->tx_err);
        if ((rc = pg_ctl(s, "ROLLBACK TO SAVEPOINT import_new", e, "save positions")))
            return rc;
        return pg_run(s, Q_IMPORT_APPLY, &p, e, "save positions");
    }
    return rc ? rc : pg_ctl(s, "RELEASE SAVEPOINT import_new", e, "save positions");
}

/* --- imports --- */

static int save_warnings(struct pg_store *s, const struct import_job *job, err_t *e);
static int load_warnings(struct pg_store *s, struct import_job *job, err_t *e);

int pg_import_save(struct store *st, const struct import_job *job, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, job->id);
    pg_p_int(&p, job->source);
    pg_p_text(&p, job->file_name[0] ? job->file_name : NULL);
    pg_p_int(&p, job->status);
    pg_p_int(&p, job->total_rows);
    pg_p_int(&p, job->rows_applied);
    pg_p_int(&p, job->total_errors);
    pg_p_text(&p, job->created_at);
    pg_p_text(&p, job->finished_at);
    int rc = pg_run(s, Q_IMPORT_SAVE, &p, e, "save the import job");
    for (size_t i = 0; !rc && i < job->nerrors; i++) {
        const struct import_error *ie = &job->errors[i];
        struct params q = {0};
        pg_p_text(&q, job->id);
        pg_p_int(&q, (int64_t)i);
        pg_p_int(&q, ie->line);
        if (ie->col >= 0)
            pg_p_int(&q, ie->col);
        else
            pg_p_text(&q, NULL);
        pg_p_text(&q, ie->has_value ? ie->value : NULL);
        pg_p_text(&q, ie->message);
        rc = pg_run(s, Q_IMPORT_ERROR_SAVE, &q, e, "save the import errors");
    }
    return rc ? rc : save_warnings(s, job, e);
}

static void read_job(const PGresult *r, int i, struct import_job *job)
{
    memset(job, 0, sizeof *job);
    pg_col_copy(r, i, 0, job->id, sizeof job->id);
    job->source = pg_col_int(r, i, 1);
    pg_col_copy(r, i, 2, job->file_name, sizeof job->file_name);
    job->status = pg_col_int(r, i, 3);
    job->total_rows = pg_col_i64(r, i, 4);
    job->rows_applied = pg_col_i64(r, i, 5);
    job->total_errors = pg_col_i64(r, i, 6);
    pg_col_copy(r, i, 7, job->created_at, sizeof job->created_at);
    pg_col_copy(r, i, 8, job->finished_at, sizeof job->finished_at);
}

static int import_get_errors(struct store *st, const char *id, struct import_job *job,
                             err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_IMPORT_GET, &p, &r, e, "read an import job");
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
    pg_p_limit(&p, cap);
    if ((rc = pg_exec_stmt(s, Q_IMPORT_ERRORS, &p, &r, e, "read an import job's errors")))
        return rc;
    for (int i = 0; i < PQntuples(r) && job->nerrors < cap; i++) {
        struct import_error *ie = &job->errors[job->nerrors++];
        ie->line = pg_col_i64(r, i, 0);
        ie->col = PQgetisnull(r, i, 1) ? -1 : pg_col_int(r, i, 1);
        ie->has_value = !PQgetisnull(r, i, 2);
        pg_col_copy(r, i, 2, ie->value, sizeof ie->value);
        pg_col_copy(r, i, 3, ie->message, sizeof ie->message);
    }
    PQclear(r);
    return 0;
}

int pg_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
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

int pg_import_list(struct store *st, const char *before, size_t limit,
                   struct import_job **out, size_t *n, err_t *e)
{
    *out = NULL; /* a failure leaves the outputs empty: callers free them */
    *n = 0;
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_limit(&p, limit);
    pg_p_text(&p, before && *before ? before : NULL);
    void *v = NULL;
    int rc = pg_list_rows(s, Q_IMPORT_LIST, &p, sizeof **out, row_job, &v, n, e,
                          "list import jobs");
    if (!rc)
        *out = v;
    return rc;
}

/* --- products (SPEC 5.3) --- */

static int save_warnings(struct pg_store *s, const struct import_job *job, err_t *e)
{
    if (!job->total_warnings)
        return 0;
    struct params p = {0};
    pg_p_text(&p, job->id);
    pg_p_int(&p, job->total_warnings);
    int rc = pg_run(s, Q_IMPORT_WARNING_TOTAL, &p, e, "save the import warnings");
    for (size_t i = 0; !rc && i < job->nwarnings; i++) {
        struct params q = {0};
        pg_p_text(&q, job->id);
        pg_p_int(&q, (int64_t)i);
        pg_p_text(&q, job->warnings[i].sku);
        pg_p_text(&q, job->warnings[i].message);
        rc = pg_run(s, Q_IMPORT_WARNING_SAVE, &q, e, "save the import warnings");
    }
    return rc;
}

static int load_warnings(struct pg_store *s, struct import_job *job, err_t *e)
{
    struct params p = {0};
    pg_p_text(&p, job->id);
    pg_p_limit(&p, IMPORT_WARNINGS_MAX);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_IMPORT_WARNINGS, &p, &r, e, "read an import job's warnings");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows && !(job->warnings = calloc((size_t)rows, sizeof *job->warnings))) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        struct import_warning *w = &job->warnings[job->nwarnings++];
        pg_col_copy(r, i, 0, w->sku, sizeof w->sku);
        pg_col_copy(r, i, 1, w->message, sizeof w->message);
        job->total_warnings = pg_col_i64(r, i, 2);
    }
    PQclear(r);
    return 0;
}

int pg_import_unsold(struct store *st, int64_t run_id, struct import_job *job, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_limit(&p, IMPORT_WARNINGS_MAX);
    free(job->warnings);
    job->warnings = NULL;
    job->nwarnings = 0;
    job->total_warnings = 0;
    if (s->stage_run != run_id)
        return 0; /* the run wrote no row: no stage */
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_IMPORT_UNSOLD, &p, &r, e, "look for SKUs without a product");
    if (rc)
        return rc;
    int rows = PQntuples(r);
    if (rows && !(job->warnings = calloc((size_t)rows, sizeof *job->warnings))) {
        PQclear(r);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < rows; i++) {
        import_warning_set(&job->warnings[job->nwarnings++], PQgetvalue(r, i, 0));
        job->total_warnings = pg_col_i64(r, i, 1);
    }
    PQclear(r);
    return 0;
}

int pg_product_find(struct store *st, const char *after, size_t limit, const char *q,
                    struct product **out, size_t *n, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, after ? after : "");
    pg_p_limit(&p, limit);
    pg_p_text(&p, q);
    void *v = NULL;
    int rc = pg_list_rows(s, Q_PRODUCT_FIND, &p, sizeof **out, row_product, &v, n, e,
                          "search products");
    if (!rc)
        *out = v;
    return rc;
}

int pg_positions_page(struct store *st, const char *after, size_t limit,
                      struct position_list *out, err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_text(&p, after ? after : "");
    pg_p_limit(&p, limit);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_POSITIONS_PAGE, &p, &r, e, "read positions");
    return rc ? rc : position_limit_rows(r, out, e);
}

int pg_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    pg_p_int(&p, item_id);
    PGresult *r;
    int rc = pg_exec_stmt(s, Q_PRODUCT_BY_ITEM, &p, &r, e, "find a product by itemId");
    if (rc)
        return rc;
    if (PQntuples(r) == 0)
        rc = err_set(e, ERR_NOTFOUND, "no product with itemId %lld", (long long)item_id);
    else
        pg_col_copy(r, 0, 0, sku, ID_MAX + 1);
    PQclear(r);
    return rc;
}

int pg_limits_get(struct store *st, const char *sku, const char *location_id,
                  struct limits *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    struct params p = {0};
    pg_p_text(&p, sku);
    pg_p_text(&p, location_id);
    PGresult *r;
    int rc = pg_exec_stmt(S(st), Q_LIMITS_GET, &p, &r, e, "read limits");
    if (rc)
        return rc;
    if (PQntuples(r) > 0)
        read_limits(r, 0, 0, out);
    PQclear(r);
    return 0;
}

int pg_limits_put(struct store *st, const char *sku, const char *location_id,
                  const struct limits *l, err_t *e)
{
    const bool has[4] = {l->has_safety_stock, l->has_preorder_limit, l->has_backorder_limit,
                         l->has_low_stock};
    const int64_t v[4] = {l->safety_stock, l->preorder_limit, l->backorder_limit,
                          l->low_stock};
    struct params p = {0};
    pg_p_text(&p, sku);
    pg_p_text(&p, location_id);
    for (int k = 0; k < 4; k++)
        if (has[k])
            pg_p_int(&p, v[k]);
        else
            pg_p_text(&p, NULL);
    PGresult *r;
    int rc = pg_exec_stmt(S(st), Q_LIMITS_PUT, &p, &r, e, "save limits");
    if (!rc)
        PQclear(r);
    return rc;
}

/* --- a placement's reads in one go --- */

int pg_lines_read(struct store *st, const char *const *skus, size_t n, bool lock,
                  int64_t *number, struct settings *set, struct product *products,
                  bool *found, struct position_list *lists, err_t *e)
{
    struct pg_store *s = S(st);
    if (!s->pipe) /* outside a write transaction */
        return store_lines_read_each(st, skus, n, lock, number, set, products, found, lists, e);
    enum stmt_id pos = lock ? Q_POSITIONS_LOCK : Q_POSITIONS_BY_SKU;
    /* rs[0]: the settings; rs[1 + 2i], rs[2 + 2i]: SKU i's product and positions. */
    PGresult **rs = calloc(1 + 2 * n, sizeof *rs);
    PGresult *num = NULL;
    if (!rs)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = number ? pg_pipe_send(s, Q_ORDER_NEXT_NUMBER, NULL, &num, e, "number an order") : 0;
    if (!rc)
        rc = pg_pipe_send(s, Q_SETTINGS_GET, NULL, &rs[0], e, "read the settings");
    for (size_t i = 0; i < n && !rc; i++) {
        struct params p = {0};
        pg_p_text(&p, skus[i]);
        if (!(rc = pg_pipe_send(s, Q_PRODUCT_GET, &p, &rs[1 + 2 * i], e, "read a product")))
            rc = pg_pipe_send(s, pos, &p, &rs[2 + 2 * i], e, "read positions");
    }
    if (!rc)
        rc = pg_pipe_flush(s, e);
    if (!rc && number)
        *number = pg_col_i64(num, 0, 0);
    if (!rc)
        pg_settings_rows(rs[0], set);
    for (size_t i = 0; i < n && !rc; i++) {
        found[i] = PQntuples(rs[1 + 2 * i]) > 0;
        if (found[i])
            read_product(rs[1 + 2 * i], 0, &products[i]);
        rc = position_limit_rows(rs[2 + 2 * i], &lists[i], e); /* clears it */
        rs[2 + 2 * i] = NULL;
    }
    for (size_t k = 0; k < 1 + 2 * n; k++)
        PQclear(rs[k]);
    free(rs);
    PQclear(num);
    return rc;
}

int pg_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                             struct position_list *out, int64_t *count, int64_t *before,
                             err_t *e)
{
    struct pg_store *s = S(st);
    struct params p = {0};
    PGresult *r;
    *count = *before = 0;
    if (loc)
        pg_p_text(&p, loc);
    int rc = pg_exec_stmt(s, loc ? Q_LOC_SKU_COUNT : Q_POSITION_COUNT, &p, &r, e,
                          "count positions");
    if (rc)
        return rc;
    *count = pg_col_i64(r, 0, 0);
    PQclear(r);
    if ((size_t)*count <= offset)
        return 0;
    if (loc) {
        *before = (int64_t)offset;
        pg_p_limit(&p, limit);
        pg_p_limit(&p, offset);
        rc = pg_exec_stmt(s, Q_LOC_POSITIONS_PAGE, &p, &r, e, "read positions");
        return rc ? rc : position_limit_rows(r, out, e);
    }
    pg_p_limit(&p, offset);
    if ((rc = pg_exec_stmt(s, Q_POSITION_AT, &p, &r, e, "find a position")))
        return rc;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0; /* deleted since the count */
    }
    char first[ID_MAX + 1];
    snprintf(first, sizeof first, "%s", PQgetvalue(r, 0, 0));
    *before = pg_col_i64(r, 0, 1);
    PQclear(r);
    struct params q = {0};
    pg_p_text(&q, first);
    pg_p_limit(&q, limit);
    rc = pg_exec_stmt(s, Q_POSITIONS_FROM, &q, &r, e, "read positions");
    return rc ? rc : position_limit_rows(r, out, e);
}

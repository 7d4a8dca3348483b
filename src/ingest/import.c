#include "ingest/import.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/limits.h"
#include "app/replan.h"
#include "ingest/csv.h"
#include "util/ids.h"

struct importer {
    struct store *st;
    struct import_job job;
    int64_t run; /* marks positions written by this job, to find duplicates */
    char idem_key[256];
    char idem_scope[256];
    char idem_fp[STORE_FP_LEN + 1];
    bool has_idem, keep_failed;
    struct location *locations; /* sorted by id, for the location rule */
    size_t nlocations;
    /* Rows that give limits (SPEC 9), kept until the end: they are checked against each
     * other there and applied with the positions. Only rows with a limit cell cost memory. */
    struct limits_entry *limits;
    size_t nlimits, caplimits;
    struct limits_row *rows; /* merged from limits at the end, in its buffer */
    size_t nrows;
};

struct limits_entry {
    int64_t line;
    struct limits_row row;
};

static int loc_cmp(const void *a, const void *b)
{
    return strcmp(((const struct location *)a)->id, ((const struct location *)b)->id);
}

static void importer_free(struct importer *im)
{
    import_job_free(&im->job);
    free(im->locations);
    free(im->limits);
    free(im);
}

int importer_begin(struct store *st, const struct import_opts *o, struct importer **out,
                   struct import_job *replay, err_t *e)
{
    struct importer *im = calloc(1, sizeof *im);
    if (!im || !(im->job.errors = calloc(IMPORT_ERRORS_MAX, sizeof *im->job.errors))) {
        free(im);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    im->st = st;
    im->run = ids_random64();
    ids_new("imp", im->job.id, sizeof im->job.id);
    ids_now(im->job.created_at);
    im->job.source = o->source;
    if (o->file_name)
        snprintf(im->job.file_name, sizeof im->job.file_name, "%s", o->file_name);
    int rc = store_begin(st, true, e);
    if (rc) {
        importer_free(im);
        return rc;
    }
    if (o->idem_key) {
        snprintf(im->idem_key, sizeof im->idem_key, "%s", o->idem_key);
        snprintf(im->idem_scope, sizeof im->idem_scope, "%s", o->idem_scope);
        snprintf(im->idem_fp, sizeof im->idem_fp, "%s", o->idem_fp);
        im->has_idem = true;
        im->keep_failed = o->keep_failed;
        char first[64];
        rc = store_idem_find(st, im->idem_scope, im->idem_key, im->idem_fp, first, sizeof first,
                             e);
        if (rc == 0)
            rc = store_import_get(st, first, replay, e);
        if (rc != ERR_NOTFOUND) {
            store_rollback(st);
            importer_free(im);
            return rc ? rc : 1;
        }
    }
    rc = store_location_list(st, &im->locations, &im->nlocations, e);
    if (rc) {
        store_rollback(st);
        importer_free(im);
        return rc;
    }
    if (im->nlocations) /* qsort and bsearch want a real array even when empty */
        qsort(im->locations, im->nlocations, sizeof *im->locations, loc_cmp);
    if (o->file_name) {
        err_t bad;
        if (importrow_file_name(o->file_name, &bad))
            importer_error(im, 0, -1, NULL, 0, bad.msg);
    }
    *out = im;
    return 0;
}

/* The length of s[0..len) cut to at most max bytes on a character boundary: half a UTF-8
 * sequence is not a string JSON can carry, and the error would vanish from the job. */
static size_t utf8_cut(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void importer_error(struct importer *im, int64_t line, int col, const char *value, size_t vlen,
                    const char *message)
{
    import_job_error(&im->job, line, col, value, vlen, message);
}

void import_job_error(struct import_job *job, int64_t line, int col, const char *value,
                      size_t vlen, const char *message)
{
    job->total_errors++;
    if (job->nerrors == IMPORT_ERRORS_MAX)
        return;
    struct import_error *ie = &job->errors[job->nerrors++];
    ie->line = line;
    ie->col = col;
    ie->has_value = value != NULL;
    if (value) {
        size_t n = utf8_cut(value, vlen, IMPORT_VALUE_MAX);
        memcpy(ie->value, value, n);
        ie->value[n] = '\0';
    }
    snprintf(ie->message, sizeof ie->message, "%.*s", (int)sizeof ie->message - 1, message);
}

static void on_duplicate(void *ctx, int64_t line, const struct position *p)
{
    char msg[256], channel[40] = "";
    if (p->channel_id)
        snprintf(channel, sizeof channel, " in channel %lld", (long long)p->channel_id);
    if (p->stock_type == STOCK_ONHAND)
        snprintf(msg, sizeof msg,
                 "onhand stock of %s at %s%s appears more than once in this file", p->sku,
                 p->location_id, channel);
    else
        snprintf(msg, sizeof msg,
                 "transit %s of %s at %s%s appears more than once in this file",
                 p->transit_ref, p->sku, p->location_id, channel);
    /* PostgreSQL finds duplicates after the last row: each takes its place by line among
     * the errors listed, so both backends list the same first IMPORT_ERRORS_MAX (SPEC 3). */
    struct import_job *job = &((struct importer *)ctx)->job;
    size_t at = job->nerrors;
    while (at > 0 && job->errors[at - 1].line > line)
        at--;
    if (at < IMPORT_ERRORS_MAX && job->nerrors == IMPORT_ERRORS_MAX)
        job->nerrors--; /* the last listed line makes room; it still counts in total_errors */
    size_t n = job->nerrors;
    importer_error(ctx, line, COL_SKU, p->sku, strlen(p->sku), msg);
    if (n == job->nerrors)
        return; /* counted, not listed */
    struct import_error dup = job->errors[n];
    memmove(&job->errors[at + 1], &job->errors[at], (n - at) * sizeof dup);
    job->errors[at] = dup;
}

struct row_ctx {
    struct importer *im;
    int64_t line;
    unsigned bad_cols; /* bit per column that had an error */
};

/* The columns that name a position. */
#define IDENTITY_COLS                                                                         \
    ((1u << COL_SKU) | (1u << COL_LOCATION_ID) | (1u << COL_STOCK_TYPE) |                    \
     (1u << COL_TRANSIT_REF) | (1u << COL_CHANNEL_ID))

static void on_row_error(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    struct row_ctx *rc = ctx;
    if (col >= 0)
        rc->bad_cols |= 1u << col;
    importer_error(rc->im, rc->line, col, value, vlen, msg);
}

/* The location a wrong-case id meant ("wh1" for WH1). Looked for only while errors are
 * still listed, so a file of a million bad rows does not scan the locations a million times. */
static const struct location *near_location(const struct importer *im, const char *id)
{
    if (im->job.nerrors == IMPORT_ERRORS_MAX)
        return NULL;
    for (size_t i = 0; i < im->nlocations; i++)
        if (!strcasecmp(im->locations[i].id, id))
            return &im->locations[i];
    return NULL;
}

/* The four limits of a row as arrays, to treat them alike (k: column COL_SAFETY_STOCK + k). */
struct limit_fields {
    bool *set[4], *has[4];
    int64_t *v[4];
};

static struct limit_fields limit_fields(struct limits_row *r)
{
    return (struct limit_fields){
        {&r->set_safety_stock, &r->set_preorder_limit, &r->set_backorder_limit,
         &r->set_low_stock},
        {&r->lim.has_safety_stock, &r->lim.has_preorder_limit, &r->lim.has_backorder_limit,
         &r->lim.has_low_stock},
        {&r->lim.safety_stock, &r->lim.preorder_limit, &r->lim.backorder_limit,
         &r->lim.low_stock}};
}

static int keep_limits(struct importer *im, int64_t line, const struct position *p,
                       unsigned set, const struct limits *lim, err_t *e)
{
    if (im->nlimits == im->caplimits) {
        size_t cap = im->caplimits ? im->caplimits * 2 : 64;
        struct limits_entry *v = realloc(im->limits, cap * sizeof *v);
        if (!v)
            return err_set(e, ERR_NOMEM, "out of memory");
        im->limits = v;
        im->caplimits = cap;
    }
    struct limits_entry *le = &im->limits[im->nlimits++];
    memset(le, 0, sizeof *le);
    le->line = line;
    memcpy(le->row.sku, p->sku, sizeof le->row.sku);
    memcpy(le->row.location_id, p->location_id, sizeof le->row.location_id);
    le->row.lim = *lim;
    struct limit_fields f = limit_fields(&le->row);
    for (int k = 0; k < 4; k++)
        *f.set[k] = set & (1u << k);
    return 0;
}

static int limits_entry_cmp(const void *a, const void *b)
{
    const struct limits_entry *x = a, *y = b;
    int c = strcmp(x->row.sku, y->row.sku);
    if (!c)
        c = strcmp(x->row.location_id, y->row.location_id);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Limits are per (sku, locationId): the rows of one pair in a file may each give some of
 * them, but not two values for one (each conflict is a line error, on the later line).
 * Leaves im->rows / nrows: one merged row per pair in (sku, locationId) order, for
 * limits_write. */
static void merge_limits(struct importer *im)
{
    size_t out = 0;
    int64_t first[4] = {0}; /* the line that gave each limit of the current pair */
    if (im->nlimits)
        qsort(im->limits, im->nlimits, sizeof *im->limits, limits_entry_cmp);
    for (size_t i = 0; i < im->nlimits; i++) {
        struct limits_entry *le = &im->limits[i];
        struct limits_row *m = out ? &im->limits[out - 1].row : NULL;
        if (!m || strcmp(m->sku, le->row.sku) || strcmp(m->location_id, le->row.location_id)) {
            im->limits[out++] = *le; /* merged in place: out <= i */
            for (int k = 0; k < 4; k++)
                first[k] = le->line;
            continue;
        }
        struct limit_fields to = limit_fields(m), from = limit_fields(&le->row);
        for (int k = 0; k < 4; k++) {
            if (!*from.set[k])
                continue;
            if (!*to.set[k]) {
                *to.set[k] = true;
                *to.has[k] = *from.has[k];
                *to.v[k] = *from.v[k];
                first[k] = le->line;
                continue;
            }
            if (*to.has[k] == *from.has[k] && (!*to.has[k] || *to.v[k] == *from.v[k]))
                continue;
            char msg[256], val[24] = "", was[24] = "none";
            if (*from.has[k])
                snprintf(val, sizeof val, "%lld", (long long)*from.v[k]);
            if (*to.has[k])
                snprintf(was, sizeof was, "%lld", (long long)*to.v[k]);
            snprintf(msg, sizeof msg,
                     "%s of %s at %s is %s on line %lld: one value per sku and locationId "
                     "in a file",
                     importrow_columns[COL_SAFETY_STOCK + k], m->sku, m->location_id, was,
                     (long long)first[k]);
            importer_error(im, le->line, COL_SAFETY_STOCK + k, *from.has[k] ? val : NULL,
                           strlen(val), msg);
        }
    }
    /* The merged rows packed to the front of the same buffer, so that a file with a limit
     * on every line does not hold two copies: a row is smaller than an entry, so each moves
     * to a lower address. */
    _Static_assert(sizeof(struct limits_row) < sizeof(struct limits_entry), "rows pack down");
    im->rows = (struct limits_row *)(void *)im->limits;
    im->nrows = out;
    for (size_t i = 0; i < out; i++)
        memmove(&im->rows[i], &im->limits[i].row, sizeof *im->rows);
}

int importer_row(struct importer *im, int64_t line, const struct importrow_value vals[COL_COUNT],
                 err_t *e)
{
    struct row_ctx ctx = {im, line, 0};
    struct position p;
    im->job.total_rows++;
    if (!vals)
        return 0;
    /* A row whose position is still known goes on even with errors in its other fields, so
     * that its unknown location or a later duplicate of it is reported in the same upload;
     * the failed job rolls its write back. */
    unsigned set;
    struct limits lim;
    bool bad = importrow_parse(vals, &p, on_row_error, &ctx) != 0;
    bool bad_limits = importrow_limits(vals, &set, &lim, on_row_error, &ctx) != 0;
    if (bad && (ctx.bad_cols & IDENTITY_COLS))
        return 0;
    struct location key;
    memcpy(key.id, p.location_id, sizeof key.id);
    if (!im->nlocations || !bsearch(&key, im->locations, im->nlocations, sizeof key, loc_cmp)) {
        char msg[256];
        const struct location *near = near_location(im, p.location_id);
        if (near)
            snprintf(msg, sizeof msg,
                     "location %s does not exist: location ids are case-sensitive, did you "
                     "mean %s?", p.location_id, near->id);
        else
            snprintf(msg, sizeof msg,
                     "location %s does not exist: add it first (sellahead location add)",
                     p.location_id);
        importer_error(im, line, COL_LOCATION_ID, vals[COL_LOCATION_ID].s,
                       vals[COL_LOCATION_ID].len, msg);
        return 0;
    }
    bool dup = false;
    int rc = store_position_import(im->st, &p, im->run, line, &dup, e);
    if (!rc && dup)
        on_duplicate(im, line, &p);
    if (!rc && set && !bad_limits)
        rc = keep_limits(im, line, &p, set, &lim, e);
    return rc;
}

static int save_job(struct importer *im, err_t *e)
{
    struct store *st = im->st;
    int rc = store_import_save(st, &im->job, e);
    /* Another server saved a job under this key first: run again to replay it. Only a job
     * answered with a 2xx is kept for the key (SPEC 5.5). */
    if (!rc && im->has_idem && (im->job.status == IMPORT_COMPLETED || im->keep_failed) &&
        (rc = store_idem_save(st, im->idem_scope, im->idem_key, im->idem_fp, im->job.id, e)) ==
            ERR_CONFLICT)
        rc = ERR_RETRY;
    return rc;
}

int importer_finish(struct importer *im, struct import_job *job, err_t *e)
{
    struct store *st = im->st;
    struct import_job *j = &im->job;
    ids_now(j->finished_at);
    int rc = store_import_flush(st, im->run, on_duplicate, im, e);
    if (rc) {
        importer_abort(im);
        return rc;
    }
    merge_limits(im);
    if (j->total_errors == 0) {
        j->status = IMPORT_COMPLETED;
        j->rows_applied = j->total_rows;
        rc = store_import_apply(st, im->run, e);
        if (!rc) /* the limits the file gives, the SKUs re-planned like a PUT's */
            rc = limits_write(st, im->rows, im->nrows, e);
        /* An import never refuses because of orders: what it took away is planned again. */
        if (!rc)
            rc = replan_import(st, im->run, e);
        if (!rc) /* only SKUs with a product are for sale */
            rc = store_import_unsold(st, im->run, j, e);
        if (!rc)
            rc = save_job(im, e);
        if (!rc)
            rc = store_commit(st, e);
    } else {
        /* All or nothing: drop every applied row, then record the failure on its own. */
        store_rollback(st);
        j->status = IMPORT_FAILED;
        j->rows_applied = 0;
        rc = store_begin(st, true, e);
        if (!rc)
            rc = save_job(im, e);
        if (!rc)
            rc = store_commit(st, e);
    }
    if (rc) {
        store_rollback(st);
        importer_free(im);
        return rc;
    }
    *job = im->job;
    im->job.errors = NULL;
    im->job.nerrors = 0;
    im->job.warnings = NULL;
    im->job.nwarnings = 0;
    importer_free(im);
    return 0;
}

void importer_abort(struct importer *im)
{
    if (!im)
        return;
    store_rollback(im->st);
    importer_free(im);
}

/* --- CSV files --- */

struct csv_ctx {
    struct importer *im;
    err_t *e;
    int store_rc;
    bool header_done, header_ok;
    size_t nfields;
    int map[CSV_FIELDS_MAX];
};

static void on_header_error(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    (void)col;
    importer_error(ctx, 1, -1, value, vlen, msg);
}

static int on_header(struct csv_ctx *c, const struct csv_record *rec)
{
    struct importrow_value names[CSV_FIELDS_MAX];
    for (size_t i = 0; i < rec->nfields; i++)
        names[i] = (struct importrow_value){rec->fields[i].s, rec->fields[i].len};
    c->nfields = rec->nfields;
    c->header_ok = importrow_header(names, rec->nfields, c->map, on_header_error, c->im) == 0;
    return 0;
}

static int on_record(void *ctx, const struct csv_record *rec)
{
    struct csv_ctx *c = ctx;
    if (!c->header_done) {
        c->header_done = true;
        if (rec->line != 1) {
            importer_error(c->im, 1, -1, NULL, 0,
                           "the first line must be the header: sku,locationId,stockType,...");
            return 0;
        }
        return on_header(c, rec);
    }
    if (!c->header_ok) /* rows cannot be read without a valid header; its errors say why */
        return importer_row(c->im, (int64_t)rec->line, NULL, c->e);
    size_t filled = 0;
    for (size_t i = 0; i < rec->nfields; i++)
        filled += rec->fields[i].len > 0;
    if (!filled) { /* what a spreadsheet leaves of a row it cleared: one error, not one a column */
        importer_error(c->im, (int64_t)rec->line, -1, NULL, 0,
                       "this line is an empty row (only commas): delete it");
        return importer_row(c->im, (int64_t)rec->line, NULL, c->e);
    }
    if (rec->nfields != c->nfields) {
        char msg[160];
        snprintf(msg, sizeof msg, "this line has %zu values but the header has %zu columns",
                 rec->nfields, c->nfields);
        importer_error(c->im, (int64_t)rec->line, -1, NULL, 0, msg);
        return importer_row(c->im, (int64_t)rec->line, NULL, c->e);
    }
    struct importrow_value vals[COL_COUNT] = {{NULL, 0}};
    for (size_t i = 0; i < rec->nfields; i++)
        vals[c->map[i]] = (struct importrow_value){rec->fields[i].s, rec->fields[i].len};
    int rc = importer_row(c->im, (int64_t)rec->line, vals, c->e);
    if (rc)
        c->store_rc = rc;
    return rc;
}

static int on_csv_error(void *ctx, size_t line, int field, const char *message)
{
    struct csv_ctx *c = ctx;
    int col = -1;
    if (c->header_done && c->header_ok && field >= 0 && (size_t)field < c->nfields)
        col = c->map[field];
    if (!c->header_done && line == 1)
        c->header_done = true; /* a broken header: the rest cannot be read */
    else
        importer_row(c->im, (int64_t)line, NULL, NULL);
    importer_error(c->im, (int64_t)line, col, NULL, 0, message);
    return 0;
}

static int import_csv_once(struct store *st, FILE *in, const struct import_opts *o,
                           struct import_job *job, import_progress_fn progress, void *pctx,
                           err_t *e)
{
    struct importer *im;
    int rc = importer_begin(st, o, &im, job, e);
    if (rc)
        return rc == 1 ? 0 : rc;
    struct csv_ctx c = {.im = im, .e = e};
    enum { CHUNK = 1 << 16 };
    struct csv_reader *r = csv_new(on_record, on_csv_error, &c);
    char *buf = malloc(CHUNK);
    if (!r || !buf) {
        csv_free(r);
        free(buf);
        importer_abort(im);
        return err_set(e, ERR_NOMEM, "out of memory");
    }
    uint64_t bytes = 0;
    size_t n;
    rc = 0;
    while (!rc && (n = fread(buf, 1, CHUNK, in)) > 0) {
        bytes += n;
        rc = csv_feed(r, buf, n);
        if (progress)
            progress(pctx, bytes, im->job.total_rows);
    }
    if (!rc && ferror(in))
        rc = err_set(e, ERR_IO, "could not read the file");
    if (!rc)
        rc = csv_finish(r);
    csv_free(r);
    free(buf);
    if (rc) {
        if (rc == ERR_NOMEM)
            err_set(e, rc, "out of memory");
        importer_abort(im);
        return rc;
    }
    if (!c.header_done)
        importer_error(im, 0, -1, NULL, 0,
                       "the file is empty: the first line must be the header "
                       "(download the template)");
    return importer_finish(im, job, e);
}

int import_csv(struct store *st, FILE *in, const struct import_opts *o, struct import_job *job,
               import_progress_fn progress, void *pctx, err_t *e)
{
    int rc = import_csv_once(st, in, o, job, progress, pctx, e);
    /* A lost race (PostgreSQL) runs the file again when it can be read again. */
    for (int i = 1; rc == ERR_RETRY && i < STORE_ATTEMPTS && fseek(in, 0, SEEK_SET) == 0; i++)
        rc = import_csv_once(st, in, o, job, progress, pctx, e);
    if (rc == ERR_RETRY)
        rc = err_set(e, ERR_UNAVAILABLE, "the database is too busy right now, try again");
    return rc;
}

/* The products CSV (SPEC 5.3): rows checked by the product row rules (the same ones as
 * POST /v1/products), upserted in one write transaction, committed only when no row had an
 * error; the job is kept in the import history with source IMPORT_PRODUCTS. */
#include <stdlib.h>
#include <string.h>

#include "app/products.h"
#include "ingest/csv.h"
#include "ingest/import.h"
#include "util/ids.h"

/* SKUs seen in this file, for the duplicate rule: open addressing, grown at half full. */
struct seen {
    char (*sku)[ID_MAX + 1];
    int64_t *line;
    size_t cap, n;
};

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int seen_grow(struct seen *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    char(*sku)[ID_MAX + 1] = calloc(cap, sizeof *sku);
    int64_t *line = calloc(cap, sizeof *line);
    if (!sku || !line) {
        free(sku);
        free(line);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->sku[i][0])
            continue;
        size_t j = hash(t->sku[i]) & (cap - 1);
        while (sku[j][0])
            j = (j + 1) & (cap - 1);
        memcpy(sku[j], t->sku[i], sizeof sku[j]);
        line[j] = t->line[i];
    }
    free(t->sku);
    free(t->line);
    t->sku = sku;
    t->line = line;
    t->cap = cap;
    return 0;
}

/* Adds sku; *first is the line it was first seen on, or 0 when it is new. */
static int seen_add(struct seen *t, const char *sku, int64_t line, int64_t *first)
{
    if (2 * (t->n + 1) > t->cap && seen_grow(t))
        return ERR_NOMEM;
    size_t j = hash(sku) & (t->cap - 1);
    while (t->sku[j][0] && strcmp(t->sku[j], sku))
        j = (j + 1) & (t->cap - 1);
    *first = t->sku[j][0] ? t->line[j] : 0;
    if (!*first) {
        snprintf(t->sku[j], sizeof t->sku[j], "%s", sku);
        t->line[j] = line;
        t->n++;
    }
    return 0;
}

struct pctx {
    struct store *st;
    struct import_job *job;
    err_t *e;
    struct seen seen;
    struct seen item_ids; /* itemIds (as decimal text) seen in this file */
    bool header_done, header_ok;
    size_t nfields;
    int map[CSV_FIELDS_MAX];
    int64_t line; /* of the row being checked */
};

static void on_error(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    struct pctx *c = ctx;
    import_job_error(c->job, c->line, col, value, vlen, msg);
}

static int on_row(struct pctx *c, const struct csv_record *rec)
{
    struct importrow_value vals[PCOL_COUNT] = {{NULL, 0}};
    struct product p;
    int64_t first;
    char msg[160];

    c->job->total_rows++;
    c->line = (int64_t)rec->line;
    if (!c->header_ok) /* rows cannot be read without a valid header; its errors say why */
        return 0;
    if (rec->nfields != c->nfields) {
        snprintf(msg, sizeof msg, "this line has %zu values but the header has %zu columns",
                 rec->nfields, c->nfields);
        import_job_error(c->job, c->line, -1, NULL, 0, msg);
        return 0;
    }
    for (size_t i = 0; i < rec->nfields; i++)
        if (c->map[i] >= 0)
            vals[c->map[i]] = (struct importrow_value){rec->fields[i].s, rec->fields[i].len};
    if (productrow_parse(vals, &p, on_error, c) && !p.sku[0])
        return 0;
    if (seen_add(&c->seen, p.sku, c->line, &first))
        return err_set(c->e, ERR_NOMEM, "out of memory");
    if (first) {
        snprintf(msg, sizeof msg, "product %s appears more than once in this file (first on "
                 "line %lld)", p.sku, (long long)first);
        import_job_error(c->job, c->line, PCOL_SKU, p.sku, strlen(p.sku), msg);
        return 0;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p.item_id);
    if (p.item_id && seen_add(&c->item_ids, id, c->line, &first))
        return err_set(c->e, ERR_NOMEM, "out of memory");
    if (p.item_id && first) {
        snprintf(msg, sizeof msg, "itemId %s appears more than once in this file (first on "
                 "line %lld)", id, (long long)first);
        import_job_error(c->job, c->line, PCOL_ITEM_ID, id, strlen(id), msg);
        return 0;
    }
    /* After the first error nothing will be committed: only check the rest. */
    if (c->job->total_errors)
        return 0;
    int rc = products_item_id_free(c->st, &p, c->e);
    if (rc == ERR_CONFLICT) {
        import_job_error(c->job, c->line, PCOL_ITEM_ID, id, strlen(id), c->e->msg);
        return 0;
    }
    return rc ? rc : store_product_upsert(c->st, &p, c->e);
}

static void on_header_error(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    struct pctx *c = ctx;
    (void)col;
    import_job_error(c->job, 1, -1, value, vlen, msg);
}

static int on_record(void *ctx, const struct csv_record *rec)
{
    struct pctx *c = ctx;
    if (c->header_done)
        return on_row(c, rec);
    c->header_done = true;
    if (rec->line != 1) {
        import_job_error(c->job, 1, -1, NULL, 0,
                         "the first line must be the header: sku,name,price,...");
        return 0;
    }
    struct importrow_value names[CSV_FIELDS_MAX];
    for (size_t i = 0; i < rec->nfields; i++)
        names[i] = (struct importrow_value){rec->fields[i].s, rec->fields[i].len};
    c->nfields = rec->nfields;
    c->header_ok = productrow_header(names, rec->nfields, c->map, on_header_error, c) == 0;
    return 0;
}

static int on_csv_error(void *ctx, size_t line, int field, const char *message)
{
    struct pctx *c = ctx;
    int col = -1;
    if (c->header_done && c->header_ok && field >= 0 && (size_t)field < c->nfields)
        col = c->map[field];
    if (!c->header_done && line == 1)
        c->header_done = true; /* a broken header: the rest cannot be read */
    else
        c->job->total_rows++;
    import_job_error(c->job, (int64_t)line, col, NULL, 0, message);
    return 0;
}

/* Reads the whole file into the open transaction; 0 or a store/IO error. */
static int read_file(struct pctx *c, FILE *in)
{
    enum { CHUNK = 1 << 16 };
    struct csv_reader *r = csv_new(on_record, on_csv_error, c);
    char *buf = malloc(CHUNK);
    int rc = 0;
    size_t n;
    if (!r || !buf)
        rc = err_set(c->e, ERR_NOMEM, "out of memory");
    while (!rc && (n = fread(buf, 1, CHUNK, in)) > 0)
        rc = csv_feed(r, buf, n);
    if (!rc && ferror(in))
        rc = err_set(c->e, ERR_IO, "could not read the file");
    if (!rc)
        rc = csv_finish(r);
    if (rc == ERR_NOMEM)
        err_set(c->e, rc, "out of memory");
    csv_free(r);
    free(buf);
    if (!rc && !c->header_done)
        import_job_error(c->job, 0, -1, NULL, 0,
                         "the file is empty: the first line must be the header "
                         "(download the template)");
    return rc;
}

static int import_once(struct store *st, FILE *in, const char *file_name,
                       struct import_job *job, err_t *e)
{
    memset(job, 0, sizeof *job);
    if (!(job->errors = calloc(IMPORT_ERRORS_MAX, sizeof *job->errors)))
        return err_set(e, ERR_NOMEM, "out of memory");
    ids_new("imp", job->id, sizeof job->id);
    ids_now(job->created_at);
    job->source = IMPORT_PRODUCTS;
    if (file_name) {
        err_t bad;
        snprintf(job->file_name, sizeof job->file_name, "%s", file_name);
        if (importrow_file_name(file_name, &bad))
            import_job_error(job, 0, -1, NULL, 0, bad.msg);
    }
    struct pctx c = {.st = st, .job = job, .e = e};
    int rc = store_begin(st, true, e);
    if (!rc)
        rc = read_file(&c, in);
    free(c.seen.sku);
    free(c.seen.line);
    free(c.item_ids.sku);
    free(c.item_ids.line);
    ids_now(job->finished_at);
    if (!rc && job->total_errors == 0) {
        job->status = IMPORT_COMPLETED;
        job->rows_applied = job->total_rows;
    } else if (!rc) {
        /* All or nothing: drop every row, then record the failure on its own. */
        store_rollback(st);
        job->status = IMPORT_FAILED;
        rc = store_begin(st, true, e);
    }
    if (!rc)
        rc = store_import_save(st, job, e);
    if (!rc)
        rc = store_commit(st, e);
    if (rc) {
        store_rollback(st);
        import_job_free(job);
    }
    return rc;
}

int import_products_csv(struct store *st, FILE *in, const char *file_name,
                        struct import_job *job, err_t *e)
{
    int rc = import_once(st, in, file_name, job, e);
    /* A lost race (PostgreSQL) runs the file again when it can be read again. */
    for (int i = 1; rc == ERR_RETRY && i < STORE_ATTEMPTS && fseek(in, 0, SEEK_SET) == 0; i++)
        rc = import_once(st, in, file_name, job, e);
    if (rc == ERR_RETRY)
        rc = err_set(e, ERR_UNAVAILABLE, "the database is too busy right now, try again");
    return rc;
}

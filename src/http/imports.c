/* Import jobs over HTTP: CSV uploads, the bulk insert API, job history and errors.csv. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/imports.h"
#include "app/lists.h"
#include "app/products.h"
#include "http/routes.h"
#include "ingest/import.h"
#include "view/view.h"

/* 201 for a completed job, 422 for a failed one, the job in the body either way. */
static int job_response(struct http_resp *out, struct import_job *job)
{
    unsigned status = job->status == IMPORT_COMPLETED ? 201 : 422;
    int rc = http_json(out, status, view_job(job, true));
    import_job_free(job);
    return rc;
}

void h_imports_create(struct http_req *r, struct http_resp *out)
{
    /* Without the "file" part there is no upload at all, not an empty file: no job. */
    const char *ct = http_header(r, "Content-Type");
    if (!r->upload_name && ct && !strncasecmp(ct, "multipart/form-data", 19)) {
        http_error(out, 400, "MALFORMED_REQUEST",
                   "the multipart body has no \"file\" field: send the CSV file as "
                   "field \"file\"",
                   NULL);
        return;
    }
    const char *name = r->upload_name ? r->upload_name : http_query(r, "fileName");
    struct import_opts o = {IMPORT_CSV, name, http_idem(r, out), r->idem_scope, r->body_fp, false};
    if (out->status)
        return;
    struct import_job job = {0};
    err_t e;
    if (import_csv(r->st, r->upload, &o, &job, NULL, NULL, &e)) {
        http_fail(out, &e);
        return;
    }
    job_response(out, &job);
}

void h_imports_list(struct http_req *r, struct http_resp *out)
{
    struct import_job *jobs;
    size_t n;
    err_t e;
    size_t limit = http_limit(r, 50, 200);
    /* One row more than the page tells whether another page follows. */
    if (imports_page(r->st, http_query(r, "cursor"), limit + 1, &jobs, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(items, view_job(&jobs[i], false));
    json_t *next = n > limit ? json_string(jobs[limit - 1].id) : json_null();
    free(jobs);
    http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

void h_imports_get(struct http_req *r, struct http_resp *out)
{
    struct import_job job;
    err_t e;
    if (imports_get(r->st, r->params[0], &job, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *doc = view_job(&job, true);
    import_job_free(&job);
    http_json(out, 200, doc);
}

/* Appends one CSV field, quoted when it needs to be. */
static void csv_put(FILE *f, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', f);
        for (; *s; s++) {
            if (*s == '"')
                fputc('"', f);
            fputc(*s, f);
        }
        fputc('"', f);
    } else {
        fputs(s, f);
    }
    fputc(last ? '\n' : ',', f);
}

void h_imports_errors_csv(struct http_req *r, struct http_resp *out)
{
    struct import_job job;
    err_t e;
    if (imports_get(r->st, r->params[0], &job, &e)) {
        http_fail(out, &e);
        return;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        import_job_free(&job);
        http_error(out, 500, "INTERNAL", "out of memory", NULL);
        return;
    }
    fputs("line,column,value,message\n", f);
    for (size_t i = 0; i < job.nerrors; i++) {
        const struct import_error *ie = &job.errors[i];
        fprintf(f, "%lld,", (long long)ie->line);
        csv_put(f, ie->col >= 0 ? import_column_name(job.source, ie->col) : "", false);
        csv_put(f, ie->has_value ? ie->value : "", false);
        csv_put(f, ie->message, true);
    }
    fclose(f);
    snprintf(out->header_name, sizeof out->header_name, "Content-Disposition");
    snprintf(out->header_value, sizeof out->header_value,
             "attachment; filename=\"%s-errors.csv\"", job.id);
    import_job_free(&job);
    out->status = 200;
    out->content_type = "text/csv; charset=utf-8";
    out->body = buf;
    out->len = len;
    
}

/* The records' itemIds (SPEC 9) resolved before the import starts (PostgreSQL streams an
 * import's rows: no other statement may run in between): "id" -> its SKU, or the message
 * of an unknown itemId. *out is NULL when no record has one. */
static int resolve_item_ids(struct store *st, json_t *records, json_t **out, err_t *e)
{
    *out = NULL;
    size_t i;
    json_t *rec;
    json_array_foreach(records, i, rec) {
        json_t *v = json_object_get(rec, "itemId");
        if (!json_is_integer(v) || json_integer_value(v) < 1)
            continue; /* a wrong one fails its row */
        char num[24], sku[ID_MAX + 1];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        if (!*out)
            *out = json_object();
        if (json_object_get(*out, num))
            continue;
        err_t le;
        int rc = products_sku_of(st, json_integer_value(v), sku, &le);
        if (rc && rc != ERR_NOTFOUND) {
            *e = le;
            json_decref(*out);
            *out = NULL;
            return rc;
        }
        json_object_set_new(*out, num,
                            json_pack("{s:s, s:b}", "v", rc ? le.msg : sku, "known", !rc));
    }
    return 0;
}

/* A bulk record's itemId names a product: its SKU becomes the record's sku (kept in buf),
 * and a sku given as well must be the same. Returns true when it recorded an error. */
static bool item_id_refused(json_t *ids, struct importer *im, int64_t line, json_t *v,
                            struct importrow_value *sku, char buf[ID_MAX + 1])
{
    if (!v || json_is_null(v))
        return false;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        importer_error(im, line, COL_ITEM_ID, NULL, 0,
                       "itemId must be a positive whole number");
        return true;
    }
    char msg[200], num[24];
    int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    json_t *got = json_object_get(ids, num);
    const char *text = json_string_value(json_object_get(got, "v"));
    if (!json_is_true(json_object_get(got, "known"))) {
        importer_error(im, line, COL_ITEM_ID, num, (size_t)n, text);
        return true;
    }
    snprintf(buf, ID_MAX + 1, "%s", text);
    if (sku->s && (sku->len != strlen(buf) || memcmp(sku->s, buf, sku->len))) {
        snprintf(msg, sizeof msg, "itemId %s is product %s, not sku \"%.64s\"", num, buf,
                 sku->s);
        importer_error(im, line, COL_ITEM_ID, num, (size_t)n, msg);
        return true;
    }
    *sku = (struct importrow_value){buf, strlen(buf)};
    return false;
}

/* One bulk record: JSON values become the same text values a CSV row would have, so the
 * same row rules apply. */
static int bulk_record(json_t *ids, struct importer *im, int64_t line, json_t *rec, err_t *e)
{
    if (!json_is_object(rec)) {
        importer_error(im, line, -1, NULL, 0, "each record must be a JSON object");
        return importer_row(im, line, NULL, e);
    }
    struct importrow_value vals[COL_COUNT] = {{NULL, 0}};
    bool seen[COL_COUNT] = {false};
    bool wrong_type = false;
    char num[COL_COUNT][24];
    const char *key;
    json_t *v;
    json_object_foreach(rec, key, v) {
        char msg[200];
        int col = importrow_column(key, strlen(key), true);
        if (!strcmp(key, "itemId")) {
            continue; /* after the sku, below */
        } else if (col < 0) {
            snprintf(msg, sizeof msg, "unknown field \"%.60s\"", key);
            importer_error(im, line, -1, key, strlen(key), msg);
        } else if (seen[col]) {
            snprintf(msg, sizeof msg,
                     "%s is given twice (check type/stockType and totalQuantity/quantity)",
                     importrow_columns[col]);
            importer_error(im, line, col, NULL, 0, msg);
        } else if (json_is_string(v)) {
            vals[col] = (struct importrow_value){json_string_value(v), json_string_length(v)};
        } else if (json_is_integer(v)) {
            int n = snprintf(num[col], sizeof num[col], "%" JSON_INTEGER_FORMAT,
                             json_integer_value(v));
            vals[col] = (struct importrow_value){num[col], (size_t)n};
        } else if (json_is_null(v)) {
            vals[col] = (struct importrow_value){importrow_null, 0}; /* clears a limit */
        } else {
            snprintf(msg, sizeof msg, "%s must be a string or a whole number",
                     importrow_columns[col]);
            importer_error(im, line, col, NULL, 0, msg);
            wrong_type = true;
        }
        if (col >= 0)
            seen[col] = true;
    }
    char sku[ID_MAX + 1];
    wrong_type |= item_id_refused(ids, im, line, json_object_get(rec, "itemId"), &vals[COL_SKU],
                                  sku);
    /* A value of the wrong JSON type has no text: the row rules would call it missing, a
     * second and wrong error for the same field. Count the row without checking it, as a
     * CSV line that cannot be read. */
    return importer_row(im, line, wrong_type ? NULL : vals, e);
}

struct bulk {
    json_t *records, *ids;
};

static int bulk_feed(void *ctx, struct importer *im, err_t *e)
{
    struct bulk *b = ctx;
    size_t i;
    json_t *rec;
    int rc = 0;
    json_array_foreach(b->records, i, rec) {
        if ((rc = bulk_record(b->ids, im, (int64_t)i + 1, rec, e)))
            break;
    }
    return rc;
}

int imports_bulk_run(struct http_req *r, json_t *body, struct http_resp *out,
                     bool failed_is_2xx, struct import_job *job)
{
    if (!json_is_array(body))
        return http_error(out, 422, "VALIDATION_FAILED",
                          "the body must be a JSON array of inventory records", NULL);
    struct import_opts o = {IMPORT_API, NULL, http_idem(r, out), r->idem_scope, r->body_fp,
                            failed_is_2xx};
    if (out->status)
        return 0;
    err_t e;
    json_t *ids;
    int rc = resolve_item_ids(r->st, body, &ids, &e);
    if (rc)
        return http_fail(out, &e);
    struct bulk b = {body, ids};
    rc = imports_run(r->st, &o, bulk_feed, &b, job, &e);
    json_decref(ids);
    if (rc < 0)
        return http_fail(out, &e);
    return 1;
}

void h_imports_bulk(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    struct import_job job = {0};
    int rc = imports_bulk_run(r, body, out, false, &job);
    json_decref(body);
    rc == 1 ? job_response(out, &job) : 0;
}

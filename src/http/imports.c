/* Import jobs over HTTP: CSV uploads, the bulk insert API, job history and errors.csv. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/imports.h"
#include "app/lists.h"
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

int h_imports_create(struct http_req *r, struct http_resp *out)
{
    /* Without the "file" part there is no upload at all, not an empty file: no job. */
    const char *ct = http_header(r, "Content-Type");
    if (!r->upload_name && ct && !strncasecmp(ct, "multipart/form-data", 19))
        return http_error(out, 400, "MALFORMED_REQUEST",
                          "the multipart body has no \"file\" field: send the CSV file as "
                          "field \"file\"",
                          NULL);
    const char *name = r->upload_name ? r->upload_name : http_query(r, "fileName");
    struct import_opts o = {IMPORT_CSV, name, http_idem(r, out), r->idem_scope, r->body_fp};
    if (out->status)
        return 0;
    struct import_job job = {0};
    err_t e;
    if (import_csv(r->st, r->upload, &o, &job, NULL, NULL, &e))
        return http_fail(out, &e);
    return job_response(out, &job);
}

int h_imports_list(struct http_req *r, struct http_resp *out)
{
    struct import_job *jobs;
    size_t n;
    err_t e;
    size_t limit = http_limit(r, 50, 200);
    /* One row more than the page tells whether another page follows. */
    if (imports_page(r->st, http_query(r, "cursor"), limit + 1, &jobs, &n, &e))
        return http_fail(out, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(items, view_job(&jobs[i], false));
    json_t *next = n > limit ? json_string(jobs[limit - 1].id) : json_null();
    free(jobs);
    return http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

int h_imports_get(struct http_req *r, struct http_resp *out)
{
    struct import_job job;
    err_t e;
    if (imports_get(r->st, r->params[0], &job, &e))
        return http_fail(out, &e);
    json_t *doc = view_job(&job, true);
    import_job_free(&job);
    return http_json(out, 200, doc);
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

int h_imports_errors_csv(struct http_req *r, struct http_resp *out)
{
    struct import_job job;
    err_t e;
    if (imports_get(r->st, r->params[0], &job, &e))
        return http_fail(out, &e);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        import_job_free(&job);
        return http_error(out, 500, "INTERNAL", "out of memory", NULL);
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
    return 0;
}

/* One bulk record: JSON values become the same text values a CSV row would have, so the
 * same row rules apply. */
static int bulk_record(struct importer *im, int64_t line, json_t *rec, err_t *e)
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
        if (col < 0) {
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
        } else if (!json_is_null(v)) {
            snprintf(msg, sizeof msg, "%s must be a string or a whole number",
                     importrow_columns[col]);
            importer_error(im, line, col, NULL, 0, msg);
            wrong_type = true;
        }
        if (col >= 0)
            seen[col] = true;
    }
    /* A value of the wrong JSON type has no text: the row rules would call it missing, a
     * second and wrong error for the same field. Count the row without checking it, as a
     * CSV line that cannot be read. */
    return importer_row(im, line, wrong_type ? NULL : vals, e);
}

static int bulk_feed(void *ctx, struct importer *im, err_t *e)
{
    size_t i;
    json_t *rec;
    int rc = 0;
    json_array_foreach((json_t *)ctx, i, rec) {
        if ((rc = bulk_record(im, (int64_t)i + 1, rec, e)))
            break;
    }
    return rc;
}

int h_imports_bulk(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return 0;
    if (!json_is_array(body)) {
        json_decref(body);
        return http_error(out, 422, "VALIDATION_FAILED",
                          "the body must be a JSON array of inventory records", NULL);
    }
    struct import_opts o = {IMPORT_API, NULL, http_idem(r, out), r->idem_scope, r->body_fp};
    if (out->status) {
        json_decref(body);
        return 0;
    }
    struct import_job job = {0};
    err_t e;
    int rc = imports_run(r->st, &o, bulk_feed, body, &job, &e);
    json_decref(body);
    if (rc < 0)
        return http_fail(out, &e);
    return job_response(out, &job);
}

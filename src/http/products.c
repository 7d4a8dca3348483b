/* The catalog: products with their availability summary. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/products.h"
#include "http/routes.h"
#include "ingest/import.h"
#include "view/view.h"

struct problems {
    json_t *details;
    size_t idx;
    unsigned skip; /* columns already reported for a value of the wrong JSON type */
};

static void add_problem(struct problems *p, const char *field, const char *msg)
{
    json_array_append_new(p->details, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)p->idx,
                                                "field", field, "message", msg));
}

static void on_problem(void *ctx, int col, const char *value, size_t vlen, const char *msg)
{
    struct problems *p = ctx;
    (void)value;
    (void)vlen;
    if (col < 0 || !(p->skip & (1u << col)))
        add_problem(p, col >= 0 ? productrow_columns[col] : "", msg);
}

/* Checks one product with the products CSV's row rules (the JSON values become the text a
 * CSV row would hold); adds {"index","field","message"} to details for each problem. */
static void product_parse(json_t *o, size_t idx, struct product *p, json_t *details)
{
    struct problems pr = {details, idx, 0};
    char msg[160], num[PCOL_COUNT][24];
    if (!json_is_object(o)) {
        add_problem(&pr, "", "each product must be a JSON object");
        return;
    }
    struct importrow_value vals[PCOL_COUNT] = {{NULL, 0}};
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int col = productrow_column(key, strlen(key));
        if (col < 0) {
            snprintf(msg, sizeof msg, "unknown field \"%.60s\"", key);
            add_problem(&pr, key, msg);
        } else if ((col == PCOL_PRICE || col == PCOL_ITEM_ID) && json_is_integer(v)) {
            int n = snprintf(num[col], sizeof num[col], "%" JSON_INTEGER_FORMAT,
                             json_integer_value(v));
            vals[col] = (struct importrow_value){num[col], (size_t)n};
        } else if (col != PCOL_PRICE && col != PCOL_ITEM_ID && json_is_string(v)) {
            vals[col] = (struct importrow_value){json_string_value(v), json_string_length(v)};
        } else if (!json_is_null(v)) {
            snprintf(msg, sizeof msg, "%s must be %s", key,
                     col == PCOL_PRICE     ? "a whole number of minor units (1999 for 19.99)"
                     : col == PCOL_ITEM_ID ? "a whole number from 1"
                                           : "a string");
            add_problem(&pr, key, msg);
            pr.skip |= 1u << col; /* the rules would call it missing as well */
        }
    }
    productrow_parse(vals, p, on_problem, &pr);
}

void h_products_upsert(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    if (!json_is_array(body)) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be a JSON array of products", NULL);
        return;
    }
    size_t n = json_array_size(body);
    struct product *v = calloc(n ? n : 1, sizeof *v);
    json_t *details = json_array();
    if (!v) {
        json_decref(body);
        json_decref(details);
        http_error(out, 500, "INTERNAL", "out of memory", NULL);
        return;
    }
    json_t *ids = json_object(); /* itemId -> index of its first product */
    for (size_t i = 0; i < n; i++) {
        product_parse(json_array_get(body, i), i, &v[i], details);
        char key[24], msg[120];
        snprintf(key, sizeof key, "%lld", (long long)v[i].item_id);
        json_t *first = v[i].item_id ? json_object_get(ids, key) : NULL;
        if (first) {
            snprintf(msg, sizeof msg,
                     "itemId %s is also given to the product at index %" JSON_INTEGER_FORMAT,
                     key, json_integer_value(first));
            add_problem(&(struct problems){details, i, 0}, "itemId", msg);
        } else if (v[i].item_id) {
            json_object_set_new(ids, key, json_integer((json_int_t)i));
        }
    }
    json_decref(ids);
    json_decref(body);
    if (json_array_size(details)) {
        free(v);
        http_error(out, 422, "VALIDATION_FAILED", "some products are not valid; nothing "
                   "was saved", details);
        return;
    }
    json_decref(details);
    err_t e;
    int rc = products_save(r->st, v, n, &e);
    free(v);
    if (rc) {
        http_fail(out, &e);
        return;
    }
    http_json(out, 200, json_pack("{s:I}", "upserted", (json_int_t)n));
}

void h_products_list(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    if (http_settings(r, &s, &e)) {
        http_fail(out, &e);
        return;
    }
    size_t limit = http_limit(r, 50, 200);
    struct product *v;
    size_t n;
    const char *q = http_query(r, "q");
    if (products_page(r->st, http_query(r, "cursor"), limit, q, &v, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    date_t today = date_today();
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct item it;
        if (view_item_load(r->st, v[i].sku, 0, &s, today, &it, &e)) {
            free(v);
            json_decref(items);
            http_fail(out, &e);
            return;
        }
        json_array_append_new(items, view_product(&v[i], &it));
        view_item_free(&it);
    }
    json_t *next = n == limit ? json_string(v[n - 1].sku) : json_null();
    free(v);
    http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

void h_products_get(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    struct product p;
    if (http_settings(r, &s, &e)) {
        http_fail(out, &e);
        return;
    }
    int rc = products_get(r->st, r->params[0], &p, &e);
    if (rc == ERR_NOTFOUND) {
        http_error(out, 404, "PRODUCT_NOT_FOUND", "no product with this SKU", NULL);
        return;
    }
    if (rc) {
        http_fail(out, &e);
        return;
    }
    struct item it;
    if (view_item_load(r->st, p.sku, 0, &s, date_today(), &it, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *doc = view_product(&p, &it);
    view_item_free(&it);
    http_json(out, 200, doc);
}

/* POST /v1/products/imports: the products CSV, as multipart field "file" or text/csv with
 * ?fileName=. 201 with a COMPLETED job, 422 with a FAILED one. */
void h_products_import(struct http_req *r, struct http_resp *out)
{
    const char *ct = http_header(r, "Content-Type");
    if (!r->upload_name && ct && !strncasecmp(ct, "multipart/form-data", 19)) {
        http_error(out, 400, "MALFORMED_REQUEST",
                   "the multipart body has no \"file\" field: send the CSV file as "
                   "field \"file\"",
                   NULL);
        return;
    }
    const char *name = r->upload_name ? r->upload_name : http_query(r, "fileName");
    struct import_job job;
    err_t e;
    if (import_products_csv(r->st, r->upload, name, &job, &e)) {
        http_fail(out, &e);
        return;
    }
    http_json(out, job.status == IMPORT_COMPLETED ? 201 : 422, view_job(&job, true));
    import_job_free(&job);
}

void h_products_template(struct http_req *r, struct http_resp *out)
{
    (void)r;
    snprintf(out->header_name, sizeof out->header_name, "Content-Disposition");
    snprintf(out->header_value, sizeof out->header_value,
             "attachment; filename=\"products-template.csv\"");
    http_bytes(out, 200, "text/csv; charset=utf-8", productrow_template,
               strlen(productrow_template));
}

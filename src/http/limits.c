/* Limits per (sku, location) (SPEC 9): PUT /v1/inventory/limits. */
#include <stdio.h>
#include <string.h>

#include "app/limits.h"
#include "http/routes.h"
#include "view/view.h"

static const char *const limit_fields[4] = {"safetyStock", "preorderLimit", "backorderLimit",
                                            "lowStock"};

static void problem(json_t *details, size_t idx, const char *field, const char *msg)
{
    json_array_append_new(details, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)idx,
                                             "field", field, "message", msg));
}

/* One row of the body into r; each problem goes to details. */
static void row_parse(json_t *o, size_t idx, struct limits_row *r, json_t *details)
{
    memset(r, 0, sizeof *r);
    if (!json_is_object(o)) {
        problem(details, idx, "", "each row must be a JSON object");
        return;
    }
    const char *ids[2] = {"sku", "locationId"};
    char *dst[2] = {r->sku, r->location_id};
    for (int k = 0; k < 2; k++) {
        json_t *v = json_object_get(o, ids[k]);
        char num[24];
        /* A whole number names the id with those digits, as in fabric's bulk insert. */
        const char *s = json_is_string(v) ? json_string_value(v) : NULL;
        if (json_is_integer(v) && json_integer_value(v) >= 0) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            s = num;
        }
        err_t e;
        if (!s)
            problem(details, idx, ids[k], v ? "must be a string" : "is required");
        else if (importrow_id(k == 0 ? COL_SKU : COL_LOCATION_ID, s, strlen(s), &e))
            problem(details, idx, ids[k], e.msg);
        else
            snprintf(dst[k], ID_MAX + 1, "%s", s);
    }
    bool *set[4] = {&r->set_safety_stock, &r->set_preorder_limit, &r->set_backorder_limit,
                    &r->set_low_stock};
    bool *has[4] = {&r->lim.has_safety_stock, &r->lim.has_preorder_limit,
                    &r->lim.has_backorder_limit, &r->lim.has_low_stock};
    int64_t *val[4] = {&r->lim.safety_stock, &r->lim.preorder_limit, &r->lim.backorder_limit,
                       &r->lim.low_stock};
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        int k = 0;
        while (k < 4 && strcmp(key, limit_fields[k]))
            k++;
        if (k == 4) {
            if (strcmp(key, "sku") && strcmp(key, "locationId"))
                problem(details, idx, key, "unknown field");
            continue;
        }
        *set[k] = true; /* absent: unchanged; null: none */
        if (json_is_null(v))
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 ||
            json_integer_value(v) > LIMITS_VALUE_MAX) {
            problem(details, idx, key, "must be null or a whole number from 0 to 2147483647");
            continue;
        }
        *has[k] = true;
        *val[k] = json_integer_value(v);
    }
}

void h_limits_put(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    if (!json_is_array(body) || json_array_size(body) > LIMITS_ROWS_MAX) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be a JSON array of at most 500 rows {\"sku\", "
                   "\"locationId\", \"safetyStock\", \"preorderLimit\", "
                   "\"backorderLimit\", \"lowStock\"}",
                   NULL);
        return;
    }
    size_t n = json_array_size(body);
    struct limits_row *rows = calloc(n ? n : 1, sizeof *rows);
    json_t *details = json_array();
    if (!rows) {
        json_decref(body);
        json_decref(details);
        http_error(out, 500, "INTERNAL", "out of memory", NULL);
        return;
    }
    for (size_t i = 0; i < n; i++)
        row_parse(json_array_get(body, i), i, &rows[i], details);
    json_decref(body);
    if (json_array_size(details) > 0) {
        free(rows);
        http_error(out, 422, "VALIDATION_FAILED",
                   "some rows are not valid limits; nothing was changed", details);
        return;
    }
    json_decref(details);
    err_t e;
    if (limits_apply(r->st, rows, n, &e)) {
        free(rows);
        http_fail(out, &e);
        return;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = view_limits(&rows[i].lim);
        json_object_set_new(o, "sku", json_string(rows[i].sku));
        json_object_set_new(o, "locationId", json_string(rows[i].location_id));
        json_array_append_new(list, o);
    }
    free(rows);
    http_json(out, 200, json_pack("{s:o}", "limits", list));
}

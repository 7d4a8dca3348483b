/* The catalog: products with their availability summary. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "view/view.h"

/* Optional string field of at most max bytes; returns a message or NULL. */
static const char *opt_text(json_t *o, const char *key, size_t max, char *dst, bool required)
{
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        dst[0] = '\0';
        return required ? "is required" : NULL;
    }
    if (!json_is_string(v))
        return "must be a string";
    if (json_string_length(v) > max || strlen(json_string_value(v)) != json_string_length(v))
        return "is too long";
    if (required && json_string_length(v) == 0)
        return "is required";
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return NULL;
}

/* Checks one product; adds {"index","field","message"} to details for each problem. */
static void product_parse(json_t *o, size_t idx, struct product *p, json_t *details)
{
    static const char *const known[] = {"sku",         "name",    "price", "currency",
                                        "description", "imageUrl"};
    char msg[256], idmsg[256];
#define PROBLEM(field, ...)                                                                   \
    do {                                                                                      \
        snprintf(msg, sizeof msg, __VA_ARGS__);                                               \
        json_array_append_new(details, json_pack("{s:I, s:s, s:s}", "index", (json_int_t)idx, \
                                                 "field", field, "message", msg));            \
    } while (0)
    if (!json_is_object(o)) {
        PROBLEM("", "each product must be a JSON object");
        return;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v) {
        bool ok = false;
        for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
            ok |= !strcmp(key, known[i]);
        if (!ok)
            PROBLEM(key, "unknown field \"%.60s\"", key);
    }
    const char *sku = json_string_value(json_object_get(o, "sku"));
    if (!sku)
        PROBLEM("sku", "sku is required");
    else if (importrow_id(COL_SKU, sku, strlen(sku), idmsg, sizeof idmsg) == 0)
        snprintf(p->sku, sizeof p->sku, "%s", sku);
    else
        PROBLEM("sku", "%s", idmsg);
    const char *m;
    if ((m = opt_text(o, "name", PRODUCT_NAME_MAX, p->name, true)))
        PROBLEM("name", "name %s (at most %d characters)", m, PRODUCT_NAME_MAX);
    json_t *price = json_object_get(o, "price");
    if (!json_is_integer(price) || json_integer_value(price) < 0)
        PROBLEM("price", "price must be a whole number of minor units (cents), 0 or more");
    else if (json_integer_value(price) > PRODUCT_PRICE_MAX)
        PROBLEM("price", "price must be at most %lld minor units (10^12)",
                (long long)PRODUCT_PRICE_MAX);
    else
        p->price = json_integer_value(price);
    if ((m = opt_text(o, "currency", 3, p->currency, false)))
        PROBLEM("currency", "currency %s", m);
    else if (!p->currency[0])
        memcpy(p->currency, "USD", 4);
    else if (strlen(p->currency) != 3 || !isupper((unsigned char)p->currency[0]) ||
             !isupper((unsigned char)p->currency[1]) || !isupper((unsigned char)p->currency[2]))
        PROBLEM("currency", "currency must be an ISO 4217 code such as USD");
    if ((m = opt_text(o, "description", PRODUCT_TEXT_MAX, p->description, false)))
        PROBLEM("description", "description %s", m);
    if ((m = opt_text(o, "imageUrl", PRODUCT_URL_MAX, p->image_url, false)))
        PROBLEM("imageUrl", "imageUrl %s", m);
#undef PROBLEM
}

int products_upsert(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return 0;
    if (!json_is_array(body)) {
        json_decref(body);
        return http_error(out, 422, "VALIDATION_FAILED",
                          "the body must be a JSON array of products", NULL);
    }
    size_t n = json_array_size(body);
    struct product *v = calloc(n ? n : 1, sizeof *v);
    json_t *details = json_array();
    if (!v) {
        json_decref(body);
        json_decref(details);
        return http_error(out, 500, "INTERNAL", "out of memory", NULL);
    }
    for (size_t i = 0; i < n; i++)
        product_parse(json_array_get(body, i), i, &v[i], details);
    json_decref(body);
    if (json_array_size(details)) {
        free(v);
        return http_error(out, 422, "VALIDATION_FAILED", "some products are not valid; nothing "
                          "was saved", details);
    }
    json_decref(details);
    err_t e;
    int rc = r->st->ops->begin(r->st, true, &e);
    for (size_t i = 0; !rc && i < n; i++)
        rc = r->st->ops->product_upsert(r->st, &v[i], &e);
    if (!rc)
        rc = r->st->ops->commit(r->st, &e);
    free(v);
    if (rc)
        return http_fail(out, &e);
    return http_json(out, 200, json_pack("{s:I}", "upserted", (json_int_t)n));
}

int products_list(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    if (http_settings(r, &s, &e))
        return http_fail(out, &e);
    size_t limit = http_limit(r, 50, 200);
    struct product *v;
    size_t n;
    if (r->st->ops->product_page(r->st, http_query(r, "cursor"), limit, &v, &n, &e))
        return http_fail(out, &e);
    date_t today = date_today();
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++) {
        struct item it;
        if (view_item_load(r->st, v[i].sku, &s, today, &it, &e)) {
            free(v);
            json_decref(items);
            return http_fail(out, &e);
        }
        json_array_append_new(items, view_product(&v[i], &it));
        view_item_free(&it);
    }
    json_t *next = n == limit ? json_string(v[n - 1].sku) : json_null();
    free(v);
    return http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

int products_get(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    struct product p;
    if (http_settings(r, &s, &e))
        return http_fail(out, &e);
    int rc = r->st->ops->product_get(r->st, r->params[0], &p, &e);
    if (rc == ERR_NOTFOUND)
        return http_error(out, 404, "PRODUCT_NOT_FOUND", "no product with this SKU", NULL);
    if (rc)
        return http_fail(out, &e);
    struct item it;
    if (view_item_load(r->st, p.sku, &s, date_today(), &it, &e))
        return http_fail(out, &e);
    json_t *doc = view_product(&p, &it);
    view_item_free(&it);
    return http_json(out, 200, doc);
}

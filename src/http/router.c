/* Routing and what is decided from a request's line and headers, the handler run, and the
 * helpers handlers use. Nothing here calls libmicrohttpd (see server.h). */
#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/settings.h"
#include "http/routes.h"
#include "http/server.h"
#include "util/apikey.h"

/* Literal routes come before the wildcard ones they would otherwise match. */
static const struct route routes[] = {
    {"GET", "/healthz", h_health_get, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/inventory/template.csv", h_inventory_template, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/inventory/query", h_inventory_query, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/inventory/bulk", h_imports_bulk, BODY_BULK, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports", h_imports_list, BODY_NONE, AUTH_KEY, false},
    {"POST", "/v1/inventory/imports", h_imports_create, BODY_UPLOAD, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports/*", h_imports_get, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports/*/errors.csv", h_imports_errors_csv, BODY_NONE, AUTH_KEY, false},
    {"POST", "/v1/inventory/receipts", h_receipts_create, BODY_JSON, AUTH_KEY, false},
    {"PUT", "/v1/inventory/limits", h_limits_put, BODY_JSON, AUTH_KEY, false},
    {"GET", "/v1/inventory", h_inventory_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/inventory/*", h_inventory_get, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/locations", h_locations_list, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/locations", h_locations_create, BODY_JSON, AUTH_KEY, false},
    {"GET", "/v1/products/template.csv", h_products_template, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/products/imports", h_products_import, BODY_UPLOAD, AUTH_KEY, false},
    {"GET", "/v1/products", h_products_list, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/products", h_products_upsert, BODY_BULK, AUTH_KEY, false},
    {"GET", "/v1/products/*", h_products_get, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/carts", h_carts_create, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/carts/*", h_carts_get, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/carts/*/items", h_carts_add, BODY_JSON, AUTH_PUBLIC, false},
    {"PUT", "/v1/carts/*/items/*", h_carts_set, BODY_JSON, AUTH_PUBLIC, false},
    {"DELETE", "/v1/carts/*/items/*", h_carts_remove, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/orders", h_orders_create, BODY_JSON, AUTH_PUBLIC, true},
    {"GET", "/v1/orders", h_orders_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/orders/*", h_orders_get, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/orders/*/cancel", h_orders_cancel, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/orders/*/payment", h_orders_payment, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/shipments/*/ship", h_shipments_ship, BODY_JSON, AUTH_KEY, false},
    {"POST", "/v1/shipments/*/cancel", h_shipments_cancel, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/shipments/*/delay-consent", h_shipments_delay_consent, BODY_JSON, AUTH_PUBLIC,
     false},
    {"GET", "/v1/purchase-orders", h_purchase_orders_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/outbox", h_outbox_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/transit-positions", h_transit_positions_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/settings", h_settings_get, BODY_NONE, AUTH_PUBLIC, false},
    /* fabric's inventory API (SPEC 9) */
    {"POST", "/api-inventory/inventory/bulk-insert", h_fabric_bulk_insert, BODY_BULK, AUTH_KEY,
     false},
    {"POST", "/api-inventory/inventory", h_fabric_get_inventories, BODY_JSON, AUTH_PUBLIC,
     false},
    {"GET", "/api-inventory/inventory/location/*", h_fabric_location_inventory, BODY_NONE,
     AUTH_KEY, false},
    {"POST", "/inventories/actions/find", h_fabric_find, BODY_JSON, AUTH_KEY, false},
    {"POST", "/backorders-preorders/search", h_fabric_records_search, BODY_JSON, AUTH_KEY,
     false},
    {"GET", "/backorders-preorders/*", h_fabric_records_get, BODY_NONE, AUTH_KEY, false},
    {"POST", "/backorders-preorders/*/actions/save-delay-consent", h_fabric_records_consent,
     BODY_JSON, AUTH_KEY, false},
    {"GET", "/", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/p/*", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/cart", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/checkout", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/orders/*", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/admin", h_web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/assets/*", h_web_asset, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/session", h_session_create, BODY_JSON, AUTH_PUBLIC, false},
    {"GET", "/v1/session", h_session_get, BODY_NONE, AUTH_PUBLIC, false},
    {"DELETE", "/v1/session", h_session_delete, BODY_NONE, AUTH_KEY, false},
    {"PUT", "/v1/settings", h_settings_put, BODY_JSON, AUTH_KEY, false},
};

/* --- helpers for handlers --- */

/* A request without a source (a fuzzer's) has no query, headers or cookies. */
static const char *value(struct http_req *r, enum http_kind kind, const char *key)
{
    return r->src ? r->src->value(r->conn, kind, key) : NULL;
}

const char *http_query(struct http_req *r, const char *key)
{
    return value(r, HTTP_QUERY, key);
}

const char *http_header(struct http_req *r, const char *name)
{
    return value(r, HTTP_HEADER, name);
}

const char *http_cookie(struct http_req *r, const char *name)
{
    return value(r, HTTP_COOKIE, name);
}

size_t http_count(struct http_req *r, enum http_kind kind, const char *key)
{
    return r->src ? r->src->count(r->conn, kind, key) : 0;
}

void http_client_addr(struct http_req *r, char *buf, size_t cap)
{
    snprintf(buf, cap, "?");
    if (r->src)
        r->src->client_addr(r->conn, buf, cap);
}

int http_bytes(struct http_resp *out, unsigned status, const char *type, const char *data,
               size_t len)
{
    out->status = status;
    out->content_type = type;
    out->body = malloc(len ? len : 1);
    if (!out->body)
        return http_error(out, 500, "INTERNAL", "out of memory", NULL);
    memcpy(out->body, data, len);
    out->len = len;
    return 0;
}

int http_json(struct http_resp *out, unsigned status, json_t *doc)
{
    char *s = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    out->status = status;
    out->content_type = "application/json; charset=utf-8";
    if (!s) {
        static const char oom[] =
            "{\"error\":{\"code\":\"INTERNAL\",\"message\":\"out of memory\"}}";
        free(out->body);
        out->status = 500;
        out->body = strdup(oom);
        out->len = out->body ? sizeof oom - 1 : 0;
        return 0;
    }
    free(out->body);
    out->body = s;
    out->len = strlen(s);
    return 0;
}

int http_error(struct http_resp *out, unsigned status, const char *code, const char *message,
               json_t *details)
{
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", message);
    if (details)
        json_object_set_new(err, "details", details);
    return http_json(out, status, json_pack("{s:o}", "error", err));
}

int http_fail(struct http_resp *out, const err_t *e)
{
    static const struct {
        int code;
        unsigned status;
        const char *name;
    } map[] = {
        {ERR_INVALID, 422, "VALIDATION_FAILED"},   {ERR_NOTFOUND, 404, "NOT_FOUND"},
        {ERR_CONFLICT, 409, "CONFLICT"},           {ERR_TOOLARGE, 413, "PAYLOAD_TOO_LARGE"},
        {ERR_AUTH, 401, "UNAUTHORIZED"},           {ERR_MALFORMED, 400, "MALFORMED_REQUEST"},
        {ERR_UNAVAILABLE, 503, "UNAVAILABLE"},     {ERR_PAYMENT, 402, "PAYMENT_DECLINED"},
        {ERR_RETRY, 503, "UNAVAILABLE"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].code == e->code)
            return http_error(out, map[i].status, e->name ? e->name : map[i].name, e->msg,
                              NULL);
    return http_error(out, 500, "INTERNAL", "something went wrong on the server", NULL);
}

int http_body_json(struct http_req *r, struct http_resp *out, json_t **doc)
{
    json_error_t je;
    /* DECODE_ANY: a well-formed scalar is the handler's 422 to give, not a parse error. */
    *doc = json_loadb(r->body ? r->body : "", r->body_len,
                      JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (*doc)
        return 0;
    char msg[400];
    snprintf(msg, sizeof msg, "malformed JSON at line %d, column %d (byte %d): %s", je.line,
             je.column, je.position, je.text);
    http_error(out, 400, "MALFORMED_JSON", msg,
               json_pack("[{s:i, s:i, s:i}]", "line", je.line, "column", je.column,
                         "position", je.position));
    return -1;
}

int http_body_consent(struct http_req *r, struct http_resp *out, bool *accept)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return -1;
    json_t *c = json_object_get(body, "consent");
    const char *v = json_is_object(body) && json_object_size(body) == 1 && json_is_string(c)
                        ? json_string_value(c)
                        : "";
    *accept = !strcmp(v, "ACCEPT");
    bool ok = *accept || !strcmp(v, "DECLINE");
    json_decref(body);
    if (ok)
        return 0;
    http_error(out, 422, "VALIDATION_FAILED",
               "the body must be {\"consent\": \"ACCEPT\"} or {\"consent\": \"DECLINE\"}",
               NULL);
    return -1;
}

size_t http_limit_value(const char *v, size_t def, size_t max)
{
    if (!v || !*v)
        return def;
    char *end;
    long n = strtol(v, &end, 10);
    if (*end || n < 1)
        return def;
    return (size_t)n > max ? max : (size_t)n;
}

size_t http_limit(struct http_req *r, size_t def, size_t max)
{
    return http_limit_value(http_query(r, "limit"), def, max);
}

/* The API key the request presents: "Authorization: Bearer <key>", else fabric's
 * "x-api-key: <key>" (SPEC 9), else NULL. */
static const char *request_key(struct http_req *r)
{
    const char *auth = http_header(r, "Authorization");
    if (auth && !strncasecmp(auth, "Bearer ", 7))
        return auth + 7;
    return http_header(r, "x-api-key");
}

bool http_has_key(struct http_req *r)
{
    const char *key = request_key(r);
    if (key)
        return apikey_verify(r->st, key);
    return session_valid(r);
}

const char *http_idem(struct http_req *r, struct http_resp *out)
{
    const char *key = http_header(r, "Idempotency-Key");
    if (!key)
        return NULL;
    if (!*key || strlen(key) > 255) {
        http_error(out, 422, "VALIDATION_FAILED",
                   "the Idempotency-Key header must have 1 to 255 characters", NULL);
        return NULL;
    }
    const char *auth = request_key(r);
    char user[ID_MAX + 1];
    if (auth) {
        if (apikey_verify(r->st, auth))
            snprintf(r->idem_scope, sizeof r->idem_scope, "%.100s key:%.*s", r->url,
                     (int)strcspn(auth, "."), auth);
        else
            snprintf(r->idem_scope, sizeof r->idem_scope, "%.100s -", r->url);
    } else if (session_user(r, user)) {
        snprintf(r->idem_scope, sizeof r->idem_scope, "%.100s user:%s", r->url, user);
    } else {
        snprintf(r->idem_scope, sizeof r->idem_scope, "%.100s -", r->url);
    }
    return key;
}

/* Per-thread settings cache: settings are read on every availability answer. */
static _Thread_local struct {
    bool valid;
    uint64_t version;
    struct settings s;
} settings_cache;

int http_settings(struct http_req *r, struct settings *s, err_t *e)
{
    uint64_t v = store_version(r->st);
    if (!settings_cache.valid || settings_cache.version != v) {
        int rc = settings_load(r->st, &settings_cache.s, e);
        if (rc)
            return rc;
        settings_cache.valid = true;
        settings_cache.version = v;
    }
    *s = settings_cache.s;
    return 0;
}

/* --- routing --- */

/* Matches path against pattern; fills params with decoded copies of "*" segments.
 * 1 on match, 0 otherwise. */
static int route_match(const char *pattern, const char *path, struct http_req *r)
{
    size_t np = 0;
    while (*pattern && *path) {
        if (*pattern == '*') {
            size_t n = strcspn(path, "/");
            if (n == 0 || np == HTTP_MAX_PARAMS)
                goto nomatch;
            /* MHD hands over the path already percent-decoded. */
            r->params[np] = strndup(path, n);
            if (!r->params[np])
                goto nomatch;
            np++;
            path += n;
            pattern++;
        } else if (*pattern++ != *path++) {
            goto nomatch;
        }
    }
    if (*pattern || *path)
        goto nomatch;
    r->nparams = np;
    return 1;
nomatch:
    for (size_t i = 0; i < np; i++) {
        free(r->params[i]);
        r->params[i] = NULL;
    }
    return 0;
}

const struct route *http_route_find(const char *method, const char *url, struct http_req *r,
                                    bool *path_known)
{
    *path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!route_match(routes[i].pattern, url, r))
            continue;
        if (!strcmp(routes[i].method, method))
            return &routes[i];
        *path_known = true;
        for (size_t k = 0; k < r->nparams; k++) {
            free(r->params[k]);
            r->params[k] = NULL;
        }
        r->nparams = 0;
    }
    return NULL;
}

/* --- decisions from the request line and headers --- */

const struct route *http_route(struct http_req *r, const char *method, const char *url,
                               struct http_resp *early)
{
    bool path_known;
    const struct route *rt = http_route_find(method, url, r, &path_known);
    /* Unknown storefront paths get the store's HTML 404 page; API paths (/v1/..., any
     * /vN, /healthz...) keep JSON. */
    static const struct route not_found_page = {"GET", "", h_web_not_found, BODY_NONE,
                                                AUTH_PUBLIC, false};
    size_t digits = url[0] == '/' && url[1] == 'v' ? strspn(url + 2, "0123456789") : 0;
    bool api = (digits && (url[2 + digits] == '/' || !url[2 + digits])) ||
               !strncmp(url, "/healthz", 8) || !strncmp(url, "/api-inventory/", 15) ||
               !strncmp(url, "/inventories/", 13);
    if (!rt && !path_known && !api && !strcmp(method, "GET"))
        rt = &not_found_page;
    if (!rt) {
        if (path_known)
            http_error(early, 405, "METHOD_NOT_ALLOWED", "this method is not allowed here",
                       NULL);
        else
            http_error(early, 404, "NOT_FOUND", "no such resource", NULL);
    }
    return rt;
}

size_t http_body_limit(enum body_kind kind)
{
    return kind == BODY_BULK ? BULK_LIMIT : kind == BODY_UPLOAD ? UPLOAD_LIMIT : JSON_LIMIT;
}

bool http_content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int http_admit(struct http_req *r, const struct route *rt, struct http_resp *early)
{
    if (rt->auth == AUTH_KEY && !http_has_key(r)) {
        http_error(early, 401, "UNAUTHORIZED",
                   "this endpoint needs an API key (Authorization: Bearer <key> or "
                   "x-api-key: <key>) or a console session with its X-CSRF-Token header",
                   NULL);
        return -1;
    }
    const char *ct = http_header(r, "Content-Type");
    const char *cl = http_header(r, "Content-Length");
    /* An empty body needs no content type (e.g. POST .../cancel). */
    bool has_body = (cl && strtoull(cl, NULL, 10) > 0) || http_header(r, "Transfer-Encoding");
    if (cl && strtoull(cl, NULL, 10) > http_body_limit(rt->body)) {
        http_error(early, 413, "PAYLOAD_TOO_LARGE", "the request body is too large", NULL);
        return -1;
    }
    if ((rt->body == BODY_JSON || rt->body == BODY_BULK) && has_body &&
        !http_content_type_is(ct, "application/json")) {
        http_error(early, 415, "UNSUPPORTED_MEDIA_TYPE",
                   "send the body as Content-Type: application/json", NULL);
        return -1;
    }
    if (rt->body == BODY_UPLOAD && !http_content_type_is(ct, "multipart/form-data") &&
        !http_content_type_is(ct, "text/csv")) {
        http_error(early, 415, "UNSUPPORTED_MEDIA_TYPE",
                   "upload the file as multipart/form-data (field \"file\") or as "
                   "Content-Type: text/csv",
                   NULL);
        return -1;
    }
    return 0;
}

/* --- the handler run --- */

bool http_run(const struct route *rt, struct http_req *r, struct http_resp *resp,
              bool (*offload)(void *ctx, struct http_resp *resp), void *ctx)
{
    for (;;) {
        rt->handler(r, resp);
        assert(!resp->after_commit || !resp->status); /* asked for instead of an answer */
        /* A handler that failed mid-transaction must not leave it open for the next
         * request. */
        store_rollback(r->st);
        if (!resp->status && r->slow_fn && !r->slow_done) {
            if (offload) {
                if (offload(ctx, resp))
                    return false; /* the handler runs again once the work is done */
            } else {
                r->slow_fn(r->slow_arg);
                r->slow_done = true;
                continue;
            }
        }
        if (!resp->after_commit)
            break;
        void (*call)(struct http_req *) = resp->after_commit;
        resp->after_commit = NULL;
        call(r); /* the handler's transactions are committed already */
    }
    if (!resp->status)
        http_error(resp, 500, "INTERNAL", "the handler gave no answer", NULL);
    return true;
}

/* The HTTP server on libmicrohttpd: a thread pool sized to the cores, one store connection
 * per thread (order placements on PostgreSQL: a database pool of their own), routing,
 * request bodies (JSON buffered, CSV uploads spooled to a temporary file), and the response
 * written on the last callback so keep-alive stays on. */
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "app/delays.h"
#include "app/payments.h"
#include "app/readmodel.h"
#include "core/date.h"
#include "http/http.h"
#include "http/routes.h"
#include "mail/worker.h"
#include "util/apikey.h"

#define JSON_LIMIT (1u << 20)      /* ordinary JSON bodies */
#define BULK_LIMIT (64u << 20)     /* bulk inventory sync */
#define UPLOAD_LIMIT (1024u << 20) /* CSV uploads, spooled to disk */

enum body_kind { BODY_NONE, BODY_JSON, BODY_BULK, BODY_UPLOAD };
enum auth_kind { AUTH_PUBLIC, AUTH_KEY };

struct route {
    const char *method;
    const char *pattern; /* "*" matches one path segment */
    http_handler handler;
    enum body_kind body;
    enum auth_kind auth;
    bool grouped; /* runs on the group-commit writer: many share one durable commit (on
                   * PostgreSQL, on the database pool) */
};

/* Literal routes come before the wildcard ones they would otherwise match. */
static const struct route routes[] = {
    {"GET", "/healthz", health_get, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/inventory/template.csv", inventory_template, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/inventory/query", inventory_query, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/inventory/bulk", imports_bulk, BODY_BULK, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports", imports_list, BODY_NONE, AUTH_KEY, false},
    {"POST", "/v1/inventory/imports", imports_create, BODY_UPLOAD, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports/*", imports_get, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/inventory/imports/*/errors.csv", imports_errors_csv, BODY_NONE, AUTH_KEY, false},
    {"POST", "/v1/inventory/receipts", receipts_create_h, BODY_JSON, AUTH_KEY, false},
    {"GET", "/v1/inventory", inventory_list, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/inventory/*", inventory_get, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/locations", locations_list, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/locations", locations_create, BODY_JSON, AUTH_KEY, false},
    {"GET", "/v1/products/template.csv", products_template, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/products/imports", products_import, BODY_UPLOAD, AUTH_KEY, false},
    {"GET", "/v1/products", products_list, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/products", products_upsert, BODY_BULK, AUTH_KEY, false},
    {"GET", "/v1/products/*", products_get, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/carts", carts_create_h, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/v1/carts/*", carts_get_h, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/carts/*/items", carts_add_h, BODY_JSON, AUTH_PUBLIC, false},
    {"PUT", "/v1/carts/*/items/*", carts_set_h, BODY_JSON, AUTH_PUBLIC, false},
    {"DELETE", "/v1/carts/*/items/*", carts_remove_h, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/orders", orders_create_h, BODY_JSON, AUTH_PUBLIC, true},
    {"GET", "/v1/orders", orders_list_h, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/orders/*", orders_get_h, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/orders/*/cancel", orders_cancel_h, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/orders/*/payment", orders_payment_h, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/shipments/*/ship", shipments_ship_h, BODY_JSON, AUTH_KEY, false},
    {"POST", "/v1/shipments/*/cancel", shipments_cancel_h, BODY_JSON, AUTH_PUBLIC, false},
    {"POST", "/v1/shipments/*/delay-consent", shipments_delay_consent_h, BODY_JSON, AUTH_PUBLIC,
     false},
    {"GET", "/v1/purchase-orders", purchase_orders_list_h, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/outbox", outbox_list_h, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/transit-positions", transit_positions_h, BODY_NONE, AUTH_KEY, false},
    {"GET", "/v1/settings", settings_get_h, BODY_NONE, AUTH_PUBLIC, false},
    /* fabric's inventory API (SPEC 9) */
    {"POST", "/api-inventory/inventory/bulk-insert", fabric_bulk_insert, BODY_BULK, AUTH_KEY,
     false},
    {"POST", "/api-inventory/inventory", fabric_get_inventories, BODY_JSON, AUTH_PUBLIC, false},
    {"GET", "/api-inventory/inventory/location/*", fabric_location_inventory, BODY_NONE,
     AUTH_KEY, false},
    {"POST", "/inventories/actions/find", fabric_find, BODY_JSON, AUTH_KEY, false},
    {"GET", "/", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/p/*", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/cart", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/checkout", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/orders/*", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/admin", web_page, BODY_NONE, AUTH_PUBLIC, false},
    {"GET", "/assets/*", web_asset, BODY_NONE, AUTH_PUBLIC, false},
    {"POST", "/v1/session", session_create_h, BODY_JSON, AUTH_PUBLIC, false},
    {"GET", "/v1/session", session_get_h, BODY_NONE, AUTH_PUBLIC, false},
    {"DELETE", "/v1/session", session_delete_h, BODY_NONE, AUTH_KEY, false},
    {"PUT", "/v1/settings", settings_put_h, BODY_JSON, AUTH_KEY, false},
};

/* Per-connection state between the callbacks of one request. */
struct conn_ctx {
    const struct route *route;
    struct http_req req;
    struct http_resp early; /* an answer decided before the body was read */
    bool has_early;
    bool abort; /* a chunked body far beyond its limit: close the connection */
    crypto_generichash_state fp; /* the body's fingerprint, when an Idempotency-Key came */
    bool fp_on;
    char addr[64];              /* the client's address, while in the slow-work queue */
    struct conn_ctx *slow_next; /* in the slow-work queue */
    size_t body_cap;
    size_t received;
    struct MHD_PostProcessor *pp;
    struct http_resp resp;   /* a grouped request's answer, ready when done */
    bool done;
    struct conn_ctx *next;   /* in the group-commit queue */
};

static const struct http_config *config;
static struct worker *mail_worker;
static pthread_key_t store_key;

static void store_destroy(void *p)
{
    struct store *st = p;
    st->ops->close(st);
}

/* The calling thread's connection, opened on first use. */
static struct store *thread_store(err_t *e)
{
    struct store *st = pthread_getspecific(store_key);
    if (!st && store_open(config->db_url, &st, e) == 0)
        pthread_setspecific(store_key, st);
    return st;
}

void http_mail_wake(void)
{
    if (mail_worker)
        worker_wake(mail_worker);
}

/* --- helpers for handlers --- */

const char *http_query(struct http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
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

static size_t limit_value(const char *v, size_t def, size_t max)
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
    return limit_value(http_query(r, "limit"), def, max);
}

/* The API key the request presents: "Authorization: Bearer <key>", else fabric's
 * "x-api-key: <key>" (SPEC 9), else NULL. */
static const char *request_key(struct http_req *r)
{
    const char *auth = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
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
    uint64_t v = r->st->ops->version(r->st);
    if (!settings_cache.valid || settings_cache.version != v) {
        int rc = r->st->ops->settings_get(r->st, &settings_cache.s, e);
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

static const struct route *route_find(const char *method, const char *url, struct http_req *r,
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

/* --- group commit ---
 * Each durable commit costs an fsync, so placing orders one commit at a time is bound by the
 * disk. Grouped requests are suspended and queued; one writer thread runs every queued
 * request in a single write transaction (each in its own savepoint) and commits them
 * together, then resumes their connections. */

#define GROUP_MAX 256
/* Provider calls between a placement's steps wait on the network (a real provider answers
 * in 100 ms or more): they run on threads of their own, many at once, while the writer
 * goes on committing; each call's request then joins the writer's queue again. */
#define CALL_THREADS 16

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct conn_ctx *head, *tail;
    bool stopping, running;
    size_t calling; /* requests out on the call threads, to come back */
    pthread_t thread;
    struct store *st;
} group = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct conn_ctx *head, *tail;
    bool stopping;
    size_t nthreads;
    pthread_t threads[CALL_THREADS];
} calls = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void queue_push(struct conn_ctx **head, struct conn_ctx **tail, struct conn_ctx *c)
{
    c->next = NULL;
    if (*tail)
        (*tail)->next = c;
    else
        *head = c;
    *tail = c;
}

/* One call thread, with its own store connection (the test provider keeps its record in
 * the database). */
static void *call_main(void *arg)
{
    struct store *st = arg;
    pthread_mutex_lock(&calls.lock);
    for (;;) {
        while (!calls.head && !calls.stopping)
            pthread_cond_wait(&calls.cond, &calls.lock);
        struct conn_ctx *c = calls.head;
        if (!c)
            break;
        calls.head = c->next;
        if (!calls.head)
            calls.tail = NULL;
        pthread_mutex_unlock(&calls.lock);
        void (*call)(struct http_req *) = c->resp.after_commit;
        c->resp.after_commit = NULL;
        c->req.st = st;
        call(&c->req);
        pthread_mutex_lock(&group.lock);
        queue_push(&group.head, &group.tail, c);
        group.calling--;
        pthread_cond_signal(&group.cond);
        pthread_mutex_unlock(&group.lock);
        pthread_mutex_lock(&calls.lock);
    }
    pthread_mutex_unlock(&calls.lock);
    st->ops->close(st);
    return NULL;
}

static void calls_stop(void)
{
    pthread_mutex_lock(&calls.lock);
    calls.stopping = true;
    pthread_cond_broadcast(&calls.cond);
    pthread_mutex_unlock(&calls.lock);
    for (size_t i = 0; i < calls.nthreads; i++)
        pthread_join(calls.threads[i], NULL);
    calls.nthreads = 0;
}

/* Hands a request's after-commit call to a call thread; false when there is none. */
static bool call_submit(struct conn_ctx *c)
{
    pthread_mutex_lock(&calls.lock);
    bool ok = calls.nthreads > 0 && !calls.stopping;
    if (ok) {
        pthread_mutex_lock(&group.lock);
        group.calling++;
        pthread_mutex_unlock(&group.lock);
        queue_push(&calls.head, &calls.tail, c);
        pthread_cond_signal(&calls.cond);
    }
    pthread_mutex_unlock(&calls.lock);
    return ok;
}

/* Answers a grouped request: resumes its connection. */
static void group_answer(struct conn_ctx *c, bool ok, const err_t *e)
{
    if (!ok) {
        free(c->resp.body);
        memset(&c->resp, 0, sizeof c->resp);
        http_fail(&c->resp, e);
    }
    c->done = true;
    MHD_resume_connection(c->req.conn);
}

/* Runs one batch; returns the requests that asked for a call after the commit (their calls
 * made), which join the next batch: a placement's steps then share their commits with
 * other requests' too. */
static struct conn_ctx *group_run_batch(struct conn_ctx *batch)
{
    err_t e;
    bool ok = group.st->ops->batch_begin(group.st, &e) == 0;
    for (struct conn_ctx *c = batch; ok && c; c = c->next) {
        c->req.st = group.st;
        c->route->handler(&c->req, &c->resp);
        group.st->ops->rollback(group.st); /* a savepoint a failed handler left open */
    }
    if (ok)
        ok = group.st->ops->batch_end(group.st, true, &e) == 0;
    struct conn_ctx *carry = NULL, **tail = &carry;
    for (struct conn_ctx *c = batch; c;) {
        struct conn_ctx *next = c->next;
        if (ok && c->resp.after_commit && call_submit(c)) {
            c = next;
            continue;
        }
        if (ok && c->resp.after_commit) { /* no call threads: the call is made here */
            void (*call)(struct http_req *) = c->resp.after_commit;
            c->resp.after_commit = NULL;
            call(&c->req);
            c->next = NULL;
            *tail = c;
            tail = &c->next;
        } else {
            group_answer(c, ok, &e);
        }
        c = next;
    }
    http_mail_wake();
    return carry;
}

static void *group_main(void *arg)
{
    (void)arg;
    struct conn_ctx *carry = NULL;
    pthread_mutex_lock(&group.lock);
    for (;;) {
        while (!group.head && !carry && (!group.stopping || group.calling))
            pthread_cond_wait(&group.cond, &group.lock);
        if (!group.head && !carry && !group.calling)
            break;
        int n = 0;
        struct conn_ctx *batch = carry, **tail = &batch;
        for (; *tail; tail = &(*tail)->next)
            n++;
        while (group.head && n < GROUP_MAX) {
            struct conn_ctx *c = group.head;
            group.head = c->next;
            c->next = NULL;
            *tail = c;
            tail = &c->next;
            n++;
        }
        if (!group.head)
            group.tail = NULL;
        pthread_mutex_unlock(&group.lock);
        carry = group_run_batch(batch);
        pthread_mutex_lock(&group.lock);
    }
    pthread_mutex_unlock(&group.lock);
    return NULL;
}

/* --- database pool ---
 * Without group commit (PostgreSQL) each placement is its own transactions, and most of its
 * time is spent waiting for the database across the network. On the HTTP threads (one per
 * core) a server would keep only that many in flight; grouped requests go to a pool of
 * threads of their own instead, each with its own connection, sized for those waits. */

#define POOL_DEFAULT 16
#define POOL_MAX 256

static struct {
    pthread_t threads[POOL_MAX];
    unsigned n;
} pool;

/* SELLAHEAD_DB_POOL: the pool's threads (and so connections) per server. */
static unsigned pool_size(void)
{
    const char *v = getenv("SELLAHEAD_DB_POOL");
    char *end;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : POOL_DEFAULT;
    return v && *v && (*end || n < 1 || n > POOL_MAX) ? POOL_DEFAULT : (unsigned)n;
}

/* Runs one request as the HTTP threads would, on this thread's connection. */
static void pool_run(struct conn_ctx *c, struct store **st)
{
    err_t e;
    if (!*st && store_open(config->db_url, st, &e)) {
        *st = NULL;
        /* libpq's words stay in the log: the client learns only that it may try again. */
        fprintf(stderr, "sellahead: database pool: %s\n", e.msg);
        if (e.code == ERR_UNAVAILABLE)
            err_set(&e, ERR_UNAVAILABLE, "the database is unavailable, try again");
        http_fail(&c->resp, &e);
    }
    c->req.st = *st;
    while (*st) {
        c->route->handler(&c->req, &c->resp);
        (*st)->ops->rollback(*st); /* a transaction a failed handler left open */
        if (!c->resp.after_commit)
            break;
        void (*call)(struct http_req *) = c->resp.after_commit;
        c->resp.after_commit = NULL;
        call(&c->req);
    }
    if (!c->resp.status)
        http_error(&c->resp, 500, "INTERNAL", "the handler gave no answer", NULL);
    c->done = true;
    MHD_resume_connection(c->req.conn);
}

static void *pool_main(void *arg)
{
    (void)arg;
    struct store *st = NULL;
    pthread_mutex_lock(&group.lock);
    for (;;) {
        while (!group.head && !group.stopping)
            pthread_cond_wait(&group.cond, &group.lock);
        struct conn_ctx *c = group.head;
        if (!c)
            break;
        if (!(group.head = c->next))
            group.tail = NULL;
        pthread_mutex_unlock(&group.lock);
        pool_run(c, &st);
        pthread_mutex_lock(&group.lock);
    }
    pthread_mutex_unlock(&group.lock);
    if (st)
        st->ops->close(st);
    return NULL;
}

static int pool_start(err_t *e)
{
    unsigned want = pool_size();
    group.stopping = false;
    for (pool.n = 0; pool.n < want; pool.n++)
        if (pthread_create(&pool.threads[pool.n], NULL, pool_main, NULL))
            break;
    if (!pool.n)
        return err_set(e, ERR_NOMEM, "cannot start the database pool");
    group.running = true;
    return 0;
}

static int group_start(err_t *e)
{
    int rc = store_open(config->db_url, &group.st, e);
    if (rc)
        return rc;
    if (!group.st->ops->group_commit) {
        group.st->ops->close(group.st);
        group.st = NULL;
        return pool_start(e);
    }
    group.stopping = calls.stopping = false;
    for (calls.nthreads = 0; calls.nthreads < CALL_THREADS; calls.nthreads++) {
        struct store *st;
        if (store_open(config->db_url, &st, e))
            break;
        if (pthread_create(&calls.threads[calls.nthreads], NULL, call_main, st)) {
            st->ops->close(st);
            break;
        }
    }
    if (pthread_create(&group.thread, NULL, group_main, NULL)) {
        calls_stop();
        group.st->ops->close(group.st);
        return err_set(e, ERR_NOMEM, "cannot start the group-commit thread");
    }
    group.running = true;
    return 0;
}

/* Finishes every queued request, then stops the writer. */
static void group_stop(void)
{
    if (!group.running)
        return;
    pthread_mutex_lock(&group.lock);
    group.stopping = true;
    pthread_cond_broadcast(&group.cond);
    pthread_mutex_unlock(&group.lock);
    if (group.st) {
        pthread_join(group.thread, NULL); /* it waits for the calls out on the call threads */
        calls_stop();
        group.st->ops->close(group.st);
    }
    for (unsigned i = 0; i < pool.n; i++)
        pthread_join(pool.threads[i], NULL);
    pool.n = 0;
    group.running = false;
}

/* Queues a request for the writer; false when it is stopping (run it inline then). */
static bool group_submit(struct conn_ctx *c)
{
    pthread_mutex_lock(&group.lock);
    bool ok = group.running && !group.stopping;
    if (ok) {
        MHD_suspend_connection(c->req.conn);
        c->next = NULL;
        if (group.tail)
            group.tail->next = c;
        else
            group.head = c;
        group.tail = c;
        pthread_cond_signal(&group.cond);
    }
    pthread_mutex_unlock(&group.lock);
    return ok;
}

/* --- slow work ---
 * A password check costs ~0.1 s of CPU: on the request threads a burst of logins would stall
 * every other request. Such requests are suspended and queued (a small bounded queue, a few
 * per address) for one worker thread of their own, then resumed to finish. */

#define SLOW_QUEUE_MAX 32
#define SLOW_PER_ADDRESS 4

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct conn_ctx *head, *tail, *busy;
    size_t queued;
    bool stopping, running;
    pthread_t thread;
} slow = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

void http_offload(struct http_req *r, void (*fn)(void *arg), void *arg)
{
    free(r->slow_arg);
    r->slow_fn = fn;
    r->slow_arg = arg;
}

void http_client_addr(struct http_req *r, char *buf, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        r->conn ? MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    snprintf(buf, cap, "?");
    if (ci && ci->client_addr)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    buf, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

static void *slow_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&slow.lock);
    for (;;) {
        while (!slow.head && !slow.stopping)
            pthread_cond_wait(&slow.cond, &slow.lock);
        struct conn_ctx *c = slow.head;
        if (!c)
            break;
        slow.head = c->slow_next;
        if (!slow.head)
            slow.tail = NULL;
        slow.queued--;
        slow.busy = c;
        pthread_mutex_unlock(&slow.lock);
        c->req.slow_fn(c->req.slow_arg);
        c->req.slow_done = true;
        pthread_mutex_lock(&slow.lock);
        slow.busy = NULL;
        MHD_resume_connection(c->req.conn);
    }
    pthread_mutex_unlock(&slow.lock);
    return NULL;
}

static int slow_start(void)
{
    slow.stopping = false;
    if (pthread_create(&slow.thread, NULL, slow_main, NULL))
        return -1;
    slow.running = true;
    return 0;
}

/* Finishes every queued job, then stops the worker. */
static void slow_stop(void)
{
    if (!slow.running)
        return;
    pthread_mutex_lock(&slow.lock);
    slow.stopping = true;
    pthread_cond_signal(&slow.cond);
    pthread_mutex_unlock(&slow.lock);
    pthread_join(slow.thread, NULL);
    slow.running = false;
}

/* Queues the request's slow work and suspends it; false with a 429 in out when it cannot. */
static bool slow_submit(struct conn_ctx *c, struct http_resp *out)
{
    http_client_addr(&c->req, c->addr, sizeof c->addr);
    pthread_mutex_lock(&slow.lock);
    size_t same = slow.busy && !strcmp(slow.busy->addr, c->addr);
    for (struct conn_ctx *q = slow.head; q; q = q->slow_next)
        same += !strcmp(q->addr, c->addr);
    const char *why = !slow.running || slow.stopping ? "the server is shutting down"
                      : slow.queued >= SLOW_QUEUE_MAX
                          ? "the server is busy checking passwords: try again in a moment"
                      : same >= SLOW_PER_ADDRESS
                          ? "too many logins at once from your address: try again in a moment"
                          : NULL;
    if (!why) {
        MHD_suspend_connection(c->req.conn);
        c->slow_next = NULL;
        if (slow.tail)
            slow.tail->slow_next = c;
        else
            slow.head = c;
        slow.tail = c;
        slow.queued++;
        pthread_cond_signal(&slow.cond);
    }
    pthread_mutex_unlock(&slow.lock);
    if (why) {
        http_error(out, 429, "TOO_MANY_REQUESTS", why, NULL);
        snprintf(out->header_name, sizeof out->header_name, "Retry-After");
        snprintf(out->header_value, sizeof out->header_value, "1");
    }
    return !why;
}

/* --- slow clients ---
 * MHD's timeout only measures idleness: a client sending a header line every few seconds
 * would hold its connection forever. Each connection has a deadline instead: the request
 * line within the keep-alive idle time, the headers HEADERS_SECONDS after it, the body at a
 * minimum rate. A watcher thread shuts down the sockets past it; MHD then closes them. */

#define IDLE_SECONDS 30
#define HEADERS_SECONDS 10
#define BODY_SECONDS 30
#define BODY_MIN_RATE (64u << 10)   /* bytes per second */
#define PER_ADDRESS_CONNECTIONS 256 /* default of SELLAHEAD_PER_ADDRESS_CONNECTIONS */

struct watch {
    int fd;
    time_t deadline; /* 0 while the server works on the request */
    struct watch *prev, *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct watch *head;
    bool stopping, running;
    pthread_t thread;
} watch = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    (void)cls;
    struct watch *w = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (!ci || !(w = calloc(1, sizeof *w)))
            return;
        w->fd = ci->connect_fd;
        w->deadline = time(NULL) + IDLE_SECONDS + HEADERS_SECONDS;
        pthread_mutex_lock(&watch.lock);
        w->next = watch.head;
        if (watch.head)
            watch.head->prev = w;
        watch.head = w;
        pthread_mutex_unlock(&watch.lock);
        *socket_context = w;
    } else if (w) { /* closed: called before MHD closes the socket, so fd is still ours */
        pthread_mutex_lock(&watch.lock);
        if (w->prev)
            w->prev->next = w->next;
        else
            watch.head = w->next;
        if (w->next)
            w->next->prev = w->prev;
        pthread_mutex_unlock(&watch.lock);
        free(w);
        *socket_context = NULL;
    }
}

static void watch_set(struct MHD_Connection *conn, time_t deadline)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct watch *w = ci ? ci->socket_context : NULL;
    if (!w)
        return;
    pthread_mutex_lock(&watch.lock);
    w->deadline = deadline;
    pthread_mutex_unlock(&watch.lock);
}

/* Called once the request line is in: the headers must follow soon. */
static void *on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)uri;
    watch_set(conn, time(NULL) + HEADERS_SECONDS);
    return NULL;
}

/* Connections one address may hold (SELLAHEAD_PER_ADDRESS_CONNECTIONS, 0: no limit, for
 * a server behind a proxy, where every client has the proxy's address). */
static unsigned per_address_connections(void)
{
    const char *v = getenv("SELLAHEAD_PER_ADDRESS_CONNECTIONS");
    char *end;
    unsigned long n = v && *v ? strtoul(v, &end, 10) : PER_ADDRESS_CONNECTIONS;
    return v && *v && (*end || n > 1000000) ? PER_ADDRESS_CONNECTIONS : (unsigned)n;
}

static void *watch_main(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&watch.lock);
    while (!watch.stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&watch.cond, &watch.lock, &ts);
        time_t now = time(NULL);
        for (struct watch *w = watch.head; w; w = w->next)
            if (w->deadline && w->deadline < now) {
                shutdown(w->fd, SHUT_RDWR);
                w->deadline = 0;
            }
    }
    pthread_mutex_unlock(&watch.lock);
    return NULL;
}

static int watch_start(void)
{
    watch.stopping = false;
    if (pthread_create(&watch.thread, NULL, watch_main, NULL))
        return -1;
    watch.running = true;
    return 0;
}

static void watch_stop(void)
{
    if (!watch.running)
        return;
    pthread_mutex_lock(&watch.lock);
    watch.stopping = true;
    pthread_cond_signal(&watch.cond);
    pthread_mutex_unlock(&watch.lock);
    pthread_join(watch.thread, NULL);
    watch.running = false;
}

/* --- request lifecycle --- */

static void ctx_free(struct conn_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->req.nparams; i++)
        free(c->req.params[i]);
    free(c->req.body);
    free(c->req.slow_arg);
    free(c->req.upload_name);
    if (c->req.upload)
        fclose(c->req.upload);
    if (c->pp)
        MHD_destroy_post_processor(c->pp);
    free(c->early.body);
    free(c->resp.body);
    if (c->req.job && c->req.job_free)
        c->req.job_free(c->req.job);
    free(c);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    ctx_free(*con_cls);
    *con_cls = NULL;
    watch_set(conn, time(NULL) + IDLE_SECONDS + HEADERS_SECONDS);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct http_resp *resp)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
    if (!r)
        return MHD_NO;
    resp->body = NULL;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            resp->content_type ? resp->content_type
                                               : "application/json; charset=utf-8");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (resp->header_name[0])
        MHD_add_response_header(r, resp->header_name, resp->header_value);
    enum MHD_Result ret = MHD_queue_response(conn, resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static bool content_type_is(const char *ct, const char *want)
{
    size_t n = strlen(want);
    return ct && !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static enum MHD_Result on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *filename, const char *content_type,
                                     const char *transfer_encoding, const char *data,
                                     uint64_t off, size_t size)
{
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    struct conn_ctx *c = cls;
    if (!key || strcmp(key, "file")) /* MHD passes no key for a part it cannot name */
        return MHD_YES;
    if (!c->req.upload_name)
        c->req.upload_name = strdup(filename ? filename : "");
    if (size && fwrite(data, 1, size, c->req.upload) != size)
        return MHD_NO;
    return MHD_YES;
}

static void set_early(struct conn_ctx *c, unsigned status, const char *code, const char *msg)
{
    http_error(&c->early, status, code, msg, NULL);
    c->has_early = true;
}

/* --- strict HTTP ---
 * What a proxy in front and this server could frame differently (request smuggling), or what
 * would make us wait for a body we cannot read, is refused from the headers alone. */

#define URL_LIMIT (8u << 10)      /* path and query string */
#define HEADERS_LIMIT (16u << 10) /* all header lines together */
#define MHD_MEMORY (64u << 10)    /* MHD's own buffer: beyond it MHD answers 414/431 itself */

struct header_scan {
    size_t bytes;
    unsigned lengths, encodings;
    const char *length;
    bool lengths_differ, encoding_unknown;
};

static enum MHD_Result scan_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct header_scan *h = cls;
    value = value ? value : "";
    h->bytes += strlen(key) + strlen(value) + 4;
    if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH)) {
        if (h->lengths++ && strcmp(h->length, value))
            h->lengths_differ = true;
        h->length = value;
    } else if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
        h->encodings++;
        if (strcasecmp(value, "chunked"))
            h->encoding_unknown = true;
    }
    return MHD_YES;
}

static enum MHD_Result scan_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    (void)kind;
    *(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 2;
    return MHD_YES;
}

/* MHD decodes the path in place: a %00 would end it early ("/assets/a.js%00.png" read as
 * "/assets/a.js"). Decoded NULs become DEL instead, which request_refuse turns away. */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    size_t n = MHD_http_unescape(s);
    for (size_t i = 0; i < n; i++)
        if (!s[i])
            s[i] = 0x7f;
    return n;
}

static bool has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    return false;
}

/* True when the request was refused (c->early filled). */
static bool request_refuse(struct conn_ctx *c, const char *url, const char *version)
{
    struct MHD_Connection *conn = c->req.conn;
    size_t url_len = strlen(url);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, scan_arg, &url_len);
    struct header_scan h = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, scan_header, &h);
    if (url_len > URL_LIMIT)
        set_early(c, 414, "URI_TOO_LONG", "the request URL is too long");
    else if (has_control(url))
        set_early(c, 400, "MALFORMED_REQUEST", "the URL path has a control character");
    else if (h.bytes > HEADERS_LIMIT)
        set_early(c, 431, "HEADERS_TOO_LARGE", "the request headers are too large");
    else if (!strcmp(version, MHD_HTTP_VERSION_1_1) && !http_header(&c->req, "Host"))
        set_early(c, 400, "MALFORMED_REQUEST", "an HTTP/1.1 request needs a Host header");
    else if (h.lengths_differ)
        set_early(c, 400, "MALFORMED_REQUEST", "the request has differing Content-Length headers");
    else if (h.encodings && h.lengths)
        set_early(c, 400, "MALFORMED_REQUEST",
                  "the request has both Content-Length and Transfer-Encoding");
    else if (h.encodings > 1 || h.encoding_unknown)
        set_early(c, 501, "NOT_IMPLEMENTED", "the only Transfer-Encoding accepted is chunked");
    return c->has_early;
}

/* A route that takes no body ignores a small one. */
static size_t body_limit(enum body_kind kind)
{
    return kind == BODY_BULK ? BULK_LIMIT : kind == BODY_UPLOAD ? UPLOAD_LIMIT : JSON_LIMIT;
}

/* When the body must be in by: 0 (none) for a request without one. */
static time_t body_deadline(struct conn_ctx *c)
{
    const char *cl = http_header(&c->req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t len = cl ? strtoull(cl, NULL, 10) : 0;
    if (c->has_early || (!len && !http_header(&c->req, MHD_HTTP_HEADER_TRANSFER_ENCODING)))
        return 0;
    if (!len) /* chunked: as if it had the route's largest size */
        len = body_limit(c->route->body);
    return time(NULL) + BODY_SECONDS + (time_t)(len / BODY_MIN_RATE);
}

/* Decides, from the headers alone, whether the request can go on; prepares its body. */
static void request_start(struct conn_ctx *c, const char *method, const char *url,
                          const char *version)
{
    struct http_req *r = &c->req;
    bool path_known;
    if (request_refuse(c, url, version))
        return;
    c->route = route_find(method, url, r, &path_known);
    /* Unknown storefront paths get the store's HTML 404 page; API paths (/v1/..., any
     * /vN, /healthz...) keep JSON. */
    static const struct route not_found_page = {"GET", "", web_not_found, BODY_NONE,
                                                AUTH_PUBLIC, false};
    size_t digits = url[0] == '/' && url[1] == 'v' ? strspn(url + 2, "0123456789") : 0;
    bool api = (digits && (url[2 + digits] == '/' || !url[2 + digits])) ||
               !strncmp(url, "/healthz", 8) || !strncmp(url, "/api-inventory/", 15) ||
               !strncmp(url, "/inventories/", 13);
    if (!c->route && !path_known && !api && !strcmp(method, "GET"))
        c->route = &not_found_page;
    if (!c->route) {
        if (path_known)
            set_early(c, 405, "METHOD_NOT_ALLOWED", "this method is not allowed here");
        else
            set_early(c, 404, "NOT_FOUND", "no such resource");
        return;
    }
    err_t e;
    if (!(r->st = thread_store(&e))) {
        http_fail(&c->early, &e);
        c->has_early = true;
        return;
    }
    if (c->route->auth == AUTH_KEY && !http_has_key(r)) {
        set_early(c, 401, "UNAUTHORIZED",
                  "this endpoint needs an API key (Authorization: Bearer <key> or "
                  "x-api-key: <key>) or a console session with its X-CSRF-Token header");
        return;
    }
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    const char *cl = http_header(r, MHD_HTTP_HEADER_CONTENT_LENGTH);
    /* An empty body needs no content type (e.g. POST .../cancel). */
    bool has_body = (cl && strtoull(cl, NULL, 10) > 0) ||
                    http_header(r, MHD_HTTP_HEADER_TRANSFER_ENCODING);
    size_t limit = body_limit(c->route->body);
    if (cl && strtoull(cl, NULL, 10) > limit) {
        set_early(c, 413, "PAYLOAD_TOO_LARGE", "the request body is too large");
        return;
    }
    switch (c->route->body) {
    case BODY_NONE:
        break;
    case BODY_JSON:
    case BODY_BULK:
        if (has_body && !content_type_is(ct, "application/json"))
            set_early(c, 415, "UNSUPPORTED_MEDIA_TYPE",
                      "send the body as Content-Type: application/json");
        break;
    case BODY_UPLOAD:
        if (content_type_is(ct, "multipart/form-data")) {
            c->pp = MHD_create_post_processor(r->conn, 64 * 1024, on_post_field, c);
            if (!c->pp) {
                set_early(c, 400, "MALFORMED_REQUEST", "the multipart body has no boundary");
                return;
            }
        } else if (!content_type_is(ct, "text/csv")) {
            set_early(c, 415, "UNSUPPORTED_MEDIA_TYPE",
                      "upload the file as multipart/form-data (field \"file\") or as "
                      "Content-Type: text/csv");
            return;
        }
        if (!(r->upload = tmpfile()))
            set_early(c, 500, "INTERNAL", "cannot store the upload");
        break;
    }
    if (http_header(r, "Idempotency-Key"))
        c->fp_on = crypto_generichash_init(&c->fp, NULL, 0, 32) == 0;
}

/* Takes one chunk of the body. */
static void request_data(struct conn_ctx *c, const char *data, size_t size)
{
    struct http_req *r = &c->req;
    size_t limit = body_limit(c->route->body);
    c->received += size;
    if (c->received > limit) {
        /* Only a chunked body gets here (a Content-Length is checked on headers), and the
         * answer can only follow its end: a little more is read and dropped for the 413,
         * then the connection is closed. */
        if (c->received > limit + JSON_LIMIT)
            c->abort = true;
        else if (!c->has_early)
            set_early(c, 413, "PAYLOAD_TOO_LARGE", "the request body is too large");
        return;
    }
    if (c->has_early)
        return;
    if (c->fp_on)
        crypto_generichash_update(&c->fp, (const unsigned char *)data, size);
    if (c->route->body == BODY_UPLOAD) {
        if (c->pp ? MHD_post_process(c->pp, data, size) != MHD_YES
                  : fwrite(data, 1, size, r->upload) != size)
            set_early(c, 400, "MALFORMED_REQUEST", "the upload could not be read");
        return;
    }
    if (c->route->body == BODY_NONE)
        return; /* a body where none is expected is ignored */
    if (r->body_len + size + 1 > c->body_cap) {
        size_t cap = c->body_cap ? c->body_cap : 4096;
        while (cap < r->body_len + size + 1)
            cap *= 2;
        char *nb = realloc(r->body, cap);
        if (!nb) {
            set_early(c, 500, "INTERNAL", "out of memory");
            return;
        }
        r->body = nb;
        c->body_cap = cap;
    }
    memcpy(r->body + r->body_len, data, size);
    r->body_len += size;
    r->body[r->body_len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)cls;
    struct conn_ctx *c = *con_cls;
    if (!c) {
        /* aligned: the hash state in it wants 64 bytes */
        if (!(c = aligned_alloc(64, sizeof *c)))
            return MHD_NO;
        memset(c, 0, sizeof *c);
        c->req.conn = conn;
        c->req.method = method;
        c->req.url = url;
        c->req.cfg = config;
        *con_cls = c;
        request_start(c, method, url, version);
        watch_set(conn, body_deadline(c));
        /* Answered now, before any body byte is read: MHD sends no 100 Continue then, and
         * discards the body by closing the connection. */
        return c->has_early ? send_resp(conn, &c->early) : MHD_YES;
    }
    if (*upload_data_size) {
        request_data(c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return c->abort ? MHD_NO : MHD_YES;
    }
    if (c->has_early)
        return send_resp(conn, &c->early);
    if (c->done)
        return send_resp(conn, &c->resp);
    watch_set(conn, 0); /* the body is in: no deadline while the server works */
    if (c->fp_on) {
        unsigned char h[32];
        crypto_generichash_final(&c->fp, h, sizeof h);
        sodium_bin2hex(c->req.body_fp, sizeof c->req.body_fp, h, sizeof h);
        c->fp_on = false;
    }
    if (c->route->grouped && group_submit(c))
        return MHD_YES;
    if (c->req.upload)
        rewind(c->req.upload);
    struct http_resp resp = {0};
    for (;;) {
        c->route->handler(&c->req, &resp);
        /* A handler that failed mid-transaction must not leave it open for the next
         * request. */
        c->req.st->ops->rollback(c->req.st);
        if (!resp.status && c->req.slow_fn && !c->req.slow_done && slow_submit(c, &resp))
            return MHD_YES; /* the handler runs again once the work is done */
        if (!resp.after_commit)
            break;
        void (*call)(struct http_req *) = resp.after_commit;
        resp.after_commit = NULL;
        call(&c->req); /* the handler's transactions are committed already */
    }
    if (!resp.status)
        http_error(&resp, 500, "INTERNAL", "the handler gave no answer", NULL);
    enum MHD_Result ret = send_resp(conn, &resp);
    free(resp.body);
    return ret;
}

static int resolve(const char *host, unsigned port, struct sockaddr_storage *ss, err_t *e)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char portstr[8];
    snprintf(portstr, sizeof portstr, "%u", port);
    int rc = getaddrinfo(host, portstr, &hints, &res);
    if (rc)
        return err_set(e, ERR_INVALID, "cannot resolve host %s: %s", host, gai_strerror(rc));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return 0;
}

/* The listening socket, bound here rather than by libmicrohttpd so that a port already taken
 * is named as such. SO_REUSEADDR only lets a restart bind past connections in TIME_WAIT;
 * never SO_REUSEPORT, which would let a second server share the port and answer half the
 * requests from its own database. */
static int listen_on(const struct sockaddr_storage *ss, const struct http_config *cfg,
                     int *out, err_t *e)
{
    int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return err_set(e, ERR_IO, "cannot create a socket: %s", strerror(errno));
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    if (ss->ss_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
    socklen_t len = ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                              : sizeof(struct sockaddr_in);
    if (bind(fd, (const struct sockaddr *)ss, len) || listen(fd, SOMAXCONN)) {
        int err = errno;
        close(fd);
        if (err == EADDRINUSE)
            return err_set(e, ERR_IO, "port %u is already in use (stop the other process or "
                           "choose another --port)", cfg->port);
        return err_set(e, ERR_IO, "cannot listen on %s:%u: %s", cfg->host, cfg->port,
                       strerror(err));
    }
    *out = fd;
    return 0;
}

static unsigned bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len))
        return 0;
    return ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                          : ((struct sockaddr_in *)&ss)->sin_port);
}

/* Provider calls a process left unanswered (it died between a call and its outcome). At
 * start every PENDING intent is resolved; later only those older than a minute, so a call
 * still in flight on another server is left to it. */
#define RECOVER_EVERY_SECONDS 60

static void recover_payments(struct store *st, int64_t min_age)
{
    err_t e = {0};
    size_t n = 0;
    if (payments_recover(st, min_age, &n, &e))
        fprintf(stderr, "sellahead: payment recovery: %s\n", e.msg);
    else if (n)
        fprintf(stderr, "sellahead: payment recovery: %zu pending provider calls resolved\n",
                n);
}

/* The promise sweep (SPEC 5.8) at start and every sweepMinutes, on the mail worker's
 * connection; on PostgreSQL one server at a time does the work. */
static int64_t last_sweep; /* monotonic seconds; touched by the worker thread only */

static void sweep_now(struct store *st)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    last_sweep = ts.tv_sec;
    struct sweep_result r;
    err_t e = {0};
    if (delays_sweep(st, &r, &e)) {
        fprintf(stderr, "sellahead: promise sweep: %s\n", e.msg);
        return;
    }
    if (r.events.n)
        fprintf(stderr, "sellahead: promise sweep: %zu overdue, %zu implied, %zu cancelled\n",
                r.overdue, r.implied, r.cancelled);
    delays_sweep_free(&r);
}

static void recover_tick(struct store *st)
{
    recover_payments(st, RECOVER_EVERY_SECONDS);
    struct settings s;
    err_t e = {0};
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (!st->ops->settings_get(st, &s, &e) && ts.tv_sec - last_sweep >= s.sweep_minutes * 60)
        sweep_now(st);
}

int http_serve(const struct http_config *cfg, err_t *e)
{
    config = cfg;
    if (pthread_key_create(&store_key, store_destroy))
        return err_set(e, ERR_NOMEM, "cannot create thread state");
    struct sockaddr_storage ss;
    int rc = resolve(cfg->host, cfg->port, &ss, e);
    int fd = -1;
    if (rc || (rc = listen_on(&ss, cfg, &fd, e)))
        return rc;
    /* Handle SIGINT/SIGTERM by sigwait in this thread; the pool threads inherit the mask. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if ((rc = readmodel_start(cfg->db_url, e))) {
        close(fd);
        return rc;
    }
    const char *smtp = getenv("SELLAHEAD_SMTP_URL");
    if ((rc = worker_start(cfg->db_url, smtp && *smtp ? smtp : NULL, cfg->mail_dir,
                           &mail_worker))) {
        close(fd);
        readmodel_stop();
        return err_set(e, rc, "cannot start the mail worker");
    }
    struct store *st;
    if ((rc = store_open(cfg->db_url, &st, e))) {
        worker_stop(mail_worker);
        mail_worker = NULL;
        close(fd);
        return rc;
    }
    recover_payments(st, 0);
    sweep_now(st);
    st->ops->close(st);
    worker_every(mail_worker, RECOVER_EVERY_SECONDS, recover_tick);
    if ((rc = group_start(e))) {
        worker_stop(mail_worker);
        mail_worker = NULL;
        close(fd);
        readmodel_stop();
        return rc;
    }
    if (slow_start() || watch_start()) {
        slow_stop();
        group_stop();
        worker_stop(mail_worker);
        mail_worker = NULL;
        return err_set(e, ERR_NOMEM, "cannot start the password-check and deadline threads");
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
        /* hardening */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_request_line, NULL,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address_connections(),
        MHD_OPTION_END);
    if (!d) {
        watch_stop();
        slow_stop();
        group_stop();
        worker_stop(mail_worker);
        mail_worker = NULL;
        close(fd);
        readmodel_stop();
        return err_set(e, ERR_IO, "cannot start the HTTP server on %s:%u", cfg->host,
                       cfg->port);
    }
    unsigned port = bound_port(fd);
    /* Links in emails default to this server's own address (publicUrl, SPEC 5.6). */
    settings_default_port(port ? port : cfg->port);
    /* A password in the database URL stays out of the log. */
    const char *at = strchr(cfg->db_url, '@'), *scheme = strstr(cfg->db_url, "://");
    fprintf(stderr, "sellahead: listening on http://%s:%u (%u threads, database %.*s%s)\n",
            cfg->host, port ? port : cfg->port, cfg->threads,
            at && scheme ? (int)(scheme + 3 - cfg->db_url) : (int)strlen(cfg->db_url),
            cfg->db_url, at && scheme ? at : "");
    int sig;
    sigwait(&sigs, &sig);
    fprintf(stderr, "sellahead: %s received, shutting down\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM");
    /* Stop taking connections, finish what is queued, then close. */
    MHD_quiesce_daemon(d);
    group_stop();
    slow_stop();
    MHD_stop_daemon(d);
    watch_stop();
    worker_stop(mail_worker);
    mail_worker = NULL;
    readmodel_stop();
    return 0;
}

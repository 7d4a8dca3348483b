/* The HTTP layer's shared pieces: the request a handler sees, the response it fills, and
 * helpers for JSON in/out, errors and auth. One file per resource implements handlers. */
#ifndef SELLAHEAD_HTTP_H
#define SELLAHEAD_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "core/err.h"
#include "core/settings.h"
#include "store/store.h"

#define HTTP_MAX_PARAMS 4

struct http_config {
    const char *db_url;
    const char *host;
    unsigned port;
    const char *web_dir;
    const char *mail_dir;
    unsigned threads;
};

/* Where a request's query arguments, headers and cookies come from, and its client's
 * address: the server's libmicrohttpd connection (request.c) or an in-process request
 * (http_loopback). Handlers see neither: they ask http_query, http_header, http_cookie. */
enum http_kind { HTTP_QUERY, HTTP_HEADER, HTTP_COOKIE };
struct http_source {
    const char *(*value)(void *conn, enum http_kind kind, const char *key);
    void (*client_addr)(void *conn, char *buf, size_t cap);
    /* How many times key comes (a repeated header or query argument). */
    size_t (*count)(void *conn, enum http_kind kind, const char *key);
};

struct http_req {
    const struct http_source *src;
    void *conn; /* the source's own */
    const char *method;
    const char *url;
    char *params[HTTP_MAX_PARAMS]; /* path segments matched by "*" in the route */
    size_t nparams;
    char *body; /* JSON bodies, NUL-terminated */
    size_t body_len;
    FILE *upload; /* spooled CSV upload, rewound */
    char *upload_name; /* file name of the multipart part, or NULL */
    struct store *st;
    const struct http_config *cfg;
    /* A handler's own state between its steps (see after_commit); job_free frees it. */
    void *job;
    void (*job_free)(void *job);
    char idem_scope[256];            /* see http_idem */
    char body_fp[STORE_FP_LEN + 1];  /* hex BLAKE2b of the body when an Idempotency-Key came */
    void (*slow_fn)(void *arg);      /* see http_offload */
    void *slow_arg;
    bool slow_done;
};

struct http_resp {
    unsigned status;
    char *body; /* malloc'd, owned by the response */
    size_t len;
    const char *content_type;
    char header_name[32], header_value[160]; /* one extra header, e.g. Content-Disposition */
    /* Set instead of an answer when the handler must call out (a payment provider) once
     * what it wrote is committed: the server commits, calls after_commit outside any
     * transaction, then runs the handler again (with r->job) until it answers. */
    void (*after_commit)(struct http_req *r);
};

typedef void (*http_handler)(struct http_req *r, struct http_resp *out);

const char *http_query(struct http_req *r, const char *key);
const char *http_header(struct http_req *r, const char *name);
const char *http_cookie(struct http_req *r, const char *name);
/* How many times a query argument or header comes: http_query/http_header see the first. */
size_t http_count(struct http_req *r, enum http_kind kind, const char *key);

/* Fills out with doc (stolen) as JSON. Always returns 0. */
int http_json(struct http_resp *out, unsigned status, json_t *doc);
/* {"error": {"code", "message", "details"?}}; details is stolen. */
int http_error(struct http_resp *out, unsigned status, const char *code, const char *message,
               json_t *details);
/* Maps an err code to its status and error code. */
int http_fail(struct http_resp *out, const err_t *e);
/* Parses the JSON body (duplicate keys rejected); on failure fills a 400 and returns -1. */
int http_body_json(struct http_req *r, struct http_resp *out, json_t **doc);
/* SPEC 5.8's answer to a delay, {"consent": "ACCEPT" | "DECLINE"}: 0 with *accept, or -1
 * with the 400/422 in out. */
int http_body_consent(struct http_req *r, struct http_resp *out, bool *accept);
/* Fills out with bytes (copied). */
int http_bytes(struct http_resp *out, unsigned status, const char *type, const char *data,
               size_t len);
/* Settings cached per thread until the store changes. */
int http_settings(struct http_req *r, struct settings *s, err_t *e);
/* Whether the request carries a valid API key, or a console session with its CSRF token. */
bool http_has_key(struct http_req *r);
/* A limit=/cursor= pair from the query string, limit clamped to 1..max (default def). */
size_t http_limit(struct http_req *r, size_t def, size_t max);

/* The request's Idempotency-Key, or NULL; fills r->idem_scope with the endpoint path and the
 * credential (API key id, console user, or none) the key belongs to. An empty key or one
 * over 255 characters fills out with a 422 and returns NULL. */
const char *http_idem(struct http_req *r, struct http_resp *out);

/* Hands slow work (password hashing) to the slow-work thread, off the request threads: the
 * handler returns without an answer, fn(arg) runs there, then the handler is called again
 * for the same request with r->slow_done set and r->slow_arg. arg is malloc'd and freed
 * with the request. Beyond a small queue, or a few at once from one address, the request
 * gets 429 instead. */
void http_offload(struct http_req *r, void (*fn)(void *arg), void *arg);
/* The client's address, numeric. */
void http_client_addr(struct http_req *r, char *buf, size_t cap);

/* Tells the mail worker that an email was queued, so it goes out at once. */
void http_mail_wake(void);

/* An in-process request, like h2o's loopback client: no socket and no libmicrohttpd. */
struct http_loopback {
    const char *method;
    const char *target;         /* the path, with an optional ?query (a=b&c=d, no escapes) */
    const char *const *headers; /* name, value, ..., NULL; or NULL */
    const char *body;           /* JSON, or a text/csv upload */
    size_t body_len;
};
/* Runs req on st as the server runs a request: routing (404, 405), what its headers decide
 * (401, 413, 415), the handler with its calls after a commit and its slow work. out holds
 * the answer (status, body; free out->body). 0, or -1 when out of memory. */
int http_loopback(struct store *st, const struct http_config *cfg,
                  const struct http_loopback *req, struct http_resp *out);

/* Runs the server until SIGINT or SIGTERM. */
int http_serve(const struct http_config *cfg, err_t *e);

/* SPEC 9: a request's channel, from a JSON body field (field; NULL or null when absent) or
 * the ?channelId= query value (query) and fabric's x-fabric-channel-id header: 0 for none.
 * Each must be a whole number from 1 to 2147483647, given once, and the field and the
 * header, when both are given, the same channel; otherwise fills out with a 422 and returns
 * -1. */
int64_t http_channel(struct http_req *r, json_t *field, const char *query,
                     struct http_resp *out);

#endif

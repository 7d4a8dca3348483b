/* The server's own pieces, shared by its files (not by handlers): the route table's types,
 * the state of one connection, and the steps of a request.
 *   router.c   the route table, the decisions made from a request's line and headers, the
 *              handler run; helpers for handlers. No libmicrohttpd: http_loopback and unit
 *              tests use it as the server does.
 *   request.c  a request on libmicrohttpd: strict HTTP, body reading, the answer
 *   conn.c     connection limits: slow clients' deadlines, the slow-work (password) queue
 *   server.c   threads and store connections, group commit, the daemon
 *   loopback.c in-process requests */
#ifndef SELLAHEAD_HTTP_SERVER_H
#define SELLAHEAD_HTTP_SERVER_H

#include <microhttpd.h>
#include <sodium.h>
#include <time.h>

#include "http/http.h"

#define JSON_LIMIT (1u << 20)      /* ordinary JSON bodies */
#define BULK_LIMIT (64u << 20)     /* bulk inventory sync */
#define UPLOAD_LIMIT (1024u << 20) /* CSV uploads, spooled to disk */

#define URL_LIMIT (8u << 10)      /* path and query string */
#define HEADERS_LIMIT (16u << 10) /* all header lines together */
#define MHD_MEMORY (64u << 10)    /* MHD's own buffer: beyond it MHD answers 414/431 itself.
                                   * MHD zeroes it after each request, but at 32 KiB a body over
                                   * the 1 MiB limit got its 413 with the connection reset under
                                   * the client (bad-input.test.mjs, every run on a quiet
                                   * machine) */

#define IDLE_SECONDS 30
#define HEADERS_SECONDS 10
#define BODY_SECONDS 30
#define BODY_MIN_RATE (64u << 10)   /* bytes per second */

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

/* Per-connection state between the callbacks of one request. */
struct conn_ctx {
    const struct route *route;
    struct http_req req;
    struct http_resp early; /* an answer decided before the body was read */
    bool has_early;
    bool abort; /* a chunked body far beyond its limit: close the connection */
    bool drain; /* has_early (a 413) waits for the body to be read and dropped */
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

/* --- router.c --- */
/* Matches url against the route table; fills r->params. NULL when no route matches, with
 * *path_known telling whether another method would. */
const struct route *http_route_find(const char *method, const char *url, struct http_req *r,
                                    bool *path_known);
/* The route for the request, or NULL with the answer in early (404, 405). */
const struct route *http_route(struct http_req *r, const char *method, const char *url,
                               struct http_resp *early);
/* What the headers decide once the route is known (401, 413, 415): 0 to read the body,
 * -1 with the answer in early. Needs r->st. */
int http_admit(struct http_req *r, const struct route *rt, struct http_resp *early);
/* Runs the handler until it answers: the transaction it may have left open is rolled back
 * after each call; a call it asked for after the commit (after_commit) runs, then the
 * handler again. Slow work (http_offload) goes to offload, which returns true when it took
 * the request (then false here: the server calls again once the work is done, with
 * r->slow_done); with offload NULL it runs here. */
bool http_run(const struct route *rt, struct http_req *r, struct http_resp *resp,
              bool (*offload)(void *ctx, struct http_resp *resp), void *ctx);
/* A route that takes no body ignores a small one. */
size_t http_body_limit(enum body_kind kind);
bool http_content_type_is(const char *ct, const char *want);
/* A limit= value clamped to 1..max, def when absent or not a number. */
size_t http_limit_value(const char *v, size_t def, size_t max);

/* --- request.c --- */
extern const struct http_source http_mhd_source;
void http_request_start(struct conn_ctx *c, const char *method, const char *url,
                        const char *version);
void http_request_data(struct conn_ctx *c, const char *data, size_t size);
/* When the body must be in by: 0 (none) for a request without one. */
time_t http_body_deadline(struct conn_ctx *c);
enum MHD_Result http_send_resp(struct MHD_Connection *conn, struct http_resp *resp);
void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                       enum MHD_RequestTerminationCode toe);
enum MHD_Result http_on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *filename, const char *content_type,
                                   const char *transfer_encoding, const char *data,
                                   uint64_t off, size_t size);
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s);
bool http_has_control(const char *s);

/* --- conn.c --- */
int http_slow_start(void);
void http_slow_stop(void);
/* Queues the request's slow work and suspends it; false with a 429 in out when it cannot. */
bool http_slow_submit(void *conn_ctx, struct http_resp *out);
int http_watch_start(void);
void http_watch_stop(void);
void http_watch_set(struct MHD_Connection *conn, time_t deadline);
void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                        enum MHD_ConnectionNotificationCode code);
void *http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn);
unsigned http_per_address_connections(void);

/* --- server.c --- */
/* The calling thread's store connection, opened on first use. */
struct store *http_thread_store(err_t *e);

#endif

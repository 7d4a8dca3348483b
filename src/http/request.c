/* A request on libmicrohttpd: its query, headers and cookies for handlers, strict HTTP
 * (what a proxy could frame differently is refused from the headers alone), the body read
 * and spooled, and the answer queued. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "http/routes.h"
#include "http/server.h"

static const char *mhd_value(void *conn, enum http_kind kind, const char *key)
{
    enum MHD_ValueKind k = kind == HTTP_QUERY    ? MHD_GET_ARGUMENT_KIND
                           : kind == HTTP_COOKIE ? MHD_COOKIE_KIND
                                                 : MHD_HEADER_KIND;
    return MHD_lookup_connection_value(conn, k, key);
}

static void mhd_client_addr(void *conn, char *buf, size_t cap)
{
    const union MHD_ConnectionInfo *ci =
        conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (ci && ci->client_addr)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    buf, (socklen_t)cap, NULL, 0, NI_NUMERICHOST);
}

struct mhd_count {
    const char *key;
    size_t n;
};

static enum MHD_Result count_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)value;
    struct mhd_count *c = cls;
    /* Header names are case-insensitive, query argument names are not. */
    if (kind == MHD_HEADER_KIND ? !strcasecmp(key, c->key) : !strcmp(key, c->key))
        c->n++;
    return MHD_YES;
}

static size_t mhd_count(void *conn, enum http_kind kind, const char *key)
{
    struct mhd_count c = {key, 0};
    MHD_get_connection_values(conn,
                              kind == HTTP_QUERY    ? MHD_GET_ARGUMENT_KIND
                              : kind == HTTP_COOKIE ? MHD_COOKIE_KIND
                                                    : MHD_HEADER_KIND,
                              count_value, &c);
    return c.n;
}

const struct http_source http_mhd_source = {mhd_value, mhd_client_addr, mhd_count};

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

void http_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)toe;
    ctx_free(*con_cls);
    *con_cls = NULL;
    http_watch_set(conn, time(NULL) + IDLE_SECONDS + HEADERS_SECONDS);
}

enum MHD_Result http_send_resp(struct MHD_Connection *conn, struct http_resp *resp)
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

enum MHD_Result http_on_post_field(void *cls, enum MHD_ValueKind kind, const char *key,
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


/* The most body read (and dropped) for a 413 before the connection is closed instead. */
static size_t drain_max(const struct conn_ctx *c)
{
    return http_body_limit(c->route->body) + JSON_LIMIT;
}

/* --- strict HTTP ---
 * What a proxy in front and this server could frame differently (request smuggling), or what
 * would make us wait for a body we cannot read, is refused from the headers alone. */

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
size_t http_unescape(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    size_t n = MHD_http_unescape(s);
    for (size_t i = 0; i < n; i++)
        if (!s[i])
            s[i] = 0x7f;
    return n;
}

bool http_has_control(const char *s)
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
    else if (http_has_control(url))
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

/* When the body must be in by: 0 (none) for a request without one. */
time_t http_body_deadline(struct conn_ctx *c)
{
    const char *cl = http_header(&c->req, MHD_HTTP_HEADER_CONTENT_LENGTH);
    uint64_t len = cl ? strtoull(cl, NULL, 10) : 0;
    if (c->has_early || (!len && !http_header(&c->req, MHD_HTTP_HEADER_TRANSFER_ENCODING)))
        return 0;
    if (!len) /* chunked: as if it had the route's largest size */
        len = http_body_limit(c->route->body);
    return time(NULL) + BODY_SECONDS + (time_t)(len / BODY_MIN_RATE);
}

/* Decides, from the headers alone, whether the request can go on; prepares its body. */
void http_request_start(struct conn_ctx *c, const char *method, const char *url,
                        const char *version)
{
    struct http_req *r = &c->req;
    if (request_refuse(c, url, version))
        return;
    if (!(c->route = http_route(r, method, url, &c->early))) {
        c->has_early = true;
        return;
    }
    err_t e;
    if (!(r->st = http_thread_store(&e))) {
        http_fail(&c->early, &e);
        c->has_early = true;
        return;
    }
    if (http_admit(r, c->route, &c->early)) {
        c->has_early = true;
        /* A body a little over its limit is read and dropped before the 413: closing on
         * unread bytes resets the connection, and the client may lose the answer with it. */
        const char *cl = http_header(r, "Content-Length");
        c->drain = c->early.status == 413 && cl &&
                   strtoull(cl, NULL, 10) <= drain_max(c);
        return;
    }
    if (c->route->body == BODY_UPLOAD) {
        if (http_content_type_is(http_header(r, "Content-Type"), "multipart/form-data") &&
            !(c->pp = MHD_create_post_processor(r->conn, 64 * 1024, http_on_post_field, c))) {
            set_early(c, 400, "MALFORMED_REQUEST", "the multipart body has no boundary");
            return;
        }
        if (!(r->upload = tmpfile())) {
            set_early(c, 500, "INTERNAL", "cannot store the upload");
            return;
        }
    }
    if (http_header(r, "Idempotency-Key"))
        c->fp_on = crypto_generichash_init(&c->fp, NULL, 0, 32) == 0;
}

/* Takes one chunk of the body. */
void http_request_data(struct conn_ctx *c, const char *data, size_t size)
{
    struct http_req *r = &c->req;
    size_t limit = http_body_limit(c->route->body);
    c->received += size;
    if (c->received > limit) {
        /* A chunked body, or one whose Content-Length is a little over (drain): the answer
         * follows its end, so a little more is read and dropped for the 413; far more
         * closes the connection. */
        if (c->received > drain_max(c))
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


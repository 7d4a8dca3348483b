/* In-process requests, as h2o's loopback client: the request comes from the caller's
 * strings instead of a socket, and runs through the same routing, decisions and handler run
 * as on the server (router.c). Slow work runs inline; grouped routes run alone. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/server.h"

struct loop {
    const struct http_loopback *in;
    char *query; /* a copy of the query string, cut into key\0value\0 pairs */
    size_t query_len;
};

static const char *loop_value(void *conn, enum http_kind kind, const char *key)
{
    const struct loop *l = conn;
    if (kind == HTTP_QUERY) {
        for (const char *p = l->query; p && p < l->query + l->query_len;) {
            const char *v = p + strlen(p) + 1;
            if (!strcmp(p, key))
                return v;
            p = v + strlen(v) + 1;
        }
        return NULL;
    }
    const char *const *h = l->in->headers;
    for (size_t i = 0; h && h[i]; i += 2) {
        if (kind == HTTP_HEADER && !strcasecmp(h[i], key))
            return h[i + 1];
        if (kind == HTTP_COOKIE && !strcasecmp(h[i], "Cookie")) {
            /* "a=1; b=2": the value is returned in place, so only the last cookie ends
             * where its value does. */
            size_t n = strlen(key);
            for (const char *c = h[i + 1]; (c = strstr(c, key)); c += n)
                if ((c == h[i + 1] || c[-1] == ' ') && c[n] == '=')
                    return c + n + 1;
        }
    }
    return NULL;
}

static void loop_client_addr(void *conn, char *buf, size_t cap)
{
    (void)conn;
    snprintf(buf, cap, "127.0.0.1");
}

static size_t loop_count(void *conn, enum http_kind kind, const char *key)
{
    const struct loop *l = conn;
    size_t n = 0;
    if (kind == HTTP_QUERY) {
        for (const char *p = l->query; p && p < l->query + l->query_len;) {
            const char *v = p + strlen(p) + 1;
            n += !strcmp(p, key);
            p = v + strlen(v) + 1;
        }
    } else if (kind == HTTP_HEADER) {
        for (const char *const *h = l->in->headers; h && *h; h += 2)
            n += !strcasecmp(*h, key);
    } else {
        n = loop_value(conn, kind, key) != NULL;
    }
    return n;
}

static const struct http_source loop_source = {loop_value, loop_client_addr, loop_count};

/* Copies the query string as key\0value\0 pairs ("a" alone: value ""). */
static int split_query(struct loop *l, const char *q)
{
    size_t n = strlen(q);
    if (!(l->query = malloc(2 * n + 2)))
        return -1;
    char *o = l->query;
    for (const char *p = q; *p;) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq ? (size_t)(eq - p) : len;
        memcpy(o, p, klen);
        o += klen;
        *o++ = '\0';
        if (eq) {
            memcpy(o, eq + 1, len - klen - 1);
            o += len - klen - 1;
        }
        *o++ = '\0';
        p += len + (p[len] == '&');
    }
    l->query_len = (size_t)(o - l->query);
    return 0;
}

int http_loopback(struct store *st, const struct http_config *cfg,
                  const struct http_loopback *in, struct http_resp *out)
{
    memset(out, 0, sizeof *out);
    struct loop l = {in, NULL, 0};
    const char *q = strchr(in->target, '?');
    char *path = strndup(in->target, q ? (size_t)(q - in->target) : strlen(in->target));
    if (!path || (q && split_query(&l, q + 1))) {
        free(path);
        return -1;
    }
    struct http_req r = {.src = &loop_source, .conn = &l, .method = in->method, .url = path,
                         .st = st, .cfg = cfg};
    const struct route *rt = http_route(&r, in->method, path, out);
    const char *body = in->body ? in->body : "";
    int rc = 0;
    if (http_header(&r, "Idempotency-Key")) { /* as request.c fingerprints what it reads */
        unsigned char h[32];
        crypto_generichash(h, sizeof h, (const unsigned char *)body, in->body_len, NULL, 0);
        sodium_bin2hex(r.body_fp, sizeof r.body_fp, h, sizeof h);
    }
    if (rt && !http_admit(&r, rt, out)) {
        if (rt->body == BODY_UPLOAD) {
            if (!(r.upload = tmpfile()) || fwrite(body, 1, in->body_len, r.upload) !=
                                               in->body_len)
                rc = -1;
            else
                rewind(r.upload);
        } else if (rt->body != BODY_NONE && (r.body = malloc(in->body_len + 1))) {
            memcpy(r.body, body, in->body_len);
            r.body[in->body_len] = '\0';
            r.body_len = in->body_len;
        }
        if (!rc)
            http_run(rt, &r, out, NULL, NULL);
    }
    for (size_t i = 0; i < r.nparams; i++)
        free(r.params[i]);
    if (r.job && r.job_free)
        r.job_free(r.job);
    if (r.upload)
        fclose(r.upload);
    free(r.body);
    free(r.slow_arg);
    free(r.upload_name);
    free(l.query);
    free(path);
    return rc;
}

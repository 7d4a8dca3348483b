/* Helpers of the storage tests (test_store.c, test_sqlite.c, test_store_pg.c), written once:
 * a fixture around one struct store, positions, emails, check reports, and a database of
 * its own on the PostgreSQL server SELLAHEAD_TEST_PG_URL names. Include after cmocka.h.
 * Functions are static inline so that a file using only some of them builds without
 * unused-function warnings. */
#ifndef SELLAHEAD_STORE_TEST_H
#define SELLAHEAD_STORE_TEST_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"

struct fixture {
    struct store *st;
    char url[2048]; /* what store_open takes: a SQLite path or a postgresql:// URL */
    char dir[64];   /* SQLite: the temporary directory holding the file */
};

static inline const struct store_ops *ops(const struct fixture *fx) { return fx->st->ops; }

/* An import run that must find no duplicate. */
static inline void no_duplicate(void *ctx, int64_t line, const struct position *p)
{
    (void)ctx;
    fail_msg("unexpected duplicate at line %lld: %s", (long long)line, p->sku);
}

static inline struct store *open_url(const char *url)
{
    struct store *st = NULL;
    err_t e = {0};
    int rc = store_open(url, &st, &e);
    if (rc)
        fail_msg("open %s: %s", url, e.msg);
    return st;
}

/* The usual start of a test: a connection to url (whose backend must be `name`), with
 * location WH1 in its empty database. */
static inline struct fixture *fixture_new(const char *url, const char *name)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    snprintf(fx->url, sizeof fx->url, "%s", url);
    fx->st = open_url(fx->url);
    assert_string_equal(ops(fx)->name, name);
    struct location l = {.id = "WH1", .name = "Main warehouse"};
    err_t e = {0};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), 0);
    return fx;
}

/* A cmocka teardown: closes the connection (when open) and frees the fixture. */
static inline int fixture_teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->st)
        ops(fx)->close(fx->st);
    free(fx);
    return 0;
}

static inline void begin_on(struct store *st)
{
    err_t e = {0};
    int rc = st->ops->begin(st, true, &e);
    if (rc)
        fail_msg("begin: %s", e.msg);
}

static inline void commit_on(struct store *st)
{
    err_t e = {0};
    int rc = st->ops->commit(st, &e);
    if (rc)
        fail_msg("commit: %s", e.msg);
}

static inline void begin(struct fixture *fx) { begin_on(fx->st); }
static inline void commit(struct fixture *fx) { commit_on(fx->st); }

static inline struct position key(const char *sku, const char *ref)
{
    struct position p;
    memset(&p, 0, sizeof p);
    snprintf(p.sku, sizeof p.sku, "%s", sku);
    snprintf(p.location_id, sizeof p.location_id, "WH1");
    p.stock_type = ref ? STOCK_INTRANSIT : STOCK_ONHAND;
    snprintf(p.transit_ref, sizeof p.transit_ref, "%s", ref ? ref : "");
    p.order_date = p.stock_date = DATE_NONE;
    return p;
}

/* Imports one position (onhand when ref is NULL; a pre-order when stock is set). */
static inline void put_position(struct fixture *fx, const char *sku, const char *ref,
                                int64_t qty, int64_t reserved, date_t stock)
{
    struct position p = key(sku, ref);
    if (ref) {
        p.order_date = date_from_ymd(2026, 11, 20);
        p.stock_date = stock;
    }
    p.quantity = qty;
    p.reserved = reserved;
    bool dup = true;
    err_t e = {0};
    int64_t run = ids_random64();
    begin(fx);
    assert_int_equal(ops(fx)->position_import(fx->st, &p, run, 1, &dup, &e), 0);
    assert_false(dup);
    assert_int_equal(ops(fx)->import_flush(fx->st, run, no_duplicate, NULL, &e), 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, run, &e), 0);
    commit(fx);
}

static inline bool find_position(struct store *st, const struct position *k,
                                 struct position *out)
{
    struct position_list l = {0};
    err_t e = {0};
    assert_int_equal(st->ops->positions_by_sku(st, k->sku, &l, &e), 0);
    bool found = false;
    for (size_t i = 0; i < l.n && !found; i++)
        if (!strcmp(l.v[i].location_id, k->location_id) &&
            l.v[i].stock_type == k->stock_type && !strcmp(l.v[i].transit_ref, k->transit_ref)) {
            if (out)
                *out = l.v[i];
            found = true;
        }
    position_list_free(&l);
    return found;
}

/* Reads one position back; fails the test when it is absent. */
static inline struct position get_position(struct fixture *fx, const struct position *k)
{
    struct position p;
    if (!find_position(fx->st, k, &p))
        fail_msg("no position %s/%s", k->sku, k->transit_ref);
    return p;
}

/* A pending order confirmation, due at `due`. */
static inline void queue_email(struct fixture *fx, const char *id, const char *order_id,
                               int64_t due)
{
    struct email m;
    memset(&m, 0, sizeof m);
    snprintf(m.id, sizeof m.id, "%s", id);
    snprintf(m.kind, sizeof m.kind, "order_confirmation");
    snprintf(m.order_id, sizeof m.order_id, "%s", order_id);
    snprintf(m.from, sizeof m.from, "shop@example.com");
    snprintf(m.to, sizeof m.to, "ada@example.com");
    snprintf(m.subject, sizeof m.subject, "Order %s", id);
    char text[64], html[64];
    snprintf(text, sizeof text, "text of %s", id);
    snprintf(html, sizeof html, "<p>%s</p>", id);
    m.text = text;
    m.html = html;
    m.status = EMAIL_PENDING;
    m.next_attempt_at = due;
    err_t e = {0};
    assert_int_equal(ops(fx)->outbox_add(fx->st, &m, &e), 0);
}

/* --- check reports --- */

struct report {
    size_t n;
    char first[1024];
    char all[4096];
    size_t stop_after; /* 0: never stop */
};

static inline int collect(void *ctx, const char *problem)
{
    struct report *r = ctx;
    if (!r->n)
        snprintf(r->first, sizeof r->first, "%s", problem);
    size_t used = strlen(r->all);
    snprintf(r->all + used, sizeof r->all - used, "%s\n", problem);
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

static inline size_t run_check(struct fixture *fx, struct report *r)
{
    size_t problems = 0;
    err_t e = {0};
    int rc = ops(fx)->check(fx->st, collect, r, &problems, &e);
    if (rc)
        fail_msg("check: %s", e.msg);
    assert_int_equal(problems, r->n);
    return problems;
}

/* Removes a SQLite database file with the journal files SQLite keeps beside it. */
static inline void sqlite_remove_files(const char *path)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[2100];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
        unlink(p);
    }
}

/* --- PostgreSQL directly, for what the interface does not do --- */

static inline void pg_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static inline PGconn *pg_connect(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect to %s: %s", url, PQerrorMessage(c));
    PQsetNoticeProcessor(c, pg_quiet, NULL);
    return c;
}

static inline void pg_exec(const char *url, const char *q)
{
    PGconn *c = pg_connect(url);
    PGresult *r = PQexec(c, q);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* The first column of the first row as a number (-1 without rows). */
static inline long long pg_int(const char *url, const char *q)
{
    PGconn *c = pg_connect(url);
    PGresult *r = PQexec(c, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQresultErrorMessage(r));
    long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Percent-encodes s onto the end of out. */
static inline void pg_url_add(char *out, size_t cap, const char *s)
{
    size_t n = strlen(out);
    for (; *s && n + 4 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~')
            out[n++] = (char)ch;
        else
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", ch);
    }
    out[n] = '\0';
}

/* A postgresql:// URL for database `name` on the server that server_url names. */
static inline void pg_url_for(const char *server_url, const char *name, char *out, size_t cap)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(server_url, &err);
    if (!opts)
        fail_msg("SELLAHEAD_TEST_PG_URL: %s", err ? err : "cannot be parsed");
    const char *user = NULL, *password = NULL, *host = NULL, *port = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !*o->val)
            continue;
        if (!strcmp(o->keyword, "user"))
            user = o->val;
        else if (!strcmp(o->keyword, "password"))
            password = o->val;
        else if (!strcmp(o->keyword, "host"))
            host = o->val;
        else if (!strcmp(o->keyword, "port"))
            port = o->val;
    }
    snprintf(out, cap, "postgresql://");
    if (user) {
        pg_url_add(out, cap, user);
        if (password) {
            strncat(out, ":", cap - strlen(out) - 1);
            pg_url_add(out, cap, password);
        }
        strncat(out, "@", cap - strlen(out) - 1);
    }
    bool socket_dir = host && host[0] == '/';
    if (host && !socket_dir)
        pg_url_add(out, cap, host);
    if (port) {
        strncat(out, ":", cap - strlen(out) - 1);
        pg_url_add(out, cap, port);
    }
    strncat(out, "/", cap - strlen(out) - 1);
    pg_url_add(out, cap, name);
    if (socket_dir) {
        strncat(out, "?host=", cap - strlen(out) - 1);
        pg_url_add(out, cap, host);
    }
    PQconninfoFree(opts);
}

/* A fresh database `name` (a leftover of an earlier run is dropped first); its URL in out. */
static inline void pg_create_db(const char *server_url, const char *name, char *out,
                                size_t cap)
{
    char q[256];
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s", name);
    pg_exec(server_url, q);
    snprintf(q, sizeof q, "CREATE DATABASE %s", name);
    pg_exec(server_url, q);
    pg_url_for(server_url, name, out, cap);
}

/* FORCE: connections a failed test left open must not keep the database. */
static inline void pg_drop_db(const char *server_url, const char *name)
{
    char q[256];
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    pg_exec(server_url, q);
}

/* An empty schema: every test starts from nothing. */
static inline void pg_reset_schema(const char *db_url)
{
    pg_exec(db_url, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
}

#endif

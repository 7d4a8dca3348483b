/* The PostgreSQL backend, through struct store_ops only: the same kinds of checks as
 * test_sqlite.c, plus what only several connections show (the oversell guard across
 * connections, SKIP LOCKED claims, idempotency keys, deadlocks) and losing the server.
 *
 * Runs when SELLAHEAD_TEST_PG_URL names a server it may create databases on, e.g.
 *   URL=$(scripts/pg-test start $(mktemp -d))
 *   SELLAHEAD_TEST_PG_URL=$URL build/tests/test_store_pg
 * and is skipped otherwise. Each run works in a database of its own, dropped at the end. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/ids.h"


/* An import run that must find no duplicate. */
static void no_duplicate(void *ctx, int64_t line, const struct position *p)
{
    (void)ctx;
    fail_msg("unexpected duplicate at line %lld: %s", (long long)line, p->sku);
}

/* Collects the lines an import run reports as duplicates. */
struct dups {
    int64_t lines[8];
    size_t n;
};

static void note_duplicate(void *ctx, int64_t line, const struct position *p)
{
    struct dups *d = ctx;
    (void)p;
    if (d->n < 8)
        d->lines[d->n++] = line;
}

static char server_url[1024]; /* SELLAHEAD_TEST_PG_URL */
static char db_name[64];      /* this run's database */
static char db_url[2048];     /* ... as a postgresql:// URL */

struct fixture {
    struct store *st;
};

static const struct store_ops *ops(const struct fixture *fx) { return fx->st->ops; }

/* --- a direct connection, for what the interface does not do --- */

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static PGconn *admin(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect to %s: %s", url, PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void sql(const char *url, const char *q)
{
    PGconn *c = admin(url);
    PGresult *r = PQexec(c, q);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

/* The first column of the first row as a number (-1 without rows). */
static long long sql_int(const char *q)
{
    PGconn *c = admin(db_url);
    PGresult *r = PQexec(c, q);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("%s: %s", q, PQresultErrorMessage(r));
    long long v = PQntuples(r) ? strtoll(PQgetvalue(r, 0, 0), NULL, 10) : -1;
    PQclear(r);
    PQfinish(c);
    return v;
}

/* Percent-encodes s onto the end of out. */
static void url_add(char *out, size_t cap, const char *s)
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

/* A postgresql:// URL for database `name` on the server SELLAHEAD_TEST_PG_URL names. */
static void url_for(const char *name, char *out, size_t cap)
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
        url_add(out, cap, user);
        if (password) {
            strncat(out, ":", cap - strlen(out) - 1);
            url_add(out, cap, password);
        }
        strncat(out, "@", cap - strlen(out) - 1);
    }
    bool socket_dir = host && host[0] == '/';
    if (host && !socket_dir)
        url_add(out, cap, host);
    if (port) {
        strncat(out, ":", cap - strlen(out) - 1);
        url_add(out, cap, port);
    }
    strncat(out, "/", cap - strlen(out) - 1);
    url_add(out, cap, name);
    if (socket_dir) {
        strncat(out, "?host=", cap - strlen(out) - 1);
        url_add(out, cap, host);
    }
    PQconninfoFree(opts);
}

/* An empty schema: every test starts from nothing. */
static void reset_schema(void)
{
    sql(db_url, "DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public");
}

static struct store *open_url(const char *url)
{
    struct store *st = NULL;
    err_t e = {0};
    int rc = store_open(url, &st, &e);
    if (rc)
        fail_msg("open %s: %s", url, e.msg);
    assert_string_equal(st->ops->name, "postgres");
    return st;
}

/* A fresh schema with location WH1. */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    reset_schema();
    fx->st = open_url(db_url);
    struct location l = {.id = "WH1", .name = "Main warehouse"};
    err_t e = {0};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->st)
        ops(fx)->close(fx->st);
    free(fx);
    return 0;
}

static void begin_on(struct store *st)
{
    err_t e = {0};
    int rc = st->ops->begin(st, true, &e);
    if (rc)
        fail_msg("begin: %s", e.msg);
}

static void commit_on(struct store *st)
{
    err_t e = {0};
    int rc = st->ops->commit(st, &e);
    if (rc)
        fail_msg("commit: %s", e.msg);
}

static void begin(struct fixture *fx) { begin_on(fx->st); }
static void commit(struct fixture *fx) { commit_on(fx->st); }

static struct position key(const char *sku, const char *ref)
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
static void put_position(struct fixture *fx, const char *sku, const char *ref, int64_t qty,
                         int64_t reserved, date_t stock)
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

static bool find_position(struct store *st, const struct position *k, struct position *out)
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

static struct position get_position(struct fixture *fx, const struct position *k)
{
    struct position p;
    if (!find_position(fx->st, k, &p))
        fail_msg("no position %s/%s", k->sku, k->transit_ref);
    return p;
}

/* An order with two lines and two shipments (onhand, then the PO1 pre-order); the record
 * points into this struct, so it is never passed to order_rec_free. */
struct order_fx {
    struct order_rec o;
    struct order_line lines[2];
    struct shipment_rec sh[2];
    struct shipment_item items[2][2];
};

static void make_order(struct fixture *fx, struct order_fx *f, const char *tag)
{
    memset(f, 0, sizeof *f);
    struct order_rec *o = &f->o;
    err_t e = {0};
    snprintf(o->id, sizeof o->id, "ord_%s", tag);
    assert_int_equal(ops(fx)->order_next_number(fx->st, &o->number, &e), 0);
    snprintf(o->access_token, sizeof o->access_token, "tok%s", tag);
    o->status = ORDER_PLACED;
    snprintf(o->email, sizeof o->email, "%s@example.com", tag);
    snprintf(o->currency, sizeof o->currency, "USD");
    o->total = 9000;
    snprintf(o->address.name, sizeof o->address.name, "Ada %s", tag);
    snprintf(o->address.line1, sizeof o->address.line1, "1 Main St");
    snprintf(o->address.city, sizeof o->address.city, "Springfield");
    snprintf(o->address.postal_code, sizeof o->address.postal_code, "12345");
    snprintf(o->address.country, sizeof o->address.country, "US");
    snprintf(o->created_at, sizeof o->created_at, "2026-11-27T10:00:00Z");

    f->lines[0] = (struct order_line){.sku = "TSHIRT1", .name = "T-shirt", .quantity = 3,
                                      .unit_price = 2000, .amount = 6000};
    f->lines[1] = (struct order_line){.sku = "HOODIE2", .name = "Hoodie", .quantity = 1,
                                      .unit_price = 3000, .amount = 3000};
    o->lines = f->lines;
    o->nlines = 2;

    struct shipment_rec *a = &f->sh[0], *b = &f->sh[1];
    snprintf(a->id, sizeof a->id, "shp_%s1", tag);
    a->status = SHIP_READY;
    a->stock_type = STOCK_ONHAND;
    snprintf(a->location_id, sizeof a->location_id, "WH1");
    a->stock_date = DATE_NONE;
    a->expected.from = date_from_ymd(2026, 11, 28);
    a->expected.to = date_from_ymd(2026, 12, 2);
    snprintf(a->expected.message, sizeof a->expected.message, "In stock");
    a->amount = 5000;
    f->items[0][0] = (struct shipment_item){.sku = "TSHIRT1", .quantity = 2};
    f->items[0][1] = (struct shipment_item){.sku = "HOODIE2", .quantity = 1};
    a->items = f->items[0];
    a->nitems = 2;

    snprintf(b->id, sizeof b->id, "shp_%s2", tag);
    b->status = SHIP_AWAITING_STOCK;
    b->stock_type = STOCK_INTRANSIT;
    snprintf(b->location_id, sizeof b->location_id, "WH1");
    snprintf(b->transit_ref, sizeof b->transit_ref, "PO1");
    b->stock_date = date_from_ymd(2026, 12, 15);
    b->expected.from = date_from_ymd(2026, 12, 17);
    b->expected.to = date_from_ymd(2026, 12, 20);
    snprintf(b->expected.message, sizeof b->expected.message, "Backorder");
    b->amount = 4000;
    f->items[1][0] = (struct shipment_item){.sku = "TSHIRT1", .quantity = 1};
    b->items = f->items[1];
    b->nitems = 1;
    o->shipments = f->sh;
    o->nshipments = 2;

    snprintf(o->payment.provider, sizeof o->payment.provider, "test");
    snprintf(o->payment.ref, sizeof o->payment.ref, "auth_%s", tag);
    o->payment.authorized = 9000;
}

static void insert_order(struct fixture *fx, struct order_fx *f, const char *tag)
{
    err_t e = {0};
    begin(fx);
    make_order(fx, f, tag);
    int rc = ops(fx)->order_insert(fx->st, &f->o, &e);
    if (rc)
        fail_msg("order_insert: %s", e.msg);
    commit(fx);
}

/* --- running an operation on a second connection, in a thread --- */

enum bg_op { BG_ALLOCATE, BG_IDEM_PUT };

struct bg {
    pthread_t thread;
    struct store *st;
    enum bg_op op;
    struct position key;
    int64_t qty;
    int rc;
    err_t e;
};

static void *bg_main(void *arg)
{
    struct bg *b = arg;
    if (b->op == BG_ALLOCATE)
        b->rc = b->st->ops->position_allocate(b->st, &b->key, b->qty, &b->e);
    else
        b->rc = b->st->ops->idem_put(b->st, "order", "key-1", "ord_second", &b->e);
    return NULL;
}

static void bg_start(struct bg *b)
{
    assert_int_equal(pthread_create(&b->thread, NULL, bg_main, b), 0);
}

static void bg_join(struct bg *b) { assert_int_equal(pthread_join(b->thread, NULL), 0); }

/* Waits until a backend of this run's database waits for a lock: the thread's statement is
 * blocked on the other connection's transaction. */
static void wait_for_lock_wait(void)
{
    for (int i = 0; i < 500; i++) {
        if (sql_int("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock'") > 0)
            return;
        usleep(10000);
    }
    fail_msg("no statement started waiting for a lock");
}

/* --- schema --- */

static void test_migrations_idempotent(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM schema_version"), 1);
    ops(fx)->close(fx->st);
    fx->st = open_url(db_url); /* a second open changes nothing */
    assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
    assert_int_equal(sql_int("SELECT count(*) FROM schema_version"), 1);
    struct location l = {.id = "WH1", .name = "again"};
    err_t e = {0};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "location WH1 already exists");
    struct location *v = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->location_list(fx->st, &v, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "Main warehouse");
    free(v);

    /* A newer schema is refused, with a reason. */
    sql(db_url, "UPDATE schema_version SET version = 99");
    struct store *st = NULL;
    assert_int_equal(store_open(db_url, &st, &e), ERR_STORE);
    assert_non_null(strstr(e.msg, "newer sellahead"));
    sql(db_url, "UPDATE schema_version SET version = 2");
}

#define OPENERS 6

struct opener {
    pthread_t thread;
    pthread_barrier_t *barrier;
    int rc;
    err_t e;
    struct store *st;
};

static void *open_main(void *arg)
{
    struct opener *o = arg;
    pthread_barrier_wait(o->barrier);
    o->rc = store_open(db_url, &o->st, &o->e);
    return NULL;
}

/* Servers starting at once on an empty database: one migrates, the others wait for it. */
static void test_concurrent_migrations(void **state)
{
    (void)state;
    for (int round = 0; round < 3; round++) {
        reset_schema();
        pthread_barrier_t barrier;
        pthread_barrier_init(&barrier, NULL, OPENERS);
        struct opener o[OPENERS];
        memset(o, 0, sizeof o);
        for (int i = 0; i < OPENERS; i++) {
            o[i].barrier = &barrier;
            assert_int_equal(pthread_create(&o[i].thread, NULL, open_main, &o[i]), 0);
        }
        for (int i = 0; i < OPENERS; i++)
            pthread_join(o[i].thread, NULL);
        pthread_barrier_destroy(&barrier);
        for (int i = 0; i < OPENERS; i++) {
            if (o[i].rc)
                fail_msg("opener %d: %s", i, o[i].e.msg);
            o[i].st->ops->close(o[i].st);
        }
        assert_int_equal(sql_int("SELECT version FROM schema_version"), 2);
        assert_int_equal(sql_int("SELECT count(*) FROM schema_version"), 1);
    }
}

static void test_unreachable_server(void **state)
{
    (void)state;
    /* A port nothing listens on: bound for a moment, then closed. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    char url[128];
    snprintf(url, sizeof url, "postgresql://postgres@127.0.0.1:%u/nothing", ntohs(a.sin_port));
    struct store *st = NULL;
    err_t e = {0};
    assert_int_equal(store_open(url, &st, &e), ERR_UNAVAILABLE);
    assert_null(st);
    assert_non_null(strstr(e.msg, "cannot connect to PostgreSQL"));
    assert_non_null(strstr(e.msg, "127.0.0.1"));
    assert_null(strchr(e.msg, '\n'));
    /* postgres:// works as well */
    snprintf(url, sizeof url, "postgres://postgres@127.0.0.1:%u/nothing", ntohs(a.sin_port));
    assert_int_equal(store_open(url, &st, &e), ERR_UNAVAILABLE);
}

/* --- positions --- */

static void test_import_and_duplicates(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 25, 2, DATE_NONE);
    put_position(fx, "TSHIRT1", "PO1", 100, 0, date_from_ymd(2026, 12, 15));

    struct position k = key("TSHIRT1", NULL);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 25);
    assert_int_equal(p.reserved, 2);
    assert_int_equal(p.allocated, 0);
    assert_int_equal(p.order_date, DATE_NONE);
    assert_int_equal(p.stock_date, DATE_NONE);
    k = key("TSHIRT1", "PO1");
    p = get_position(fx, &k);
    assert_int_equal(p.quantity, 100);
    assert_int_equal(p.order_date, date_from_ymd(2026, 11, 20));
    assert_int_equal(p.stock_date, date_from_ymd(2026, 12, 15));

    /* Rows are staged: a run naming a position twice is reported at the later line by
     * import_flush, and nothing reaches positions before import_apply. */
    err_t e = {0};
    bool dup = false;
    struct dups d = {0};
    struct position row = key("CAP3", NULL);
    row.quantity = 4;
    begin(fx);
    assert_int_equal(ops(fx)->position_import(fx->st, &row, 77, 1, &dup, &e), 0);
    assert_int_equal(ops(fx)->import_flush(fx->st, 77, no_duplicate, NULL, &e), 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, 77, &e), 0);
    commit(fx);
    begin(fx);
    row.quantity = 5;
    assert_int_equal(ops(fx)->position_import(fx->st, &row, 78, 1, &dup, &e), 0);
    row.quantity = 6;
    assert_int_equal(ops(fx)->position_import(fx->st, &row, 78, 2, &dup, &e), 0);
    assert_int_equal(ops(fx)->import_flush(fx->st, 78, note_duplicate, &d, &e), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(d.lines[0], 2);
    ops(fx)->rollback(fx->st);
    begin(fx);
    assert_int_equal(ops(fx)->position_import(fx->st, &row, 79, 1, &dup, &e), 0);
    assert_int_equal(ops(fx)->import_flush(fx->st, 79, no_duplicate, NULL, &e), 0);
    assert_int_equal(ops(fx)->import_apply(fx->st, 79, &e), 0);
    ops(fx)->rollback(fx->st); /* all or nothing: a rolled-back import leaves no trace */
    k = key("CAP3", NULL);
    assert_int_equal(get_position(fx, &k).quantity, 4);

    bool exists = false;
    assert_int_equal(ops(fx)->sku_exists(fx->st, "CAP3", &exists, &e), 0);
    assert_true(exists);
    assert_int_equal(ops(fx)->sku_exists(fx->st, "NOPE", &exists, &e), 0);
    assert_false(exists);
}

static void test_allocate_refuses_past_available(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 10, 2, DATE_NONE); /* 8 available */
    struct position k = key("TSHIRT1", NULL);
    err_t e = {0};

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 5, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 4, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "not enough stock of TSHIRT1 at WH1"));
    commit(fx); /* a refused allocation leaves the transaction usable */
    assert_int_equal(get_position(fx, &k).allocated, 5);

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 3, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 1, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 0, &e), ERR_INVALID);
    struct position unknown = key("NOSUCH", NULL);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &unknown, 1, &e), ERR_CONFLICT);
    commit(fx);

    struct position p = get_position(fx, &k);
    assert_int_equal(p.allocated, 8);
    assert_int_equal(p.quantity, 10);
    assert_int_equal(p.reserved, 2);
}

/* Two connections (two servers) allocating the last units: the second waits for the first
 * transaction, then sees what it committed. */
static void test_allocate_across_connections(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", NULL, 10, 2, DATE_NONE); /* 8 available */
    struct position k = key("TSHIRT1", NULL);
    err_t e = {0};
    struct bg b = {.st = open_url(db_url), .op = BG_ALLOCATE, .key = k, .qty = 5};

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 5, &e), 0);
    begin_on(b.st);
    bg_start(&b);
    wait_for_lock_wait();
    commit(fx);
    bg_join(&b);
    assert_int_equal(b.rc, ERR_CONFLICT); /* 3 left, not 8 */
    b.qty = 3;
    bg_main(&b);
    assert_int_equal(b.rc, 0);
    commit_on(b.st);
    b.st->ops->close(b.st);
    assert_int_equal(get_position(fx, &k).allocated, 8);

    /* The same with the first transaction rolled back: the waiter gets the units. */
    put_position(fx, "HAT4", NULL, 5, 0, DATE_NONE);
    k = key("HAT4", NULL);
    struct bg c = {.st = open_url(db_url), .op = BG_ALLOCATE, .key = k, .qty = 5};
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 5, &e), 0);
    begin_on(c.st);
    bg_start(&c);
    wait_for_lock_wait();
    ops(fx)->rollback(fx->st);
    bg_join(&c);
    assert_int_equal(c.rc, 0);
    commit_on(c.st);
    c.st->ops->close(c.st);
    assert_int_equal(get_position(fx, &k).allocated, 5);
}

/* Opposite lock orders: PostgreSQL breaks the deadlock and the loser is told to retry. */
static void test_deadlock_is_retry(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "AAA", NULL, 10, 0, DATE_NONE);
    put_position(fx, "BBB", NULL, 10, 0, DATE_NONE);
    struct position a = key("AAA", NULL), bk = key("BBB", NULL);
    err_t e = {0};
    struct bg b = {.st = open_url(db_url), .op = BG_ALLOCATE, .key = bk, .qty = 1};

    begin(fx);
    begin_on(b.st);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &a, 1, &e), 0);
    bg_main(&b); /* b holds BBB */
    assert_int_equal(b.rc, 0);
    b.key = a; /* b now waits for AAA... */
    bg_start(&b);
    wait_for_lock_wait();
    int rc = ops(fx)->position_allocate(fx->st, &bk, 1, &e); /* ...and this for BBB */
    bg_join(&b);
    /* Exactly one of them lost. */
    assert_true((rc == ERR_RETRY) != (b.rc == ERR_RETRY));
    err_t *lost = rc == ERR_RETRY ? &e : &b.e;
    assert_string_equal(lost->msg, "the database was busy with a conflicting change, try again");
    struct store *winner = rc == ERR_RETRY ? b.st : fx->st;
    struct store *loser = rc == ERR_RETRY ? fx->st : b.st;
    /* The loser's transaction is dead; its commit says why, and it can run again. */
    assert_int_equal(loser->ops->commit(loser, &e), ERR_RETRY);
    commit_on(winner);
    begin_on(loser);
    assert_int_equal(loser->ops->position_allocate(loser, &a, 1, &e), 0);
    commit_on(loser);
    b.st->ops->close(b.st);
    assert_int_equal(get_position(fx, &a).allocated, 2);
}

static void test_adjust_creates_onhand_and_refuses_negatives(void **state)
{
    struct fixture *fx = *state;
    struct position k = key("NEW1", NULL);
    err_t e = {0};

    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 7, 3, &e), 0);
    commit(fx);
    struct position p = get_position(fx, &k);
    assert_int_equal(p.quantity, 7);
    assert_int_equal(p.reserved, 0);
    assert_int_equal(p.allocated, 3);

    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, -8, 0, &e), ERR_CONFLICT);
    assert_non_null(strstr(e.msg, "NEW1 at WH1"));
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, 0, -4, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k, -2, -3, &e), 0);
    commit(fx);
    p = get_position(fx, &k);
    assert_int_equal(p.quantity, 5);
    assert_int_equal(p.allocated, 0);

    /* Never created below zero, and only onhand positions are created. */
    struct position k2 = key("NEW2", NULL), t = key("NEW2", "PO9");
    begin(fx);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &k2, -1, 0, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->position_adjust(fx->st, &t, 5, 0, &e), ERR_NOTFOUND);
    commit(fx);
    assert_false(find_position(fx->st, &k2, NULL));
    assert_false(find_position(fx->st, &t, NULL));
}

/* --- catalog pages, settings, keys --- */

static void test_catalog_settings_keys(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct product pr = {.sku = "b1", .name = "Lower", .price = 100, .currency = "USD"};
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    pr = (struct product){.sku = "A2", .name = "Upper Hat", .price = 250, .currency = "USD",
                          .description = "warm", .image_url = "/a.png"};
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    pr.price = 300;
    assert_int_equal(ops(fx)->product_upsert(fx->st, &pr, &e), 0);
    put_position(fx, "Z9", NULL, 1, 0, DATE_NONE);

    struct product got;
    assert_int_equal(ops(fx)->product_get(fx->st, "A2", &got, &e), 0);
    assert_int_equal(got.price, 300);
    assert_string_equal(got.description, "warm");
    assert_int_equal(ops(fx)->product_get(fx->st, "nope", &got, &e), ERR_NOTFOUND);
    assert_string_equal(e.msg, "no product with SKU nope");

    /* Bytewise order as in SQLite: upper case first. */
    struct product *pv = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->product_page(fx->st, NULL, 10, &pv, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(pv[0].sku, "A2");
    assert_string_equal(pv[1].sku, "b1");
    free(pv);
    assert_int_equal(ops(fx)->product_page(fx->st, "A2", 10, &pv, &n, &e), 0);
    assert_int_equal(n, 1);
    free(pv);

    struct sku_entry *sv = NULL;
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, NULL, &sv, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(sv[0].sku, "A2");
    assert_string_equal(sv[0].name, "Upper Hat");
    assert_string_equal(sv[1].sku, "Z9");
    assert_string_equal(sv[1].name, "");
    assert_string_equal(sv[2].sku, "b1");
    free(sv);
    assert_int_equal(ops(fx)->sku_page(fx->st, NULL, 10, "HAT", &sv, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sv[0].sku, "A2");
    free(sv);
    assert_int_equal(ops(fx)->sku_page(fx->st, "A2", 1, "", &sv, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(sv[0].sku, "Z9");
    free(sv);

    struct settings s;
    assert_int_equal(ops(fx)->settings_get(fx->st, &s, &e), 0);
    s.in_stock_max_days = 9;
    s.nholidays = 2;
    s.holidays[0] = date_from_ymd(2026, 12, 25);
    s.holidays[1] = date_from_ymd(2027, 1, 1);
    s.capture_on = CAPTURE_ORDER;
    snprintf(s.store_name, sizeof s.store_name, "Shop \"quoted\" 'name'; DROP TABLE x");
    assert_int_equal(ops(fx)->settings_put(fx->st, &s, &e), 0);
    struct settings t;
    assert_int_equal(ops(fx)->settings_get(fx->st, &t, &e), 0);
    assert_int_equal(t.in_stock_max_days, 9);
    assert_int_equal(t.nholidays, 2);
    assert_int_equal(t.holidays[1], date_from_ymd(2027, 1, 1));
    assert_int_equal(t.capture_on, CAPTURE_ORDER);
    assert_string_equal(t.store_name, s.store_name);

    unsigned char hash[APIKEY_HASH_LEN], back[APIKEY_HASH_LEN];
    for (int i = 0; i < APIKEY_HASH_LEN; i++)
        hash[i] = (unsigned char)(i * 37 + 200); /* zero bytes and high bytes included */
    hash[3] = 0;
    assert_int_equal(ops(fx)->apikey_add(fx->st, "key_1", "ci", hash, &e), 0);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "key_1", back, &e), 0);
    assert_memory_equal(hash, back, APIKEY_HASH_LEN);
    assert_int_equal(ops(fx)->apikey_hash(fx->st, "key_2", back, &e), ERR_NOTFOUND);

    char res[64];
    assert_int_equal(ops(fx)->idem_get(fx->st, "order", "k", res, sizeof res, &e),
                     ERR_NOTFOUND);
    assert_int_equal(ops(fx)->idem_put(fx->st, "order", "k", "ord_1", &e), 0);
    assert_int_equal(ops(fx)->idem_get(fx->st, "order", "k", res, sizeof res, &e), 0);
    assert_string_equal(res, "ord_1");
    assert_int_equal(ops(fx)->idem_get(fx->st, "import", "k", res, sizeof res, &e),
                     ERR_NOTFOUND);
}

/* --- imports --- */

static void test_import_jobs(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct import_error errs[2] = {
        {.line = 3, .col = COL_QUANTITY, .has_value = true, .value = "-1",
         .message = "quantity must be 0 or more"},
        {.line = 0, .col = -1, .has_value = false, .message = "the file is empty"},
    };
    struct import_job a = {.id = "imp_a", .source = IMPORT_CSV, .file_name = "stock.csv",
                           .status = IMPORT_FAILED, .total_rows = 5, .total_errors = 2,
                           .errors = errs, .nerrors = 2, .created_at = "2026-11-27T10:00:00Z",
                           .finished_at = "2026-11-27T10:00:01Z"};
    struct import_job b = {.id = "imp_b", .source = IMPORT_API, .status = IMPORT_COMPLETED,
                           .total_rows = 7, .rows_applied = 7,
                           .created_at = "2026-11-27T11:00:00Z",
                           .finished_at = "2026-11-27T11:00:00Z"};
    begin(fx);
    assert_int_equal(ops(fx)->import_save(fx->st, &a, &e), 0);
    assert_int_equal(ops(fx)->import_save(fx->st, &b, &e), 0);
    commit(fx);

    struct import_job got;
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_a", &got, &e), 0);
    assert_string_equal(got.file_name, "stock.csv");
    assert_int_equal(got.status, IMPORT_FAILED);
    assert_int_equal(got.nerrors, 2);
    assert_int_equal(got.errors[0].line, 3);
    assert_int_equal(got.errors[0].col, COL_QUANTITY);
    assert_true(got.errors[0].has_value);
    assert_string_equal(got.errors[0].value, "-1");
    assert_int_equal(got.errors[1].col, -1);
    assert_false(got.errors[1].has_value);
    assert_string_equal(got.errors[1].message, "the file is empty");
    import_job_free(&got);
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_b", &got, &e), 0);
    assert_string_equal(got.file_name, "");
    assert_int_equal(got.rows_applied, 7);
    assert_int_equal(got.nerrors, 0);
    import_job_free(&got);
    assert_int_equal(ops(fx)->import_get(fx->st, "imp_x", &got, &e), ERR_NOTFOUND);

    struct import_job *list = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->import_list(fx->st, 10, &list, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "imp_b"); /* newest first */
    assert_string_equal(list[1].id, "imp_a");
    free(list);
}

/* --- orders --- */

static void test_order_round_trip(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    assert_int_equal(a.o.number, 1001);
    assert_int_equal(b.o.number, 1002);
    assert_true(a.sh[0].seq > 0);
    assert_true(a.sh[1].seq > a.sh[0].seq);
    assert_true(b.sh[0].seq > a.sh[1].seq);
    assert_true(b.sh[1].seq > b.sh[0].seq);

    struct order_rec o;
    err_t e = {0};
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_a", &o, &e), 0);
    assert_string_equal(o.id, "ord_a");
    assert_int_equal(o.number, 1001);
    assert_string_equal(o.access_token, "toka");
    assert_int_equal(o.status, ORDER_PLACED);
    assert_string_equal(o.email, "a@example.com");
    assert_string_equal(o.currency, "USD");
    assert_int_equal(o.total, 9000);
    assert_string_equal(o.address.name, "Ada a");
    assert_string_equal(o.address.line2, "");
    assert_string_equal(o.address.country, "US");
    assert_string_equal(o.created_at, "2026-11-27T10:00:00Z");
    assert_int_equal(o.nlines, 2);
    assert_string_equal(o.lines[0].sku, "TSHIRT1");
    assert_string_equal(o.lines[0].name, "T-shirt");
    assert_int_equal(o.lines[0].quantity, 3);
    assert_int_equal(o.lines[0].unit_price, 2000);
    assert_int_equal(o.lines[0].amount, 6000);
    assert_string_equal(o.lines[1].sku, "HOODIE2");

    assert_int_equal(o.nshipments, 2);
    const struct shipment_rec *s0 = &o.shipments[0], *s1 = &o.shipments[1];
    assert_string_equal(s0->id, "shp_a1");
    assert_string_equal(s0->order_id, "ord_a");
    assert_int_equal(s0->seq, a.sh[0].seq);
    assert_int_equal(s0->status, SHIP_READY);
    assert_int_equal(s0->stock_type, STOCK_ONHAND);
    assert_string_equal(s0->transit_ref, "");
    assert_int_equal(s0->stock_date, DATE_NONE);
    assert_int_equal(s0->expected.from, date_from_ymd(2026, 11, 28));
    assert_int_equal(s0->expected.to, date_from_ymd(2026, 12, 2));
    assert_string_equal(s0->expected.message, "In stock");
    assert_int_equal(s0->amount, 5000);
    assert_int_equal(s0->nitems, 2);
    assert_string_equal(s0->items[0].sku, "TSHIRT1");
    assert_int_equal(s0->items[0].quantity, 2);
    assert_string_equal(s0->items[1].sku, "HOODIE2");
    assert_string_equal(s1->id, "shp_a2");
    assert_int_equal(s1->status, SHIP_AWAITING_STOCK);
    assert_int_equal(s1->stock_type, STOCK_INTRANSIT);
    assert_string_equal(s1->transit_ref, "PO1");
    assert_int_equal(s1->stock_date, date_from_ymd(2026, 12, 15));
    assert_int_equal(s1->nitems, 1);

    assert_string_equal(o.payment.provider, "test");
    assert_string_equal(o.payment.ref, "auth_a");
    assert_int_equal(o.payment.authorized, 9000);
    assert_int_equal(o.payment.captured, 0);
    assert_int_equal(o.payment.status, PAY_AUTHORIZED);
    order_rec_free(&o);

    assert_int_equal(ops(fx)->order_get(fx->st, "ord_nope", &o, &e), ERR_NOTFOUND);
    assert_int_equal(o.nlines, 0);

    /* An empty created_at takes the database's clock. */
    struct order_fx c;
    begin(fx);
    make_order(fx, &c, "c");
    c.o.created_at[0] = '\0';
    assert_int_equal(ops(fx)->order_insert(fx->st, &c.o, &e), 0);
    commit(fx);
    assert_int_equal(strlen(c.o.created_at), 20);
    assert_int_equal(c.o.created_at[10], 'T');
    assert_int_equal(c.o.created_at[19], 'Z');

    /* A second connection (another server) numbers on from the same sequences. */
    struct fixture other = {.st = open_url(db_url)};
    struct order_fx d;
    insert_order(&other, &d, "d");
    ops(&other)->close(other.st);
    assert_int_equal(d.o.number, 1004);
    assert_true(d.sh[0].seq > c.o.shipments[1].seq);
}

static void test_order_page_and_updates(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b, c;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    insert_order(fx, &c, "c");
    err_t e = {0};

    char(*ids)[ORDER_ID_MAX] = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->order_page(fx->st, NULL, 10, &ids, &n, &e), 0);
    assert_int_equal(n, 3);
    assert_string_equal(ids[0], "ord_c");
    assert_string_equal(ids[1], "ord_b");
    assert_string_equal(ids[2], "ord_a");
    free(ids);
    assert_int_equal(ops(fx)->order_page(fx->st, "ord_c", 1, &ids, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(ids[0], "ord_b");
    free(ids);
    assert_int_equal(ops(fx)->order_page(fx->st, "ord_a", 10, &ids, &n, &e), 0);
    assert_int_equal(n, 0);
    free(ids);

    char oid[ORDER_ID_MAX];
    assert_int_equal(ops(fx)->order_by_shipment(fx->st, "shp_b2", oid, &e), 0);
    assert_string_equal(oid, "ord_b");
    assert_int_equal(ops(fx)->order_by_shipment(fx->st, "shp_x", oid, &e), ERR_NOTFOUND);

    begin(fx);
    assert_int_equal(ops(fx)->order_set_status(fx->st, "ord_a", ORDER_PARTIALLY_SHIPPED, &e),
                     0);
    assert_int_equal(ops(fx)->order_set_status(fx->st, "ord_x", ORDER_SHIPPED, &e),
                     ERR_NOTFOUND);
    struct shipment_rec sh = a.sh[0];
    sh.status = SHIP_SHIPPED;
    snprintf(sh.tracking_number, sizeof sh.tracking_number, "1Z999");
    snprintf(sh.shipped_at, sizeof sh.shipped_at, "2026-11-28T09:00:00Z");
    assert_int_equal(ops(fx)->shipment_update(fx->st, &sh, &e), 0);
    struct payment p = a.o.payment;
    p.captured = 5000;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_a", &p, &e), 0);
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_x", &p, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", "shp_a1", 5000, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", NULL, 0, &e), 0);
    commit(fx);

    struct shipment_rec got;
    assert_int_equal(ops(fx)->shipment_get(fx->st, "shp_a1", &got, &e), 0);
    assert_int_equal(got.status, SHIP_SHIPPED);
    assert_string_equal(got.tracking_number, "1Z999");
    assert_string_equal(got.shipped_at, "2026-11-28T09:00:00Z");
    assert_string_equal(got.order_id, "ord_a");
    assert_int_equal(got.seq, a.sh[0].seq);
    assert_int_equal(got.nitems, 2);
    assert_string_equal(got.items[1].sku, "HOODIE2");
    free(got.items);
    assert_int_equal(ops(fx)->shipment_get(fx->st, "shp_x", &got, &e), ERR_NOTFOUND);

    struct order_rec o;
    assert_int_equal(ops(fx)->order_get(fx->st, "ord_a", &o, &e), 0);
    assert_int_equal(o.status, ORDER_PARTIALLY_SHIPPED);
    assert_int_equal(o.payment.captured, 5000);
    assert_int_equal(o.payment.status, PAY_PARTIALLY_CAPTURED);
    assert_int_equal(o.shipments[0].status, SHIP_SHIPPED);
    order_rec_free(&o);
}

/* --- allocations --- */

static void test_alloc_add_and_list(void **state)
{
    struct fixture *fx = *state;
    put_position(fx, "TSHIRT1", "PO1", 100, 0, date_from_ymd(2026, 12, 15));
    struct order_fx a, b;
    insert_order(fx, &a, "a");
    insert_order(fx, &b, "b");
    struct position k = key("TSHIRT1", "PO1"), onhand = key("TSHIRT1", NULL);
    err_t e = {0};

    begin(fx);
    /* The newer shipment first, so the listing order must come from seq. */
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_b2", &k, 4, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, 2, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &onhand, 5, &e), 0);
    commit(fx);

    struct alloc_row *rows = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, &k, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(rows[0].shipment_id, "shp_a2");
    assert_int_equal(rows[0].shipment_seq, a.sh[1].seq);
    assert_int_equal(rows[0].quantity, 3);
    assert_string_equal(rows[0].pos.transit_ref, "PO1");
    assert_int_equal(rows[0].pos.stock_type, STOCK_INTRANSIT);
    assert_string_equal(rows[1].shipment_id, "shp_b2");
    assert_int_equal(rows[1].shipment_seq, b.sh[1].seq);
    assert_int_equal(rows[1].quantity, 4);
    free(rows);

    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_a2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_int_equal(rows[0].pos.stock_type, STOCK_ONHAND);
    assert_int_equal(rows[0].quantity, 5);
    assert_int_equal(rows[1].pos.stock_type, STOCK_INTRANSIT);
    assert_int_equal(rows[1].quantity, 3);
    free(rows);

    begin(fx);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -3, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -2, &e), 0); /* reaches 0 */
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &k, -1, &e), ERR_CONFLICT);
    commit(fx);
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, &k, &rows, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].shipment_id, "shp_b2");
    free(rows);

    begin(fx);
    assert_int_equal(ops(fx)->alloc_delete(fx->st, "shp_a2", &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_a2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 0);
    free(rows);
    assert_int_equal(ops(fx)->alloc_list(fx->st, "shp_b2", NULL, &rows, &n, &e), 0);
    assert_int_equal(n, 1);
    free(rows);
    assert_int_equal(ops(fx)->alloc_list(fx->st, NULL, NULL, &rows, &n, &e), ERR_INVALID);
}

/* --- carts --- */

static void test_cart_lifecycle(void **state)
{
    struct fixture *fx = *state;
    struct shipment_item *lines = NULL;
    size_t n = 99;
    err_t e = {0};

    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_x", &lines, &n, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_x", "A", 1, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), 0);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 0);
    free(lines);

    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 2, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ALPHA", 1, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 5, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "GONE", 0, &e), 0);
    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", -1, &e), ERR_INVALID);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(lines[0].sku, "ZED"); /* insertion order, not by sku */
    assert_int_equal(lines[0].quantity, 5);
    assert_string_equal(lines[1].sku, "ALPHA");
    assert_int_equal(lines[1].quantity, 1);
    free(lines);

    assert_int_equal(ops(fx)->cart_set(fx->st, "cart_1", "ZED", 0, &e), 0);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_1", &lines, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(lines[0].sku, "ALPHA");
    free(lines);

    /* A conflict inside a transaction leaves it usable, as with SQLite. */
    begin(fx);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_1", &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->cart_create(fx->st, "cart_2", &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->cart_lines(fx->st, "cart_2", &lines, &n, &e), 0);
    free(lines);
}

/* --- outbox --- */

static void queue_email(struct fixture *fx, const char *id, const char *order_id,
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

static void test_outbox_claim_lease_update_list(void **state)
{
    struct fixture *fx = *state;
    queue_email(fx, "eml_1", "ord_a", 100);
    queue_email(fx, "eml_2", "", 200);
    struct email m;
    err_t e = {0};

    assert_int_equal(ops(fx)->outbox_claim(fx->st, 50, 60, &m, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 150, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_1");
    assert_string_equal(m.order_id, "ord_a");
    assert_string_equal(m.text, "text of eml_1");
    assert_string_equal(m.html, "<p>eml_1</p>");
    assert_int_equal(m.next_attempt_at, 210);
    assert_true(m.created_at[0] != '\0');
    email_free(&m);

    /* Leased until 210: a second worker at 150 finds nothing, at 205 only eml_2. */
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 150, 60, &m, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 205, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    assert_string_equal(m.order_id, "");
    email_free(&m);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 215, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_1"); /* its lease has passed */

    m.status = EMAIL_SENT;
    m.attempts = 1;
    assert_int_equal(ops(fx)->outbox_update(fx->st, &m, &e), 0);
    email_free(&m);

    /* Inside the caller's transaction the claim joins it: a rollback undoes the lease. */
    begin(fx);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    email_free(&m);
    ops(fx)->rollback(fx->st);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000, 60, &m, &e), 0);
    assert_string_equal(m.id, "eml_2");
    m.status = EMAIL_FAILED;
    m.attempts = EMAIL_MAX_ATTEMPTS;
    snprintf(m.last_error, sizeof m.last_error, "connection refused");
    assert_int_equal(ops(fx)->outbox_update(fx->st, &m, &e), 0);
    email_free(&m);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 1000000, 60, &m, &e), ERR_NOTFOUND);

    struct email unknown = {.id = "eml_x"};
    assert_int_equal(ops(fx)->outbox_update(fx->st, &unknown, &e), ERR_NOTFOUND);

    struct email *list = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->outbox_list(fx->st, 10, &list, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "eml_2");
    assert_int_equal(list[0].status, EMAIL_FAILED);
    assert_int_equal(list[0].attempts, EMAIL_MAX_ATTEMPTS);
    assert_string_equal(list[0].last_error, "connection refused");
    assert_null(list[0].text);
    assert_null(list[0].html);
    assert_string_equal(list[1].id, "eml_1");
    assert_int_equal(list[1].status, EMAIL_SENT);
    assert_string_equal(list[1].subject, "Order eml_1");
    free(list);
    assert_int_equal(ops(fx)->outbox_list(fx->st, 1, &list, &n, &e), 0);
    assert_int_equal(n, 1);
    free(list);
}

/* Two workers claiming at the same moment (one's claim not yet committed) get different
 * emails: SKIP LOCKED passes over the row the other holds. */
static void test_outbox_two_workers(void **state)
{
    struct fixture *fx = *state;
    queue_email(fx, "eml_1", "", 100);
    queue_email(fx, "eml_2", "", 100);
    struct store *other = open_url(db_url);
    struct email a, b, c;
    err_t e = {0};

    begin(fx);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 150, 60, &a, &e), 0);
    assert_int_equal(other->ops->outbox_claim(other, 150, 60, &b, &e), 0); /* no wait */
    assert_string_not_equal(a.id, b.id);
    assert_int_equal(other->ops->outbox_claim(other, 150, 60, &c, &e), ERR_NOTFOUND);
    commit(fx);
    /* Both leases are committed: nothing is due until they pass. */
    assert_int_equal(other->ops->outbox_claim(other, 205, 60, &c, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->outbox_claim(fx->st, 211, 60, &c, &e), 0);
    email_free(&c);
    email_free(&a);
    email_free(&b);
    other->ops->close(other);
}

/* --- users and sessions --- */

static void test_users(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    const char *hash = "$argon2id$v=19$m=65536,t=2,p=1$c2FsdA$aGFzaA";
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", hash, &e), 0);
    assert_int_equal(ops(fx)->user_add(fx->st, "alice", hash, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "user alice already exists");

    char got[128];
    assert_int_equal(ops(fx)->user_hash(fx->st, "alice", got, sizeof got, &e), 0);
    assert_string_equal(got, hash);
    assert_int_equal(ops(fx)->user_hash(fx->st, "bob", got, sizeof got, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->user_hash(fx->st, "alice", got, 8, &e), ERR_STORE);
}

static void test_sessions(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    unsigned char h1[SESSION_HASH_LEN], h2[SESSION_HASH_LEN], h3[SESSION_HASH_LEN];
    for (int i = 0; i < SESSION_HASH_LEN; i++) {
        h1[i] = (unsigned char)i;
        h2[i] = (unsigned char)(255 - i);
        h3[i] = (unsigned char)(i ^ 0x5a);
    }
    const char *csrf = "0123456789abcdef0123456789abcdef";
    assert_int_equal(ops(fx)->session_add(fx->st, h1, "alice", csrf, 1000, &e), 0);
    assert_int_equal(ops(fx)->session_add(fx->st, h2, "bob", csrf, 50, &e), 0);
    assert_int_equal(ops(fx)->session_add(fx->st, h3, "carol", csrf, 2000, &e), 0);

    char user[ID_MAX + 1], tok[SESSION_CSRF_LEN + 1];
    int64_t exp = 0;
    assert_int_equal(ops(fx)->session_get(fx->st, h1, user, tok, &exp, &e), 0);
    assert_string_equal(user, "alice");
    assert_string_equal(tok, csrf);
    assert_int_equal(exp, 1000);

    /* Ending h1 at 100 also drops h2, expired at 50; h3 stays. */
    assert_int_equal(ops(fx)->session_delete(fx->st, h1, 100, &e), 0);
    assert_int_equal(ops(fx)->session_get(fx->st, h1, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->session_get(fx->st, h2, user, tok, &exp, &e), ERR_NOTFOUND);
    assert_int_equal(ops(fx)->session_get(fx->st, h3, user, tok, &exp, &e), 0);
    assert_string_equal(user, "carol");
}

/* --- idempotency across servers --- */

static void test_idempotency_key_race(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct bg b = {.st = open_url(db_url), .op = BG_IDEM_PUT};
    char res[64];

    begin(fx);
    assert_int_equal(ops(fx)->idem_put(fx->st, "order", "key-1", "ord_first", &e), 0);
    begin_on(b.st);
    /* The second server checked before the first committed: the key looked free. */
    assert_int_equal(b.st->ops->idem_get(b.st, "order", "key-1", res, sizeof res, &b.e),
                     ERR_NOTFOUND);
    bg_start(&b);
    wait_for_lock_wait();
    commit(fx);
    bg_join(&b);
    assert_int_equal(b.rc, ERR_CONFLICT); /* and its transaction is still usable */
    assert_int_equal(b.st->ops->idem_put(b.st, "order", "key-2", "ord_second", &b.e), 0);
    b.st->ops->rollback(b.st);
    /* Run again, it finds the first request's result to replay. */
    begin_on(b.st);
    assert_int_equal(b.st->ops->idem_get(b.st, "order", "key-1", res, sizeof res, &b.e), 0);
    assert_string_equal(res, "ord_first");
    commit_on(b.st);
    b.st->ops->close(b.st);
}

/* --- failed statements inside transactions and batches --- */

static void test_failed_transaction_reports_cause(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    begin(fx);
    /* A foreign key violation: PostgreSQL fails the whole transaction. */
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_none", NULL, 5, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "record a capture conflicts with existing data");
    struct location l = {.id = "WH9", .name = "late"};
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->commit(fx->st, &e), ERR_CONFLICT);
    assert_string_equal(e.msg, "record a capture conflicts with existing data");
    /* The connection is fine afterwards and nothing was written. */
    assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), 0);
    assert_int_equal(sql_int("SELECT count(*) FROM captures"), 0);
}

static void test_batch_savepoints(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    assert_int_equal(ops(fx)->batch_begin(fx->st, &e), 0);
    struct location a = {.id = "WHA", .name = "a"}, b = {.id = "WHB", .name = "b"},
                    c = {.id = "WHC", .name = "c"};
    begin(fx);
    assert_int_equal(ops(fx)->location_add(fx->st, &a, &e), 0);
    commit(fx);
    /* A transaction whose statement failed is undone alone. */
    begin(fx);
    assert_int_equal(ops(fx)->location_add(fx->st, &b, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_none", NULL, 5, &e), ERR_CONFLICT);
    ops(fx)->rollback(fx->st);
    ops(fx)->rollback(fx->st); /* a second rollback does nothing */
    /* Committing one that failed rolls it back and says why. */
    begin(fx);
    assert_int_equal(ops(fx)->location_add(fx->st, &c, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_none", NULL, 5, &e), ERR_CONFLICT);
    assert_int_equal(ops(fx)->commit(fx->st, &e), ERR_CONFLICT);
    ops(fx)->rollback(fx->st);
    begin(fx);
    assert_int_equal(ops(fx)->location_add(fx->st, &c, &e), 0);
    commit(fx);
    /* Nothing is visible to another connection before batch_end. */
    assert_int_equal(sql_int("SELECT count(*) FROM locations"), 1);
    assert_int_equal(ops(fx)->batch_end(fx->st, true, &e), 0);
    assert_int_equal(sql_int("SELECT count(*) FROM locations"), 3);
    assert_int_equal(sql_int("SELECT count(*) FROM locations WHERE id = 'WHB'"), 0);

    assert_int_equal(ops(fx)->batch_begin(fx->st, &e), 0);
    begin(fx);
    assert_int_equal(ops(fx)->location_add(fx->st, &b, &e), 0);
    commit(fx);
    assert_int_equal(ops(fx)->batch_end(fx->st, false, &e), 0);
    assert_int_equal(sql_int("SELECT count(*) FROM locations WHERE id = 'WHB'"), 0);

    uint64_t v1 = ops(fx)->version(fx->st), v2 = ops(fx)->version(fx->st);
    assert_true(v1 != v2);
}

/* --- losing the server --- */

/* Ends every sellahead connection to this run's database, as a server restart would. */
static void kill_connections(void)
{
    sql(db_url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                "datname = current_database() AND application_name = 'sellahead' AND "
                "pid <> pg_backend_pid()");
    for (int i = 0; i < 500; i++) {
        if (sql_int("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = 'sellahead'") == 0)
            return;
        usleep(10000);
    }
    fail_msg("the connections did not end");
}

static void test_reconnect(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    struct location l = {.id = "WH2", .name = "second"};

    /* A write outside a transaction: at most one 503, then the connection is back. */
    kill_connections();
    int rc = ops(fx)->location_add(fx->st, &l, &e);
    if (rc) {
        assert_int_equal(rc, ERR_UNAVAILABLE);
        assert_string_equal(e.msg, "the database is unavailable, try again");
        assert_int_equal(ops(fx)->location_add(fx->st, &l, &e), 0);
    }
    struct location *v = NULL;
    size_t n = 0;
    assert_int_equal(ops(fx)->location_list(fx->st, &v, &n, &e), 0);
    assert_int_equal(n, 2);
    free(v);

    /* Reads and BEGIN run again by themselves on a fresh connection. */
    kill_connections();
    assert_int_equal(ops(fx)->location_list(fx->st, &v, &n, &e), 0);
    free(v);
    kill_connections();
    begin(fx);
    struct location l3 = {.id = "WH3", .name = "third"};
    assert_int_equal(ops(fx)->location_add(fx->st, &l3, &e), 0);
    commit(fx);
    assert_int_equal(sql_int("SELECT count(*) FROM locations"), 3);
}

static void test_reconnect_inside_transaction(void **state)
{
    struct fixture *fx = *state;
    err_t e = {0};
    put_position(fx, "TSHIRT1", NULL, 10, 0, DATE_NONE);
    struct position k = key("TSHIRT1", NULL);

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 4, &e), 0);
    kill_connections();
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 1, &e), ERR_UNAVAILABLE);
    assert_string_equal(e.msg, "the database is unavailable, try again");
    /* Still inside the lost transaction: no reconnecting behind the caller's back. */
    struct position_list pl = {0};
    assert_int_equal(ops(fx)->positions_by_sku(fx->st, "TSHIRT1", &pl, &e), ERR_UNAVAILABLE);
    position_list_free(&pl);
    assert_int_equal(ops(fx)->commit(fx->st, &e), ERR_UNAVAILABLE);
    ops(fx)->rollback(fx->st);
    /* Nothing of it was written, and the next operation reconnects. */
    assert_int_equal(get_position(fx, &k).allocated, 0);

    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 4, &e), 0);
    kill_connections();
    ops(fx)->rollback(fx->st);
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &k, 4, &e), 0);
    commit(fx);
    assert_int_equal(get_position(fx, &k).allocated, 4);
}

/* --- check --- */

struct report {
    size_t n;
    char first[1024];
    char all[4096];
    size_t stop_after; /* 0: never stop */
};

static int collect(void *ctx, const char *problem)
{
    struct report *r = ctx;
    if (!r->n)
        snprintf(r->first, sizeof r->first, "%s", problem);
    size_t used = strlen(r->all);
    snprintf(r->all + used, sizeof r->all - used, "%s\n", problem);
    r->n++;
    return r->stop_after && r->n >= r->stop_after;
}

static size_t run_check(struct fixture *fx, struct report *r)
{
    size_t problems = 0;
    err_t e = {0};
    int rc = ops(fx)->check(fx->st, collect, r, &problems, &e);
    if (rc)
        fail_msg("check: %s", e.msg);
    assert_int_equal(problems, r->n);
    return problems;
}

/* One order whose books balance: 2 T-shirts allocated onhand for shipment a1, one on PO1
 * for a2, the first shipment captured, the confirmation queued. */
static void consistent_order(struct fixture *fx, struct order_fx *a)
{
    put_position(fx, "TSHIRT1", NULL, 10, 0, DATE_NONE);
    put_position(fx, "HOODIE2", NULL, 10, 0, DATE_NONE);
    put_position(fx, "TSHIRT1", "PO1", 10, 0, date_from_ymd(2026, 12, 15));
    insert_order(fx, a, "a");
    struct position t = key("TSHIRT1", NULL), h = key("HOODIE2", NULL),
                    po = key("TSHIRT1", "PO1");
    err_t e = {0};
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &t, 2, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a1", &t, 2, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &h, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a1", &h, 1, &e), 0);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &po, 1, &e), 0);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_a2", &po, 1, &e), 0);
    struct payment p = a->o.payment;
    p.captured = 5000;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_a", &p, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", "shp_a1", 5000, &e), 0);
    commit(fx);
    queue_email(fx, "eml_a", "ord_a", 0);
}

static void test_check_consistent_database(void **state)
{
    struct fixture *fx = *state;
    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 0); /* empty */
    struct order_fx a;
    consistent_order(fx, &a);
    assert_int_equal(run_check(fx, &r), 0);
    if (r.n)
        fail_msg("unexpected: %s", r.all);
    /* Inside the caller's read transaction, as `sellahead check` runs it. */
    err_t e = {0};
    assert_int_equal(ops(fx)->begin(fx->st, false, &e), 0);
    assert_int_equal(run_check(fx, &r), 0);
    ops(fx)->rollback(fx->st);
}

static void test_check_finds_planted_mismatch(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a;
    consistent_order(fx, &a);
    put_position(fx, "TSHIRT1", "PO2", 10, 0, date_from_ymd(2027, 1, 15));
    struct position po2 = key("TSHIRT1", "PO2");
    err_t e = {0};
    begin(fx);
    assert_int_equal(ops(fx)->position_allocate(fx->st, &po2, 2, &e), 0); /* no alloc row */
    commit(fx);

    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 1);
    assert_non_null(strstr(r.first, "TSHIRT1 at WH1 (intransit PO2)"));
    assert_non_null(strstr(r.first, "allocatedQuantity 2"));
    assert_non_null(strstr(r.first, "add up to 0"));
}

static void test_check_reports_each_kind(void **state)
{
    struct fixture *fx = *state;
    struct order_fx a, b;
    consistent_order(fx, &a);
    insert_order(fx, &b, "b"); /* no confirmation email */
    err_t e = {0};
    begin(fx);
    struct shipment_rec sh = a.sh[0];
    sh.status = SHIP_SHIPPED; /* its allocations stay behind */
    assert_int_equal(ops(fx)->shipment_update(fx->st, &sh, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_a", NULL, 1000, &e), 0);
    assert_int_equal(ops(fx)->capture_add(fx->st, "ord_b", NULL, 9500, &e), 0);
    struct payment p = b.o.payment;
    p.captured = 9500;
    assert_int_equal(ops(fx)->payment_update(fx->st, "ord_b", &p, &e), 0);
    commit(fx);
    /* An allocation on a position that does not exist (no foreign key, by design). */
    struct position ghost = key("GHOST", NULL);
    begin(fx);
    assert_int_equal(ops(fx)->alloc_add(fx->st, "shp_b1", &ghost, 1, &e), 0);
    commit(fx);

    struct report r = {0};
    assert_int_equal(run_check(fx, &r), 6);
    assert_non_null(strstr(r.all, "shipment shp_a1 is SHIPPED but still holds 2 units of "
                                  "TSHIRT1 at WH1 (onhand)"));
    assert_non_null(strstr(r.all, "order 1001 (ord_a) records 5000 captured but its "
                                  "captures add up to 6000"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has captures of 9500 in all, more "
                                  "than the 9000 authorized"));
    assert_non_null(strstr(r.all, "order 1002 (ord_b) has no order_confirmation email"));
    assert_non_null(strstr(r.all, "shipment shp_b1 holds 1 units of GHOST at WH1 (onhand), a "
                                  "position that does not exist"));

    /* A callback asking to stop ends the check after that problem. */
    struct report first = {.stop_after = 1};
    assert_int_equal(run_check(fx, &first), 1);
}

int main(void)
{
    const char *url = getenv("SELLAHEAD_TEST_PG_URL");
    if (!url || !*url) {
        printf("test_store_pg: skipped (set SELLAHEAD_TEST_PG_URL, e.g. to the URL "
               "scripts/pg-test start DIR prints)\n");
        return 0;
    }
    snprintf(server_url, sizeof server_url, "%s", url);
    if (ids_init())
        return 1;
    snprintf(db_name, sizeof db_name, "sellahead_ut_%ld", (long)getpid());
    char q[256];
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s", db_name);
    sql(server_url, q);
    snprintf(q, sizeof q, "CREATE DATABASE %s", db_name);
    sql(server_url, q);
    url_for(db_name, db_url, sizeof db_url);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_migrations_idempotent, setup, teardown),
        cmocka_unit_test(test_concurrent_migrations),
        cmocka_unit_test(test_unreachable_server),
        cmocka_unit_test_setup_teardown(test_import_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocate_refuses_past_available, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocate_across_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadlock_is_retry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_adjust_creates_onhand_and_refuses_negatives,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_catalog_settings_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_jobs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_page_and_updates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alloc_add_and_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cart_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_claim_lease_update_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_outbox_two_workers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idempotency_key_race, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_transaction_reports_cause, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_savepoints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reconnect_inside_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_consistent_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_finds_planted_mismatch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_reports_each_kind, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    snprintf(q, sizeof q, "DROP DATABASE IF EXISTS %s WITH (FORCE)", db_name);
    sql(server_url, q);
    return failed;
}

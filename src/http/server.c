/* The HTTP server on libmicrohttpd: a thread pool sized to the cores, one store connection
 * per thread, group commit (order placements on PostgreSQL: a database pool of their own),
 * and the daemon's start and stop. A request's own steps are in
 * request.c and router.c, connection limits in conn.c (see server.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/delays.h"
#include "app/payments.h"
#include "app/readmodel.h"
#include "app/settings.h"
#include "http/server.h"
#include "mail/worker.h"

static const struct http_config *config;
static struct worker *mail_worker;
static pthread_key_t store_key;

static void store_destroy(void *p)
{
    struct store *st = p;
    store_close(st);
}

struct store *http_thread_store(err_t *e)
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

/* --- group commit ---
 * Each durable commit costs an fsync, so placing orders one commit at a time is bound by the
 * disk. Grouped requests are suspended and queued; one writer thread runs every queued
 * request in a single write transaction (each in its own savepoint) and commits them
 * together, then resumes their connections. */

#define GROUP_MAX 256

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct conn_ctx *head, *tail;
    bool stopping, running;
    pthread_t thread;
    struct store *st;
} group = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

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
    bool ok = store_batch_begin(group.st, &e) == 0;
    for (struct conn_ctx *c = batch; ok && c; c = c->next) {
        c->req.st = group.st;
        c->route->handler(&c->req, &c->resp);
        store_rollback(group.st); /* a savepoint a failed handler left open */
    }
    if (ok)
        ok = store_batch_end(group.st, true, &e) == 0;
    struct conn_ctx *carry = NULL, **tail = &carry;
    for (struct conn_ctx *c = batch; c;) {
        struct conn_ctx *next = c->next;
        if (ok && c->resp.after_commit) {
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
        while (!group.head && !carry && !group.stopping)
            pthread_cond_wait(&group.cond, &group.lock);
        if (!group.head && !carry)
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
    if (*st) {
        c->req.st = *st;
        http_run(c->route, &c->req, &c->resp, NULL, NULL);
    }
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
        store_close(st);
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
    if (!store_group_commit(group.st)) {
        store_close(group.st);
        group.st = NULL;
        return pool_start(e);
    }
    group.stopping = false;
    if (pthread_create(&group.thread, NULL, group_main, NULL)) {
        store_close(group.st);
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
        pthread_join(group.thread, NULL);
        store_close(group.st);
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
        c->req.src = &http_mhd_source;
        c->req.conn = conn;
        c->req.method = method;
        c->req.url = url;
        c->req.cfg = config;
        *con_cls = c;
        http_request_start(c, method, url, version);
        http_watch_set(conn, http_body_deadline(c));
        /* Answered now, before any body byte is read: MHD sends no 100 Continue then, and
         * discards the body by closing the connection. A body a little too large is drained
         * first (request.c). */
        return c->has_early && !c->drain ? http_send_resp(conn, &c->early) : MHD_YES;
    }
    if (*upload_data_size) {
        http_request_data(c, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return c->abort ? MHD_NO : MHD_YES;
    }
    if (c->has_early)
        return http_send_resp(conn, &c->early);
    if (c->done)
        return http_send_resp(conn, &c->resp);
    http_watch_set(conn, 0); /* the body is in: no deadline while the server works */
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
    if (!http_run(c->route, &c->req, &resp, http_slow_submit, c))
        return MHD_YES; /* the handler runs again once its slow work is done */
    enum MHD_Result ret = http_send_resp(conn, &resp);
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
    if (!settings_load(st, &s, &e) && ts.tv_sec - last_sweep >= s.sweep_minutes * 60)
        sweep_now(st);
}

/* --- accepting ---
 * With the listening socket in every pool thread's epoll, whichever thread runs first takes
 * up to ten new connections at a time: 64 keep-alive connections could all land on one
 * thread and leave the other cores idle (throughput halved from one run to the next, and the
 * p99 of a single overloaded thread). One thread accepts instead and hands each socket to
 * MHD, which spreads them over the pool by descriptor number. */

static struct {
    int fd;
    struct MHD_Daemon *d;
    pthread_t thread;
    atomic_bool stopping;
} acc;

static void *accept_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&acc.stopping)) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int s = accept(acc.fd, (struct sockaddr *)&ss, &len);
        if (s < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                nanosleep(&(struct timespec){0, 10000000}, NULL); /* until some close */
            continue;
        }
        fcntl(s, F_SETFD, FD_CLOEXEC);
        fcntl(s, F_SETFL, O_NONBLOCK);
        MHD_add_connection(acc.d, s, (struct sockaddr *)&ss, len); /* closes s on failure */
    }
    return NULL;
}

static int accept_start(int fd, struct MHD_Daemon *d)
{
    acc.fd = fd;
    acc.d = d;
    atomic_store(&acc.stopping, false);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK); /* the thread waits in accept */
    return pthread_create(&acc.thread, NULL, accept_main, NULL) ? -1 : 0;
}

/* Stops taking connections: a listening socket shut down wakes accept with an error. */
static void accept_stop(void)
{
    atomic_store(&acc.stopping, true);
    shutdown(acc.fd, SHUT_RDWR);
    pthread_join(acc.thread, NULL);
    close(acc.fd);
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
    store_close(st);
    worker_every(mail_worker, RECOVER_EVERY_SECONDS, recover_tick);
    if ((rc = group_start(e))) {
        worker_stop(mail_worker);
        mail_worker = NULL;
        close(fd);
        readmodel_stop();
        return rc;
    }
    if (http_slow_start() || http_watch_start()) {
        http_slow_stop();
        group_stop();
        worker_stop(mail_worker);
        mail_worker = NULL;
        return err_set(e, ERR_NOMEM, "cannot start the password-check and deadline threads");
    }
    /* TURBO: reads and writes are tried before epoll says the socket is ready (keep-alive
     * clients send their next request at once): 5% less CPU per availability answer. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO | MHD_USE_NO_LISTEN_SOCKET |
                     MHD_USE_ITC;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, NULL,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_CONNECTION_LIMIT, 4096u,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_NOTIFY_COMPLETED, http_on_completed, NULL,
        /* hardening */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)MHD_MEMORY,
        MHD_OPTION_UNESCAPE_CALLBACK, http_unescape, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, http_on_connection, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, http_on_request_line, NULL,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, http_per_address_connections(),
        MHD_OPTION_END);
    if (d && accept_start(fd, d)) {
        MHD_stop_daemon(d);
        d = NULL;
    }
    if (!d) {
        http_watch_stop();
        http_slow_stop();
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
    accept_stop();
    group_stop();
    http_slow_stop();
    MHD_stop_daemon(d);
    http_watch_stop();
    worker_stop(mail_worker);
    mail_worker = NULL;
    readmodel_stop();
    return 0;
}

/* Connection limits: a deadline for every connection (slow clients), and a queue of its
 * own for slow work (password checks) off the request threads. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "http/server.h"

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

int http_slow_start(void)
{
    slow.stopping = false;
    if (pthread_create(&slow.thread, NULL, slow_main, NULL))
        return -1;
    slow.running = true;
    return 0;
}

/* Finishes every queued job, then stops the worker. */
void http_slow_stop(void)
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
bool http_slow_submit(void *conn_ctx, struct http_resp *out)
{
    struct conn_ctx *c = conn_ctx;
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

#define PER_ADDRESS_CONNECTIONS 256 /* default of SELLAHEAD_PER_ADDRESS_CONNECTIONS */

struct watch {
    int fd;
    /* 0 while the server works on the request. Set without the lock, several times per
     * request: only the watcher reads it. */
    _Atomic time_t deadline;
    struct watch *prev, *next;
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    struct watch *head;
    bool stopping, running;
    pthread_t thread;
} watch = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

void http_on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
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
        atomic_init(&w->deadline, time(NULL) + IDLE_SECONDS + HEADERS_SECONDS);
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

void http_watch_set(struct MHD_Connection *conn, time_t deadline)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    struct watch *w = ci ? ci->socket_context : NULL;
    if (w)
        atomic_store_explicit(&w->deadline, deadline, memory_order_relaxed);
}

/* Called once the request line is in: the headers must follow soon. */
void *http_on_request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)cls;
    (void)uri;
    http_watch_set(conn, time(NULL) + HEADERS_SECONDS);
    return NULL;
}

/* Connections one address may hold (SELLAHEAD_PER_ADDRESS_CONNECTIONS, 0: no limit, for
 * a server behind a proxy, where every client has the proxy's address). */
unsigned http_per_address_connections(void)
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
        for (struct watch *w = watch.head; w; w = w->next) {
            time_t d = atomic_load_explicit(&w->deadline, memory_order_relaxed);
            if (d && d < now) {
                shutdown(w->fd, SHUT_RDWR);
                atomic_store_explicit(&w->deadline, 0, memory_order_relaxed);
            }
        }
    }
    pthread_mutex_unlock(&watch.lock);
    return NULL;
}

int http_watch_start(void)
{
    watch.stopping = false;
    if (pthread_create(&watch.thread, NULL, watch_main, NULL))
        return -1;
    watch.running = true;
    return 0;
}

void http_watch_stop(void)
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


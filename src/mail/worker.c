#include "mail/worker.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/outbox.h"
#include "mail/send.h"
#include "store/store.h"

#define LEASE_SECONDS 60    /* longer than send_smtp's timeout */
#define SEND_SECONDS_MAX 40 /* send_smtp's timeout */
#define BATCH_MAX 32
#define IDLE_SECONDS 1
#define RETRY_MAX_SECONDS 30

struct worker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* on CLOCK_MONOTONIC: a clock change must not stall the worker */
    bool stop, woken;  /* under mu */
    struct store *st;  /* used by the thread only once it runs; NULL after a lost link */
    char *db_url, *smtp_url, *mail_dir;
    void (*every_fn)(struct store *st); /* under mu */
    int every_secs;                     /* under mu */
    time_t every_last;
};

static bool stopping(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    bool stop = w->stop;
    pthread_mutex_unlock(&w->mu);
    return stop;
}

/* Waits up to secs; returns early when woken or stopped. A wake that came while the worker
 * was busy is kept in `woken`, so it is never lost. */
static void nap(struct worker *w, int secs)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += secs;
    pthread_mutex_lock(&w->mu);
    while (!w->stop && !w->woken)
        if (pthread_cond_timedwait(&w->cv, &w->mu, &until) == ETIMEDOUT)
            break;
    w->woken = false;
    pthread_mutex_unlock(&w->mu);
}

static int longer(int pause)
{
    return pause * 2 < RETRY_MAX_SECONDS ? pause * 2 : RETRY_MAX_SECONDS;
}

static int connect_store(struct worker *w, err_t *e)
{
    if (w->st)
        return 0;
    struct store *st = NULL;
    int rc = store_open(w->db_url, &st, e);
    if (rc == 0)
        w->st = st;
    return rc;
}

/* An unreachable database gets a fresh connection on the next round. */
static void after_store_error(struct worker *w, int rc)
{
    if (rc == ERR_UNAVAILABLE && w->st) {
        store_close(w->st);
        w->st = NULL;
    }
}

/* Takes up to BATCH_MAX due emails in one transaction: a commit per batch, not two per
 * email. ERR_NOTFOUND when none is due; on error *v holds nothing to free. */
static int claim(struct worker *w, struct email **v, size_t *n, err_t *e)
{
    *v = NULL;
    *n = 0;
    int rc = connect_store(w, e);
    if (rc)
        return rc;
    const struct store_ops *ops = w->st->ops;
    if (!ops->outbox_claim || !ops->outbox_update)
        return err_set(e, ERR_STORE, "the %s store has no outbox", ops->name);
    rc = ops->begin(w->st, true, e);
    if (rc)
        return rc;
    rc = store_outbox_claim_many(w->st, (int64_t)time(NULL), LEASE_SECONDS, BATCH_MAX, v, n,
                                 e);
    if (rc) {
        ops->rollback(w->st);
    } else if ((rc = ops->commit(w->st, e)) != 0) {
        ops->rollback(w->st);
    }
    if (!rc && *n == 0)
        rc = err_set(e, ERR_NOTFOUND, "no email is due");
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            email_free(&(*v)[i]);
        free(*v);
        *v = NULL;
        *n = 0;
    }
    return rc;
}

static int save(struct worker *w, const struct email *v, size_t n, err_t *e)
{
    int rc = connect_store(w, e);
    if (rc)
        return rc;
    const struct store_ops *ops = w->st->ops;
    rc = ops->begin(w->st, true, e);
    if (rc)
        return rc;
    rc = store_outbox_update_many(w->st, v, n, e);
    if (rc == 0)
        rc = ops->commit(w->st, e);
    if (rc)
        ops->rollback(w->st);
    return rc;
}

static void record(struct email *m, int rc, const char *why)
{
    m->attempts++;
    if (rc == 0) {
        m->status = EMAIL_SENT;
        m->last_error[0] = '\0';
        return;
    }
    /* The reason, cut to what the outbox keeps. */
    snprintf(m->last_error, sizeof m->last_error, "%.*s", (int)sizeof m->last_error - 1,
             *why ? why : "delivery failed");
    m->next_attempt_at = (int64_t)time(NULL) + email_backoff(m->attempts);
    m->status = m->attempts >= EMAIL_MAX_ATTEMPTS ? EMAIL_FAILED : EMAIL_PENDING;
}

/* Delivers a claimed batch and records every outcome in one transaction. An email whose
 * send could outlast the batch's lease is not tried: it goes back, due now. */
static void deliver(struct worker *w, struct email *v, size_t n)
{
    int rcs[BATCH_MAX];
    err_t why[BATCH_MAX] = {{0}};
    if (!w->smtp_url)
        send_files(w->mail_dir, v, n, rcs, why);
    time_t start = time(NULL);
    for (size_t i = 0; i < n; i++) {
        struct email *m = &v[i];
        if (w->smtp_url) {
            if (time(NULL) - start > LEASE_SECONDS - SEND_SECONDS_MAX) {
                m->next_attempt_at = (int64_t)time(NULL);
                continue;
            }
            rcs[i] = send_smtp(w->smtp_url, m, &why[i]);
        }
        record(m, rcs[i], why[i].msg);
        if (rcs[i])
            fprintf(stderr, "sellahead: mail %s (%s): attempt %d failed%s: %s\n", m->id,
                    m->kind, m->attempts, m->status == EMAIL_FAILED ? ", giving up" : "",
                    m->last_error);
    }
    /* They went out (or failed) already: keep trying to record that, or the lease runs out
     * and they are delivered again. */
    int pause = 1;
    int rc;
    err_t e = {0};
    while ((rc = save(w, v, n, &e)) != 0) {
        fprintf(stderr, "sellahead: mail: cannot record %zu attempts: %s\n", n, e.msg);
        after_store_error(w, rc);
        if (stopping(w)) {
            fprintf(stderr, "sellahead: mail: stopping; %zu emails may be delivered again\n",
                    n);
            return;
        }
        nap(w, pause);
        pause = longer(pause);
    }
}

static void idle_work(struct worker *w)
{
    pthread_mutex_lock(&w->mu);
    void (*fn)(struct store *) = w->every_fn;
    int secs = w->every_secs;
    pthread_mutex_unlock(&w->mu);
    time_t now = time(NULL);
    if (fn && w->st && now - w->every_last >= secs) {
        w->every_last = now;
        fn(w->st);
    }
}

void worker_every(struct worker *w, int secs, void (*fn)(struct store *st))
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->every_fn = fn;
    w->every_secs = secs;
    pthread_mutex_unlock(&w->mu);
}

static void *run(void *arg)
{
    struct worker *w = arg;
    int pause = 1;
    while (!stopping(w)) {
        struct email *v;
        size_t n;
        err_t e = {0};
        int rc = claim(w, &v, &n, &e);
        if (rc == ERR_NOTFOUND) {
            pause = 1;
            idle_work(w);
            nap(w, IDLE_SECONDS);
            continue;
        }
        if (rc) {
            /* Never give up: the outbox keeps the emails until the store is back. */
            fprintf(stderr, "sellahead: mail worker: %s (retrying in %d s)\n", e.msg, pause);
            after_store_error(w, rc);
            nap(w, pause);
            pause = longer(pause);
            continue;
        }
        pause = 1;
        deliver(w, v, n);
        for (size_t i = 0; i < n; i++)
            email_free(&v[i]);
        free(v);
    }
    return NULL;
}

static void worker_free(struct worker *w)
{
    if (w->st)
        store_close(w->st);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    free(w->db_url);
    free(w->smtp_url);
    free(w->mail_dir);
    free(w);
}

int worker_start(const char *db_url, const char *smtp_url, const char *mail_dir,
                 struct worker **out)
{
    *out = NULL;
    if (smtp_url && !*smtp_url)
        smtp_url = NULL;
    if (!db_url || (!smtp_url && (!mail_dir || !*mail_dir))) {
        fprintf(stderr, "sellahead: mail worker needs a database and an SMTP URL or a "
                        "mail directory\n");
        return ERR_INVALID;
    }
    struct worker *w = calloc(1, sizeof *w);
    if (!w)
        return ERR_NOMEM;
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cv, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&w->mu, NULL);
    w->db_url = strdup(db_url);
    w->smtp_url = smtp_url ? strdup(smtp_url) : NULL;
    w->mail_dir = mail_dir ? strdup(mail_dir) : NULL;
    if (!w->db_url || (smtp_url && !w->smtp_url) || (mail_dir && !w->mail_dir)) {
        worker_free(w);
        return ERR_NOMEM;
    }
    err_t e = {0};
    int rc = store_open(db_url, &w->st, &e);
    if (rc) {
        fprintf(stderr, "sellahead: mail worker: %s\n", e.msg);
        w->st = NULL;
        worker_free(w);
        return rc;
    }
    /* Process signals (Ctrl-C, SIGTERM, SIGPIPE) belong to the main thread; the worker
     * inherits this mask. */
    sigset_t block, old;
    sigemptyset(&block);
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE,
                               SIGUSR1, SIGUSR2, SIGALRM, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&block, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int prc = pthread_create(&w->thread, NULL, run, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc) {
        fprintf(stderr, "sellahead: mail worker: cannot start a thread: %s\n", strerror(prc));
        worker_free(w);
        return ERR_NOMEM;
    }
    *out = w;
    return 0;
}

void worker_wake(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->woken = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
}

void worker_stop(struct worker *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_signal(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    worker_free(w);
}

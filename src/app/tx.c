#include "app/tx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

/* Before attempt n (n >= 1): a random pause of up to 2^n ms, so transactions that lost a
 * race to each other (a PostgreSQL deadlock) do not meet again at once. */
static void back_off(int n)
{
    uint32_t us = 1000u + randombytes_uniform(1000u << (n < 6 ? n : 6));
    struct timespec ts = {0, (long)us * 1000};
    nanosleep(&ts, NULL);
}

int tx_run(struct store *st, tx_fn fn, void *ctx, err_t *e)
{
    int rc = ERR_RETRY;
    for (int attempt = 0; rc == ERR_RETRY && attempt < STORE_ATTEMPTS; attempt++) {
        if (attempt)
            back_off(attempt);
        rc = store_begin(st, true, e);
        if (rc)
            continue;
        rc = fn(st, ctx, e);
        if (!rc)
            rc = store_commit(st, e);
        else
            store_rollback(st);
    }
    if (rc == ERR_RETRY)
        err_set(e, ERR_UNAVAILABLE, "the database is too busy right now, try again");
    return rc == ERR_RETRY ? ERR_UNAVAILABLE : rc;
}

int tx_test_retry(const char *what, int *attempt)
{
    const char *list = getenv("SELLAHEAD_TEST_RETRY");
    if ((*attempt)++ > 0 || !list)
        return 0;
    size_t n = strlen(what);
    for (const char *p = list; (p = strstr(p, what)); p += n)
        if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ',')) {
            fprintf(stderr, "sellahead: SELLAHEAD_TEST_RETRY: %s runs again\n", what);
            return ERR_RETRY;
        }
    return 0;
}

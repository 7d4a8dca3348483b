/* Runs a use case in one write transaction, again when it lost a race (ERR_RETRY:
 * PostgreSQL serialization failures and deadlocks), a bounded number of times. */
#ifndef SELLAHEAD_TX_H
#define SELLAHEAD_TX_H

#include "store/store.h"

/* fn must start from scratch on each call: it may be called again after a rollback. */
typedef int (*tx_fn)(struct store *st, void *ctx, err_t *e);

int tx_run(struct store *st, tx_fn fn, void *ctx, err_t *e);

/* Test hook: with SELLAHEAD_TEST_RETRY naming the use case (a comma-separated list, e.g.
 * "place,ship"), ERR_RETRY on its first attempt (*attempt counts them), after all its work,
 * as a lost race would; it proves that a run again moves no money twice. 0 otherwise. */
int tx_test_retry(const char *what, int *attempt);

#endif

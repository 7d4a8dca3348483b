/* sellahead check: the invariants of the stored data (SPEC 4). */
#ifndef SELLAHEAD_APP_CHECK_H
#define SELLAHEAD_APP_CHECK_H

#include "store/store.h"

/* Reports each broken invariant to report; *problems counts them. */
int check_run(struct store *st, store_check_fn report, void *ctx, size_t *problems, err_t *e);

#endif

#include "app/check.h"

int check_run(struct store *st, store_check_fn report, void *ctx, size_t *problems, err_t *e)
{
    /* One read transaction: the checks see one consistent state. */
    int rc = store_begin(st, false, e);
    if (!rc)
        rc = store_check(st, report, ctx, problems, e);
    store_rollback(st);
    return rc;
}

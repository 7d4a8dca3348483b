#include "app/imports.h"

int imports_run(struct store *st, const struct import_opts *o, imports_feed_fn feed,
                void *ctx, struct import_job *job, err_t *e)
{
    int rc = ERR_RETRY;
    for (int attempt = 0; rc == ERR_RETRY && attempt < STORE_ATTEMPTS; attempt++) {
        struct importer *im;
        rc = importer_begin(st, o, &im, job, e);
        if (rc)
            continue; /* 1: a replay, filled into job */
        if ((rc = feed(ctx, im, e)))
            importer_abort(im);
        else
            rc = importer_finish(im, job, e);
    }
    return rc == 1 ? 0 : rc;
}

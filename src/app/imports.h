/* Inventory imports fed from memory (the bulk API, the demo): one job, all or nothing. */
#ifndef SELLAHEAD_APP_IMPORTS_H
#define SELLAHEAD_APP_IMPORTS_H

#include "ingest/import.h"

/* Gives every row to the importer (importer_row, importer_error); may be called again. */
typedef int (*imports_feed_fn)(void *ctx, struct importer *im, err_t *e);

/* Runs a job over what feed gives, in one transaction, from the first row again when it
 * loses a race. 0 with *job filled (caller frees with import_job_free): the new job, or the
 * earlier one o->idem_key names. */
int imports_run(struct store *st, const struct import_opts *o, imports_feed_fn feed,
                void *ctx, struct import_job *job, err_t *e);

#endif

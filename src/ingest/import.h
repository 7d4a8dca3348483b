/* Import jobs: rows from a CSV file or the bulk API are checked by the row rules and applied
 * all or nothing in one write transaction; the job record keeps the outcome and errors. */
#ifndef SELLAHEAD_IMPORT_H
#define SELLAHEAD_IMPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/importrow.h"
#include "store/store.h"

struct importer;

struct import_opts {
    int source;            /* enum import_source */
    const char *file_name; /* checked when not NULL */
    const char *idem_key;  /* replays the first job with this key when not NULL */
    const char *idem_scope; /* with idem_key: endpoint and credential the key belongs to */
    const char *idem_fp;    /* with idem_key: fingerprint of the request body */
    bool keep_failed;       /* a FAILED job is a 2xx answer too (fabric's bulk insert): the
                             * key keeps it (SPEC 5.5 keeps every 2xx answer) */
};

/* Starts a job inside a write transaction. Returns 1 (not an error) when idem_key names an
 * earlier job: *replay is filled with it and no importer is made. */
int importer_begin(struct store *st, const struct import_opts *o, struct importer **out,
                   struct import_job *replay, err_t *e);
/* Records an error found before the row rules (file level: col -1). */
void importer_error(struct importer *im, int64_t line, int col, const char *value, size_t vlen,
                    const char *message);
/* Checks one row and applies it even after other rows failed (so duplicates are still
 * found); the transaction is only committed when no row had an error. vals == NULL counts a
 * row that could not be read at all. */
int importer_row(struct importer *im, int64_t line, const struct importrow_value vals[COL_COUNT],
                 err_t *e);
/* Commits or rolls back, saves the job, fills *job (caller frees with import_job_free) and
 * frees the importer. */
int importer_finish(struct importer *im, struct import_job *job, err_t *e);
/* Abandons the job without saving it. */
void importer_abort(struct importer *im);

typedef void (*import_progress_fn)(void *ctx, uint64_t bytes, int64_t rows);

/* Streams a CSV file through the reader into a job. */
int import_csv(struct store *st, FILE *in, const struct import_opts *o, struct import_job *job,
               import_progress_fn progress, void *pctx, err_t *e);

/* Adds an error to a job: counted always, listed up to IMPORT_ERRORS_MAX (job->errors must
 * hold that many). */
void import_job_error(struct import_job *job, int64_t line, int col, const char *value,
                      size_t vlen, const char *message);

/* The products CSV (SPEC 5.3): strict, all or nothing, the same job and error format; the
 * job's source is IMPORT_PRODUCTS. file_name is checked when not NULL. */
int import_products_csv(struct store *st, FILE *in, const char *file_name,
                        struct import_job *job, err_t *e);

#endif

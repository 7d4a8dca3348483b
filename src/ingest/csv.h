/* A strict, streaming RFC 4180 reader. Bytes go in through csv_feed in chunks of any size;
 * each complete record comes out through a callback, so a file of any length is read with
 * memory bounded by the longest record. Structural problems (bad UTF-8, blank lines, stray
 * quotes, ...) are reported with their physical line and the reader resumes at the next line. */
#ifndef SELLAHEAD_CSV_H
#define SELLAHEAD_CSV_H

#include <stdbool.h>
#include <stddef.h>

#define CSV_FIELD_MAX 4096 /* longest field accepted, in bytes */
#define CSV_FIELDS_MAX 64  /* most fields in one record */

struct csv_field {
    const char *s; /* not NUL-terminated; valid only during the callback */
    size_t len;
    bool quoted;
};

struct csv_record {
    size_t line; /* physical line the record starts on, 1-based */
    size_t nfields;
    const struct csv_field *fields;
};

/* Return 0 to go on, nonzero to stop the reader (csv_feed/csv_finish then return it, and keep
 * returning it on later calls). */
typedef int (*csv_record_fn)(void *ctx, const struct csv_record *rec);
/* field: 0-based index of the field where it went wrong, or -1 for the whole line. */
typedef int (*csv_error_fn)(void *ctx, size_t line, int field, const char *message);

struct csv_reader;

struct csv_reader *csv_new(csv_record_fn on_record, csv_error_fn on_error, void *ctx);
/* Feeds the next len bytes. Returns 0, a callback's nonzero value, or ERR_NOMEM.
 * Errors are reported on the physical line where they are found, except an unclosed quote,
 * reported on the record's first line. */
int csv_feed(struct csv_reader *r, const char *buf, size_t len);
/* Ends the input: flushes a final record without newline, reports an unterminated quote. */
int csv_finish(struct csv_reader *r);
void csv_free(struct csv_reader *r);

#endif

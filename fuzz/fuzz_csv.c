/* libFuzzer target for the CSV reader. Each input is read three ways - whole, one byte at a
 * time, and in chunks of a size picked by its first byte - and all three must report the same
 * records and errors (whole input mostly takes the zero-copy path, single bytes never do). A
 * fourth read stops at a callback and must report a prefix of the same. Every record must obey
 * the limits and hold only valid UTF-8.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc fuzz/fuzz_csv.c src/ingest/csv.c \
 *         src/core/err.c -o fuzz_csv && ./fuzz_csv corpus-copy/ fuzz/corpus/csv */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

struct log {
    unsigned char *s;
    size_t len, cap;
    size_t ends[64]; /* log length after each of the first events */
    size_t events;
    size_t last_line, last_rec_line;
    size_t stop_at; /* 1-based event that returns STOP_RC; 0 = never */
};

enum { STOP_RC = 12345 };

static void log_add(struct log *l, const void *p, size_t n)
{
    if (l->len + n > l->cap) {
        size_t cap = l->cap ? l->cap : 256;
        while (cap < l->len + n)
            cap *= 2;
        l->s = realloc(l->s, cap);
        CHECK(l->s);
        l->cap = cap;
    }
    if (n)
        memcpy(l->s + l->len, p, n);
    l->len += n;
}

static int log_end_event(struct log *l)
{
    if (l->events < sizeof l->ends / sizeof l->ends[0])
        l->ends[l->events] = l->len;
    l->events++;
    return l->events == l->stop_at ? STOP_RC : 0;
}

static bool valid_utf8(const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k;
        unsigned lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            k = 1;
        else if (c == 0xE0)
            k = 2, lo = 0xA0;
        else if (c == 0xED)
            k = 2, hi = 0x9F;
        else if (c >= 0xE1 && c <= 0xEF)
            k = 2;
        else if (c == 0xF0)
            k = 3, lo = 0x90;
        else if (c == 0xF4)
            k = 3, hi = 0x8F;
        else if (c >= 0xF1 && c <= 0xF3)
            k = 3;
        else
            return false;
        if (i + k >= n)
            return false;
        for (size_t j = 1; j <= k; j++) {
            unsigned d = s[i + j];
            if (d < lo || d > hi)
                return false;
            lo = 0x80;
            hi = 0xBF;
        }
        i += k + 1;
    }
    return true;
}

static int on_rec(void *ctx, const struct csv_record *rec)
{
    struct log *l = ctx;
    CHECK(rec->line >= 1);
    CHECK(rec->line >= l->last_line);
    CHECK(rec->line > l->last_rec_line);
    l->last_line = l->last_rec_line = rec->line;
    CHECK(rec->nfields >= 1 && rec->nfields <= CSV_FIELDS_MAX);
    /* A record of one empty unquoted field would be a blank line. */
    CHECK(rec->nfields > 1 || rec->fields[0].len > 0 || rec->fields[0].quoted);
    log_add(l, "R", 1);
    log_add(l, &rec->line, sizeof rec->line);
    log_add(l, &rec->nfields, sizeof rec->nfields);
    for (size_t i = 0; i < rec->nfields; i++) {
        const struct csv_field *f = &rec->fields[i];
        CHECK(f->len <= CSV_FIELD_MAX);
        const unsigned char *s = (const unsigned char *)f->s;
        CHECK(f->len == 0 || s);
        CHECK(!f->len || !memchr(s, 0, f->len));
        CHECK(valid_utf8(s, f->len));
        if (!f->quoted)
            for (size_t j = 0; j < f->len; j++)
                CHECK(s[j] != '"' && s[j] != ',' && s[j] != '\r' && s[j] != '\n');
        log_add(l, &f->len, sizeof f->len);
        log_add(l, &f->quoted, sizeof f->quoted);
        log_add(l, s, f->len);
    }
    return log_end_event(l);
}

static int on_err(void *ctx, size_t line, int field, const char *message)
{
    struct log *l = ctx;
    CHECK(line >= 1);
    CHECK(line >= l->last_line);
    l->last_line = line;
    CHECK(field >= -1 && field < CSV_FIELDS_MAX);
    size_t n = strlen(message);
    CHECK(n > 0 && n < 256);
    log_add(l, "E", 1);
    log_add(l, &line, sizeof line);
    log_add(l, &field, sizeof field);
    log_add(l, message, n + 1);
    return log_end_event(l);
}

static int run(const uint8_t *data, size_t size, size_t chunk, struct log *l)
{
    struct csv_reader *r = csv_new(on_rec, on_err, l);
    CHECK(r);
    int rc = 0;
    for (size_t off = 0; off < size && !rc; off += chunk) {
        size_t k = size - off < chunk ? size - off : chunk;
        rc = csv_feed(r, (const char *)data + off, k);
    }
    if (!rc)
        rc = csv_finish(r);
    csv_free(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* The first byte picks the chunking but stays part of the input, so seeds are plain CSV. */
    size_t chunk = (size_t)data[0] % 67 + 2;
    struct log whole = {0}, bytes = {0}, chunked = {0}, stopped = {0};

    CHECK(run(data, size, size, &whole) == 0);
    CHECK(run(data, size, 1, &bytes) == 0);
    CHECK(run(data, size, chunk, &chunked) == 0);
    CHECK(bytes.len == whole.len && (!whole.len || !memcmp(bytes.s, whole.s, whole.len)));
    CHECK(chunked.len == whole.len && (!whole.len || !memcmp(chunked.s, whole.s, whole.len)));

    stopped.stop_at = (size_t)data[size - 1] % 8 + 1;
    int rc = run(data, size, chunk, &stopped);
    if (stopped.stop_at <= whole.events) {
        CHECK(rc == STOP_RC);
        CHECK(stopped.events == stopped.stop_at);
        size_t n = whole.ends[stopped.stop_at - 1];
        CHECK(stopped.len == n && (!n || !memcmp(stopped.s, whole.s, n)));
    } else {
        CHECK(rc == 0);
        CHECK(stopped.len == whole.len);
    }

    free(whole.s);
    free(bytes.s);
    free(chunked.s);
    free(stopped.s);
    return 0;
}

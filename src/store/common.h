/* What both storage backends (src/store/sqlite/, src/store/postgres/) share, written once:
 * settings as key/value text, position names for messages and the sentences
 * of `sellahead check`. Private to the backends. */
#ifndef SELLAHEAD_STORE_COMMON_H
#define SELLAHEAD_STORE_COMMON_H

#include "store/store.h"

/* Settings are stored as key/value text so adding a setting needs no migration. */
void store_settings_apply(struct settings *s, const char *k, const char *v);

/* The rows settings_put writes: kv[0..n), pointing into the struct itself or into set. */
struct store_settings_rows {
    const char *kv[SETTINGS_DAYS + SETTINGS_COUNTS + 8][2];
    size_t n;
    char days[SETTINGS_DAYS][16];
    char counts[SETTINGS_COUNTS][16];
    char holidays[SETTINGS_MAX_HOLIDAYS * DATE_STRLEN + 1];
};
void store_settings_rows(const struct settings *set, struct store_settings_rows *out);

/* A position for messages: "TSHIRT1 at WH1 (onhand)", "TSHIRT1 at WH1 (intransit PO1)". */
const char *store_key_name(const char *sku, const char *loc, int type, const char *ref, char *buf,
                           size_t cap);
const char *store_pos_name(const struct position *k, char *buf, size_t cap);

/* The kinds of problem `sellahead check` looks for; each backend has one statement per
 * kind, whose columns are the ones store_check_format reads. */
enum store_check {
    STORE_CHECK_ALLOCATED,
    STORE_CHECK_ALLOC_ORPHAN,
    STORE_CHECK_NEGATIVE,
    STORE_CHECK_CLOSED_ALLOC,
    STORE_CHECK_NO_PAYMENT,
    STORE_CHECK_OVERCAPTURE,
    STORE_CHECK_CAPTURED,
    STORE_CHECK_CONFIRMATION,
    STORE_CHECK_LEDGER_OVER,
    STORE_CHECK_LEDGER_SUM,
    STORE_CHECK_SWEEP,
    STORE_CHECK_LIMIT,
};

/* One result row of a backend, read through its own column functions. */
struct store_row {
    void *res;
    int row;
    const char *(*text)(const struct store_row *r, int col);
    int64_t (*num)(const struct store_row *r, int col);
};

/* One sentence for a row of a check statement of that kind. */
void store_check_format(enum store_check kind, const struct store_row *r, char *msg, size_t cap);

/* store_lines_read one statement at a time, through the ops table: for a backend without
 * lines_read, or outside a pipelined transaction. */
int store_lines_read_each(struct store *st, const char *const *skus, size_t n, bool lock,
                          int64_t *number, struct settings *s, struct product *products,
                          bool *found, struct position_list *lists, err_t *e);

#endif

/* The promise to the shopper: availability status, delivery ranges and the allocation of a
 * requested quantity over positions (SPEC sections 1 and 2). Pure: no I/O. */
#ifndef SELLAHEAD_PROMISE_H
#define SELLAHEAD_PROMISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/position.h"
#include "core/settings.h"

enum avail_status { STATUS_IN_STOCK = 0, STATUS_IN_TRANSIT = 1, STATUS_OUT_OF_STOCK = 2 };

struct range {
    date_t from, to;
    char message[SETTINGS_TEXT_MAX + 64];
};

struct availability {
    int status;
    bool in_stock, backorder, add_to_cart;
    bool low_stock;      /* SPEC 9: available onhand at or below the lowStock limit */
    int64_t available_stock, available_transit, available_total;
    date_t stock_date;   /* first unit's stock date when it comes from a pre-order */
    bool has_expected;   /* false when nothing is available */
    struct range expected;
};

struct allocation {
    size_t pos;          /* index into the sorted positions */
    int64_t quantity;
};

/* The delivery range for units taken from position p. */
void promise_range(const struct position *p, const struct settings *s, date_t today,
                   struct range *out);
/* Status and figures for an item; positions must be in allocation order. */
void promise_availability(const struct position *sorted, size_t n, const struct settings *s,
                          date_t today, struct availability *out);
/* Allocates qty over positions in allocation order into out (room for n entries).
 * Returns the number of allocations; *fulfillable tells whether all of qty was covered. */
size_t promise_allocate(const struct position *sorted, size_t n, int64_t qty,
                        struct allocation *out, bool *fulfillable);
const char *promise_status_name(int status);

#endif

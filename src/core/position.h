/* Positions: a quantity of one SKU at one location of one stock type, and the allocation
 * order between them (SPEC section 1). */
#ifndef SELLAHEAD_POSITION_H
#define SELLAHEAD_POSITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"

#define ID_MAX 64 /* sku, locationId, transitRef: [A-Za-z0-9]{1,64} */

/* STOCK_UNSOURCED is never a position: it marks the units of an order that no position can
 * cover (SPEC 5.7 rule 3), kept as allocations on (sku, "", STOCK_UNSOURCED, ""). */
enum stock_type { STOCK_ONHAND = 0, STOCK_INTRANSIT = 1, STOCK_UNSOURCED = 2 };

/* The limits of one (sku, location) (SPEC 9); a has_ flag that is false means "none", so a
 * zeroed struct limits nothing. */
struct limits {
    bool has_safety_stock, has_preorder_limit, has_backorder_limit, has_low_stock;
    int64_t safety_stock;   /* onhand units never offered to new orders */
    int64_t preorder_limit; /* most units allocated on the dated transit positions */
    int64_t backorder_limit; /* ... on the undated ones */
    int64_t low_stock;      /* available onhand at or below it is "low" */
};

struct position {
    int64_t id; /* storage row id; 0 when not stored yet */
    char sku[ID_MAX + 1];
    char location_id[ID_MAX + 1];
    int stock_type;
    char transit_ref[ID_MAX + 1]; /* "" for onhand */
    date_t order_date;            /* DATE_NONE for onhand */
    date_t stock_date;            /* DATE_NONE for onhand and backorder */
    int64_t quantity;
    int64_t reserved;
    int64_t allocated;
    int64_t channel_id; /* SPEC 9: 0 for none, a position that serves every channel */
    struct limits lim; /* of the position's (sku, location), read with it */
    /* Set by position_sort on transit positions under a pre-order/backorder limit: the units
     * the limit leaves to this one after the earlier positions in allocation order. */
    bool capped;
    int64_t room;
    /* Set by position_for_channel on positions the request's channel may not use: they
     * offer nothing, but their allocations still count against a limit. */
    bool other_channel;
    /* Set by position_limit on onhand positions: the units of the location's safetyStock
     * that the positions after this one in allocation order hold back (SPEC 9: one figure
     * per place, position_safety_share). */
    int64_t safety_others;
};

/* A growable array of positions; the owner frees v. */
struct position_list {
    struct position *v;
    size_t n, cap;
};

int position_list_push(struct position_list *l, const struct position *p);
void position_list_free(struct position_list *l);

/* max(0, quantity - reserved - allocated), less the safety stock for onhand, at most the
 * room a transit limit leaves (SPEC 1). */
int64_t position_available(const struct position *p);
/* Sum of available over all positions: what a shopper may put in a cart. */
int64_t position_available_total(const struct position *v, size_t n);
/* allocated units exceed quantity - reserved (an import shrank the position) */
bool position_oversold(const struct position *p);
/* A transit position with a stock date (pre-order) vs without (backorder). */
bool position_is_preorder(const struct position *p);
/* A source that is a pre-order whose stock date has passed (SPEC 5.8 "overdue"): it counts
 * as undated, a backorder range from today. */
bool position_overdue(int stock_type, date_t stock_date, date_t today);
/* Allocation-order comparison: onhand (by location), pre-orders by stock date, order date,
 * ref, then backorders by order date, ref. qsort-compatible. */
int position_cmp(const void *a, const void *b);
/* Sorts into allocation order and applies the transit limits (position_limit). */
void position_sort(struct position *v, size_t n);
/* The pre-order (dated) or backorder (undated) limit of a transit position's location, or
 * -1 when it has none (or is not transit). */
int64_t position_transit_limit(const struct position *p);
/* Whether two transit positions count against the same limit: one SKU, one location, both
 * dated or both undated. */
bool position_same_pool(const struct position *a, const struct position *b);
/* On positions in allocation order: each transit position under a limit gets the room the
 * limit leaves after what all positions of its pool hold allocated and after what the
 * earlier ones offer. */
void position_limit(struct position *v, size_t n);
/* Whether available onhand (all locations) is at or below the lowStock limits set (their
 * sum); false when no location sets one. */
bool position_low_stock(const struct position *v, size_t n);
const char *position_stock_type_name(int stock_type);

/* SPEC 9 channels: whether position p may serve a request or an order in channel (0: no
 * channel, every position serves it); a position without a channel serves every channel. */
bool position_serves(const struct position *p, int64_t channel);
/* On positions in allocation order: keeps only those that serve channel (in order) and
 * applies the transit limits as they stand for it (the other channels' allocations still
 * count against a limit, their offers do not). Returns the new count. */
size_t position_for_channel(struct position *v, size_t n, int64_t channel);
/* The share of its location's safetyStock that onhand position v[i] holds back (SPEC 9):
 * one figure per (sku, location) however many onhand positions (channels) share the place,
 * held back from them last in allocation order first (the shared stock before a channel's
 * own), out of what each could offer: quantity - reserved, less allocated when
 * count_allocated. v in allocation order; 0 for transit positions. */
int64_t position_safety_share(const struct position *v, size_t n, size_t i,
                              bool count_allocated);

#endif

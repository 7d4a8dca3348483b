#include "core/position.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"

int position_list_push(struct position_list *l, const struct position *p)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        if (cap < l->cap || cap > SIZE_MAX / sizeof *l->v)
            return ERR_NOMEM;
        struct position *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *p;
    return 0;
}

void position_list_free(struct position_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

/* What is left of the safetyStock of v[i]'s place (0 when it has none, or v[i] is not onhand)
 * after the onhand positions after it in allocation order held back their share, out of what
 * each could offer. */
static int64_t safety_left(const struct position *v, size_t n, size_t i, bool count_allocated)
{
    const struct position *p = &v[i];
    if (p->stock_type != STOCK_ONHAND || !p->lim.has_safety_stock)
        return 0;
    int64_t left = p->lim.safety_stock;
    for (size_t j = n - 1; j > i && left > 0; j--) {
        const struct position *q = &v[j];
        if (q->stock_type != STOCK_ONHAND || strcmp(q->sku, p->sku) ||
            strcmp(q->location_id, p->location_id))
            continue;
        int64_t f = q->quantity - q->reserved - (count_allocated ? q->allocated : 0);
        left -= f <= 0 ? 0 : f < left ? f : left;
    }
    return left;
}

int64_t position_available(const struct position *p)
{
    if (p->other_channel)
        return 0;
    int64_t a = p->quantity - p->reserved - p->allocated;
    if (p->stock_type == STOCK_ONHAND && p->lim.has_safety_stock &&
        p->lim.safety_stock > p->safety_others)
        a -= p->lim.safety_stock - p->safety_others;
    if (p->capped && a > p->room)
        a = p->room;
    return a > 0 ? a : 0;
}

int64_t position_available_total(const struct position *v, size_t n)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += position_available(&v[i]);
    return total;
}

bool position_oversold(const struct position *p)
{
    /* Only promises can be broken: reservations alone above quantity oversell nothing. */
    return p->allocated > 0 && p->allocated > p->quantity - p->reserved;
}

bool position_is_preorder(const struct position *p)
{
    return p->stock_type == STOCK_INTRANSIT && p->stock_date != DATE_NONE;
}

bool position_overdue(int stock_type, date_t stock_date, date_t today)
{
    return stock_type == STOCK_INTRANSIT && stock_date != DATE_NONE && stock_date < today;
}

/* Onhand, then pre-orders, then backorders: the coarse allocation order. */
static int position_rank(const struct position *p)
{
    if (p->stock_type != STOCK_INTRANSIT)
        return 0;
    return p->stock_date != DATE_NONE ? 1 : 2;
}

static int cmp_i64(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

int position_cmp(const void *a, const void *b)
{
    const struct position *x = a, *y = b;
    int c = cmp_i64(position_rank(x), position_rank(y));
    if (c)
        return c;

    if (x->stock_type == STOCK_INTRANSIT) {
        /* Backorders have no stock date, so this compares DATE_NONE to DATE_NONE. */
        if ((c = cmp_i64(x->stock_date, y->stock_date)) != 0)
            return c;
        if ((c = cmp_i64(x->order_date, y->order_date)) != 0)
            return c;
        if ((c = strcmp(x->transit_ref, y->transit_ref)) != 0)
            return c;
    }
    /* The SPEC leaves the rest open; fix it so the same data always allocates alike. */
    if ((c = strcmp(x->location_id, y->location_id)) != 0)
        return c;
    /* A channel's own stock before the shared (channel-less) stock of the same place: the
     * shared units stay for every channel. */
    if ((c = cmp_i64(x->channel_id == 0, y->channel_id == 0)) != 0 ||
        (c = cmp_i64(x->channel_id, y->channel_id)) != 0)
        return c;
    if ((c = strcmp(x->sku, y->sku)) != 0)
        return c;
    return cmp_i64(x->id, y->id);
}

void position_sort(struct position *v, size_t n)
{
    if (n > 1)
        qsort(v, n, sizeof *v, position_cmp);
    position_limit(v, n);
}

int64_t position_transit_limit(const struct position *p)
{
    if (p->stock_type != STOCK_INTRANSIT)
        return -1;
    if (p->stock_date != DATE_NONE)
        return p->lim.has_preorder_limit ? p->lim.preorder_limit : -1;
    return p->lim.has_backorder_limit ? p->lim.backorder_limit : -1;
}

bool position_same_pool(const struct position *a, const struct position *b)
{
    return a->stock_type == STOCK_INTRANSIT && b->stock_type == STOCK_INTRANSIT &&
           (a->stock_date == DATE_NONE) == (b->stock_date == DATE_NONE) &&
           !strcmp(a->sku, b->sku) && !strcmp(a->location_id, b->location_id);
}

void position_limit(struct position *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        v[i].capped = false;
        v[i].safety_others = v[i].stock_type == STOCK_ONHAND && v[i].lim.has_safety_stock
                                 ? v[i].lim.safety_stock - safety_left(v, n, i, true)
                                 : 0;
    }
    /* A SKU has a handful of positions: quadratic is cheapest. */
    for (size_t i = 0; i < n; i++) {
        const int64_t limit = position_transit_limit(&v[i]);
        if (limit < 0 || v[i].capped)
            continue;
        int64_t left = limit;
        for (size_t j = i; j < n; j++)
            if (position_same_pool(&v[i], &v[j]))
                left -= v[j].allocated;
        for (size_t j = i; j < n; j++) {
            if (!position_same_pool(&v[i], &v[j]))
                continue;
            v[j].capped = true;
            v[j].room = left > 0 ? left : 0;
            const int64_t a = position_available(&v[j]);
            left -= a;
        }
    }
}

bool position_low_stock(const struct position *v, size_t n)
{
    bool set = false;
    int64_t low = 0, onhand = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].stock_type != STOCK_ONHAND)
            continue;
        onhand += position_available(&v[i]);
        /* One threshold per location, however many onhand positions it has. */
        bool first = true;
        for (size_t j = 0; j < i && first; j++)
            first = v[j].stock_type != STOCK_ONHAND ||
                    strcmp(v[j].location_id, v[i].location_id) != 0;
        if (first && v[i].lim.has_low_stock) {
            set = true;
            low += v[i].lim.low_stock;
        }
    }
    return set && onhand <= low;
}

const char *position_stock_type_name(int stock_type)
{
    switch (stock_type) {
    case STOCK_ONHAND:
        return "onhand";
    case STOCK_INTRANSIT:
        return "intransit";
    case STOCK_UNSOURCED:
        return "unsourced";
    default:
        return "unknown";
    }
}

bool position_serves(const struct position *p, int64_t channel)
{
    return channel == 0 || p->channel_id == 0 || p->channel_id == channel;
}

size_t position_for_channel(struct position *v, size_t n, int64_t channel)
{
    for (size_t i = 0; i < n; i++)
        v[i].other_channel = !position_serves(&v[i], channel);
    position_limit(v, n);
    if (channel == 0)
        return n;
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (!v[i].other_channel && o++ != i)
            v[o - 1] = v[i];
    return o;
}

int64_t position_safety_share(const struct position *v, size_t n, size_t i,
                              bool count_allocated)
{
    const struct position *p = &v[i];
    int64_t left = safety_left(v, n, i, count_allocated);
    int64_t f = p->quantity - p->reserved - (count_allocated ? p->allocated : 0);
    return f <= 0 ? 0 : f < left ? f : left;
}

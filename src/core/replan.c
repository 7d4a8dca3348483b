#include "core/replan.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/promise.h"

int64_t replan_hold(const struct position *p)
{
    return p->quantity > p->reserved ? p->quantity - p->reserved : 0;
}

#define NO_POOL SIZE_MAX

date_t replan_source_to(const struct position *p, const struct settings *s, date_t today)
{
    struct position undated;
    if (position_overdue(p->stock_type, p->stock_date, today)) {
        undated = *p;
        undated.stock_date = DATE_NONE;
        p = &undated;
    }
    struct range r;
    promise_range(p, s, today, &r);
    return r.to;
}

struct work {
    const struct replan_alloc *allocs;
    const struct position *pos;
    size_t *rank;     /* per alloc: its place oldest first */
    date_t *to;       /* per position */
    int64_t *free_units;
    /* SPEC 9 limits: per position, the first position of its limit's pool (NO_POOL when
     * unlimited); per pool's first position, the units the limit still allows. */
    size_t *pool;
    int64_t *budget;
    int64_t *safety;  /* per position: onhand units that units on the move may not take */
    struct replan_piece *v;
    size_t n, cap;
};

/* Units that may go onto position i now: its free units within its pool's budget; units
 * that move (not those it keeps) leave its safety stock alone. */
static int64_t room(const struct work *w, size_t i, bool keep)
{
    int64_t f = w->free_units[i] - (keep ? 0 : w->safety[i]);
    if (w->pool[i] != NO_POOL && w->budget[w->pool[i]] < f)
        f = w->budget[w->pool[i]];
    return f > 0 ? f : 0;
}

/* qty units go onto position i (a negative qty leaves it). */
static void take(struct work *w, size_t i, int64_t qty)
{
    w->free_units[i] -= qty;
    if (w->pool[i] != NO_POOL)
        w->budget[w->pool[i]] -= qty;
}

static int push(struct work *w, size_t alloc, size_t source, int64_t qty)
{
    if (qty <= 0)
        return 0;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16;
        struct replan_piece *v = realloc(w->v, cap * sizeof *v);
        if (!v)
            return ERR_NOMEM;
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n++] = (struct replan_piece){alloc, source, qty};
    return 0;
}

static _Thread_local const struct work *sort_ctx; /* qsort takes no context argument */

static int cmp_alloc(const void *a, const void *b)
{
    const struct replan_alloc *x = &sort_ctx->allocs[*(const size_t *)a];
    const struct replan_alloc *y = &sort_ctx->allocs[*(const size_t *)b];
    if (x->order != y->order)
        return x->order < y->order ? -1 : 1;
    return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Oldest order first, then source. */
static int cmp_piece(const void *a, const void *b)
{
    const struct replan_piece *x = a, *y = b;
    size_t rx = sort_ctx->rank[x->alloc], ry = sort_ctx->rank[y->alloc];
    if (rx != ry)
        return rx < ry ? -1 : 1;
    return x->source < y->source ? -1 : x->source > y->source;
}

/* Rule 4: moves units to free units of sources that deliver strictly earlier, until none
 * can move. Each move lowers some unit's delivery date, so this ends. */
static int move_earlier(struct work *w, size_t npos)
{
    bool moved = true;
    while (moved) {
        moved = false;
        sort_ctx = w;
        if (w->n > 1) /* qsort wants a real array, even empty */
            qsort(w->v, w->n, sizeof *w->v, cmp_piece);
        size_t n = w->n; /* pieces split off in this pass wait for the next */
        for (size_t k = 0; k < n; k++) {
            /* Unsourced units already took every free unit (rules 2 and 3). */
            if (w->v[k].source == REPLAN_UNSOURCED)
                continue;
            for (size_t i = 0; i < npos && w->v[k].quantity > 0; i++) {
                struct replan_piece *p = &w->v[k];
                if (!position_serves(&w->pos[i], w->allocs[p->alloc].channel))
                    continue;
                /* Within one pool a move leaves the limit's total as it was. */
                const int64_t r = w->pool[i] != NO_POOL && w->pool[i] == w->pool[p->source]
                                      ? w->free_units[i]
                                      : room(w, i, false);
                if (r <= 0 || w->to[i] >= w->to[p->source])
                    continue;
                int64_t t = p->quantity < r ? p->quantity : r;
                take(w, i, t);
                take(w, p->source, -t);
                p->quantity -= t;
                size_t alloc = p->alloc;
                if (push(w, alloc, i, t)) /* may move w->v: p is not used after this */
                    return ERR_NOMEM;
                moved = true;
            }
        }
    }
    return 0;
}

static int cmp_alloc_source(const void *a, const void *b)
{
    const struct replan_piece *x = a, *y = b;
    if (x->alloc != y->alloc)
        return x->alloc < y->alloc ? -1 : 1;
    return x->source < y->source ? -1 : x->source > y->source;
}

/* Sorts by alloc then source (the caller's order) and merges pieces of one alloc on one
 * source. */
static void merge_pieces(struct work *w)
{
    size_t o = 0;
    for (size_t k = 0; k < w->n; k++)
        if (w->v[k].quantity > 0)
            w->v[o++] = w->v[k];
    if (o > 1)
        qsort(w->v, o, sizeof *w->v, cmp_alloc_source);
    w->n = o;
    o = 0;
    for (size_t k = 0; k < w->n; k++) {
        if (o && w->v[o - 1].alloc == w->v[k].alloc && w->v[o - 1].source == w->v[k].source)
            w->v[o - 1].quantity += w->v[k].quantity;
        else
            w->v[o++] = w->v[k];
    }
    w->n = o;
}

int replan_sku(const struct position *pos, size_t npos, const struct replan_alloc *allocs,
               size_t nallocs, const struct settings *s, date_t today,
               struct replan_result *out)
{
    memset(out, 0, sizeof *out);
    struct work w = {.allocs = allocs, .pos = pos};
    size_t *by_age = malloc((nallocs ? nallocs : 1) * sizeof *by_age);
    int64_t *moving = calloc(nallocs ? nallocs : 1, sizeof *moving);
    w.rank = malloc((nallocs ? nallocs : 1) * sizeof *w.rank);
    w.to = malloc((npos ? npos : 1) * sizeof *w.to);
    w.free_units = malloc((npos ? npos : 1) * sizeof *w.free_units);
    w.pool = malloc((npos ? npos : 1) * sizeof *w.pool);
    w.budget = malloc((npos ? npos : 1) * sizeof *w.budget);
    w.safety = malloc((npos ? npos : 1) * sizeof *w.safety);
    int rc = 0;
    if (!by_age || !moving || !w.rank || !w.to || !w.free_units || !w.pool || !w.budget ||
        !w.safety) {
        rc = ERR_NOMEM;
        goto done;
    }
    for (size_t i = 0; i < npos; i++) {
        w.free_units[i] = replan_hold(&pos[i]);
        w.to[i] = replan_source_to(&pos[i], s, today);
        /* Every open allocation of the SKU is re-planned here, so a pool starts from its
         * whole limit. */
        w.safety[i] = position_safety_share(pos, npos, i, false);
        w.pool[i] = NO_POOL;
        w.budget[i] = position_transit_limit(&pos[i]);
        for (size_t j = 0; j <= i && w.budget[i] >= 0 && w.pool[i] == NO_POOL; j++)
            if (position_same_pool(&pos[j], &pos[i]))
                w.pool[i] = j;
    }
    for (size_t a = 0; a < nallocs; a++)
        by_age[a] = a;
    sort_ctx = &w;
    if (nallocs > 1)
        qsort(by_age, nallocs, sizeof *by_age, cmp_alloc);
    for (size_t k = 0; k < nallocs; k++)
        w.rank[by_age[k]] = k;

    /* Rule 1: each allocation keeps what its source can hold after older ones. */
    for (size_t k = 0; !rc && k < nallocs; k++) {
        const struct replan_alloc *a = &allocs[by_age[k]];
        int64_t keep = 0;
        if (a->source != REPLAN_UNSOURCED && a->source < npos) {
            const int64_t r = room(&w, a->source, true);
            keep = a->quantity < r ? a->quantity : r;
            take(&w, a->source, keep);
            rc = push(&w, by_age[k], a->source, keep);
        }
        moving[by_age[k]] = a->quantity - keep;
    }
    /* Rules 2 and 3: moving and waiting units take free units in allocation order. */
    for (size_t k = 0; !rc && k < nallocs; k++) {
        size_t a = by_age[k];
        for (size_t i = 0; !rc && i < npos && moving[a] > 0; i++) {
            if (!position_serves(&pos[i], allocs[a].channel))
                continue;
            const int64_t r = room(&w, i, false);
            int64_t t = moving[a] < r ? moving[a] : r;
            take(&w, i, t);
            moving[a] -= t;
            rc = push(&w, a, i, t);
        }
        if (!rc)
            rc = push(&w, a, REPLAN_UNSOURCED, moving[a]);
    }
    if (!rc)
        rc = move_earlier(&w, npos);
    if (!rc) {
        merge_pieces(&w);
        out->v = w.v;
        out->n = w.n;
        out->free_units = w.free_units;
        w.v = NULL;
        w.free_units = NULL;
    }
done:
    free(by_age);
    free(moving);
    free(w.rank);
    free(w.to);
    free(w.free_units);
    free(w.pool);
    free(w.budget);
    free(w.safety);
    free(w.v);
    return rc;
}

void replan_result_free(struct replan_result *r)
{
    free(r->v);
    free(r->free_units);
    memset(r, 0, sizeof *r);
}

/* --- delays --- */

static bool later(date_t to, date_t than)
{
    return to == DATE_NONE ? than != DATE_NONE : than != DATE_NONE && to > than;
}

static void open_delay(struct delay_state *st, date_t new_to, date_t today,
                       const struct delay_policy *pol)
{
    st->consent = CONSENT_PENDING;
    st->expected_to = new_to;
    st->respond_by = today + pol->consent_window_days;
    st->consent_required = new_to == DATE_NONE || st->consented_before ||
                           new_to > st->accepted_to + pol->implied_consent_days;
}

int delay_decide(struct delay_state *st, date_t new_to, date_t today,
                 const struct delay_policy *pol)
{
    if (st->consent == CONSENT_PENDING) {
        if (new_to != DATE_NONE && new_to <= st->accepted_to) {
            st->consent = CONSENT_NONE;
            return DELAY_WITHDRAW;
        }
        date_t was_to = st->expected_to, was_by = st->respond_by;
        open_delay(st, new_to, today, pol);
        bool notice = later(new_to, was_to);
        if (!notice || st->respond_by < was_by)
            st->respond_by = was_by; /* only a new notice gives more time */
        return notice ? DELAY_UPDATE_EMAIL : DELAY_UPDATE;
    }
    if (st->accepted_undated) {
        if (new_to == DATE_NONE)
            return DELAY_NOTHING;
        st->accepted_undated = false;
        st->accepted_to = st->expected_to = new_to;
        return DELAY_DATED;
    }
    if (!later(new_to, st->accepted_to))
        return DELAY_NOTHING;
    if (st->consent == CONSENT_ACCEPTED || st->consent == CONSENT_IMPLIED)
        st->consented_before = true;
    open_delay(st, new_to, today, pol);
    return DELAY_NEW;
}

/* The last day the shopper accepted for a shipment's units; DATE_NONE: "no date yet". Before
 * any consent that is the earliest promise of the units it holds: its own, or an earlier one
 * that units joining it brought (kept in accepted_to; promisedDelivery never changes). */
static date_t accepted_bar(const struct delay_state *st, date_t promised_to)
{
    if (st->consented_before)
        return st->accepted_undated ? DATE_NONE : st->accepted_to;
    return st->accepted_to != DATE_NONE && st->accepted_to < promised_to ? st->accepted_to
                                                                         : promised_to;
}

void delay_promised(struct delay_state *st, date_t promised_to)
{
    if (!st->consented_before)
        st->accepted_to = accepted_bar(st, promised_to);
}

int delay_join(struct delay_state *into, date_t into_promised_to,
               const struct delay_state *joining, date_t joining_promised_to, int64_t units)
{
    int64_t held = joining->bar_units ? joining->bar_units : units;
    date_t have = accepted_bar(into, into_promised_to);
    date_t comes = accepted_bar(joining, joining_promised_to);
    bool consented = into->consented_before || joining->consented_before;
    /* Each side's pending notice told the shopper to answer by its respond_by: the shipment
     * answers by the later one (respondBy never moves earlier, SPEC 5.8; DATE_NONE is the
     * least date). */
    date_t by = into->consent == CONSENT_PENDING ? into->respond_by : DATE_NONE;
    if (joining->consent == CONSENT_PENDING && joining->respond_by > by)
        by = joining->respond_by;
    int took = later(have, comes);
    if (took) {
        *into = *joining;
        into->bar_units = held;
    } else if (comes == have && into->bar_units) {
        into->bar_units += held;
    }
    into->consented_before = consented;
    if (took || have != DATE_NONE) { /* both undated: an accepted "no date yet" stays */
        into->accepted_to = took ? comes : have;
        into->accepted_undated = false;
    }
    if (into->consent == CONSENT_PENDING && into->respond_by < by)
        into->respond_by = by;
    return took;
}

int64_t delay_leave(struct delay_state *st, date_t promised_to, int64_t units)
{
    int64_t held = st->bar_units < units ? st->bar_units : units;
    st->bar_units -= held;
    if (held && !st->bar_units && !st->consented_before)
        st->accepted_to = promised_to;
    return held;
}

int delay_sweep(struct delay_state *st, date_t today)
{
    if (st->consent != CONSENT_PENDING || today <= st->respond_by)
        return SWEEP_NOTHING;
    if (st->consent_required)
        return SWEEP_CANCEL;
    st->consent = CONSENT_IMPLIED;
    st->consented_before = true;
    st->accepted_to = st->expected_to;
    return SWEEP_IMPLIED;
}

int delay_accept(struct delay_state *st)
{
    if (st->consent != CONSENT_PENDING)
        return ERR_CONFLICT;
    st->consent = CONSENT_ACCEPTED;
    st->consented_before = true;
    if (st->expected_to == DATE_NONE)
        st->accepted_undated = true;
    else
        st->accepted_to = st->expected_to;
    return 0;
}

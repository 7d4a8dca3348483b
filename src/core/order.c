#include "core/order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t order_merge_lines(struct order_line *lines, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < out && strcmp(lines[j].sku, lines[i].sku))
            j++;
        if (j < out)
            lines[j].quantity += lines[i].quantity;
        else
            lines[out++] = lines[i];
    }
    return out;
}

/* Same source, same shipment: one per onhand location, one per transit position. */
static bool same_source(const struct order_shipment *sh, const struct position *p)
{
    return sh->stock_type == p->stock_type && !strcmp(sh->location_id, p->location_id) &&
           !strcmp(sh->transit_ref, p->stock_type == STOCK_ONHAND ? "" : p->transit_ref);
}

static int plan_line(struct order_plan *out, size_t li, const struct order_line *line,
                     const struct order_stock *st, const struct settings *s, date_t today,
                     size_t *alloc_cap, size_t *ship_cap)
{
    struct allocation *a = calloc(st->n ? st->n : 1, sizeof *a);
    if (!a)
        return ERR_NOMEM;
    bool ok;
    size_t na = promise_allocate(st->v, st->n, line->quantity, a, &ok);
    if (!ok) {
        struct order_shortage *sh = &out->shortages[out->nshortages++];
        snprintf(sh->sku, sizeof sh->sku, "%s", line->sku);
        sh->requested = line->quantity;
        sh->available_total = position_available_total(st->v, st->n);
        free(a);
        return 0;
    }
    for (size_t i = 0; i < na; i++) {
        const struct position *p = &st->v[a[i].pos];
        size_t k = 0;
        while (k < out->nshipments && !same_source(&out->shipments[k], p))
            k++;
        if (k == out->nshipments) {
            if (k == *ship_cap) {
                size_t cap = *ship_cap * 2;
                void *nv = realloc(out->shipments, cap * sizeof *out->shipments);
                if (!nv) {
                    free(a);
                    return ERR_NOMEM;
                }
                out->shipments = nv;
                *ship_cap = cap;
            }
            struct order_shipment *sh = &out->shipments[out->nshipments++];
            memset(sh, 0, sizeof *sh);
            sh->status = p->stock_type == STOCK_ONHAND ? SHIP_READY : SHIP_AWAITING_STOCK;
            sh->stock_type = p->stock_type;
            memcpy(sh->location_id, p->location_id, sizeof sh->location_id);
            if (p->stock_type == STOCK_INTRANSIT)
                memcpy(sh->transit_ref, p->transit_ref, sizeof sh->transit_ref);
            sh->stock_date = p->stock_type == STOCK_INTRANSIT ? p->stock_date : DATE_NONE;
            promise_range(p, s, today, &sh->expected);
        }
        if (out->nallocs == *alloc_cap) {
            size_t cap = *alloc_cap * 2;
            void *nv = realloc(out->allocs, cap * sizeof *out->allocs);
            if (!nv) {
                free(a);
                return ERR_NOMEM;
            }
            out->allocs = nv;
            *alloc_cap = cap;
        }
        out->allocs[out->nallocs++] =
            (struct order_alloc){.line = li, .shipment = k, .pos = *p, .quantity = a[i].quantity};
        out->shipments[k].amount += a[i].quantity * line->unit_price;
    }
    free(a);
    return 0;
}

/* Onhand shipments first, so "ships now" reads before "ships later"; what ships later
 * soonest first: by the end of its range (the date promised, as 5.7 ranks "delivers
 * later"), then its start. > 0 when a goes after b. */
static int ship_cmp(const struct order_shipment *a, const struct order_shipment *b)
{
    int ta = a->stock_type != STOCK_ONHAND, tb = b->stock_type != STOCK_ONHAND;
    if (ta != tb || !ta)
        return ta - tb;
    /* An undated range (none yet) goes last. */
    int64_t x[2] = {a->expected.to, a->expected.from}, y[2] = {b->expected.to, b->expected.from};
    for (int i = 0; i < 2; i++) {
        x[i] = x[i] == DATE_NONE ? INT64_MAX : x[i];
        y[i] = y[i] == DATE_NONE ? INT64_MAX : y[i];
        if (x[i] != y[i])
            return x[i] > y[i] ? 1 : -1;
    }
    return 0;
}

int order_plan(struct order_line *lines, size_t n, const struct order_stock *stock,
               const struct settings *s, date_t today, struct order_plan *out)
{
    memset(out, 0, sizeof *out);
    /* Amounts first, checked: every shipment's amount is a part of the total, so once the
     * total fits in 64 bits, so does every sum made while planning. */
    for (size_t i = 0; i < n; i++)
        if (__builtin_mul_overflow(lines[i].quantity, lines[i].unit_price, &lines[i].amount) ||
            __builtin_add_overflow(out->total, lines[i].amount, &out->total)) {
            snprintf(out->overflow_sku, sizeof out->overflow_sku, "%s", lines[i].sku);
            out->total = 0;
            return ERR_INVALID;
        }
    size_t alloc_cap = 16, ship_cap = 8;
    out->allocs = malloc(alloc_cap * sizeof *out->allocs);
    out->shipments = malloc(ship_cap * sizeof *out->shipments);
    out->shortages = calloc(n ? n : 1, sizeof *out->shortages);
    if (!out->allocs || !out->shipments || !out->shortages) {
        order_plan_free(out);
        return ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        int rc = plan_line(out, i, &lines[i], &stock[i], s, today, &alloc_cap, &ship_cap);
        if (rc) {
            order_plan_free(out);
            return rc;
        }
    }
    /* A stable insertion sort: few shipments, equal ones keep the allocation order. */
    for (size_t i = 1; i < out->nshipments; i++) {
        for (size_t j = i; j > 0 && ship_cmp(&out->shipments[j - 1], &out->shipments[j]) > 0;
             j--) {
            struct order_shipment t = out->shipments[j];
            out->shipments[j] = out->shipments[j - 1];
            out->shipments[j - 1] = t;
            for (size_t k = 0; k < out->nallocs; k++) {
                if (out->allocs[k].shipment == j)
                    out->allocs[k].shipment = j - 1;
                else if (out->allocs[k].shipment == j - 1)
                    out->allocs[k].shipment = j;
            }
        }
    }
    return 0;
}

void order_plan_free(struct order_plan *p)
{
    free(p->allocs);
    free(p->shipments);
    free(p->shortages);
    memset(p, 0, sizeof *p);
}

void order_charges(const struct order_shipment *sh, size_t n, int capture_on, int64_t *now,
                   int64_t *later)
{
    *now = *later = 0;
    for (size_t i = 0; i < n; i++) {
        if (sh[i].status == SHIP_CANCELLED)
            continue;
        if (capture_on == CAPTURE_ORDER || sh[i].status != SHIP_AWAITING_STOCK)
            *now += sh[i].amount;
        else
            *later += sh[i].amount;
    }
}

int order_status(const struct shipment_rec *sh, size_t n)
{
    size_t shipped = 0, cancelled = 0;
    for (size_t i = 0; i < n; i++) {
        shipped += sh[i].status == SHIP_SHIPPED;
        cancelled += sh[i].status == SHIP_CANCELLED;
    }
    if (n && cancelled == n)
        return ORDER_CANCELLED;
    if (shipped == 0)
        return ORDER_PLACED;
    return shipped + cancelled == n ? ORDER_SHIPPED : ORDER_PARTIALLY_SHIPPED;
}

const char *order_status_name(int status)
{
    static const char *const names[] = {"PLACED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED"};
    return status >= 0 && status < 4 ? names[status] : "PLACED";
}

const char *order_shipment_status_name(int status)
{
    static const char *const names[] = {"AWAITING_STOCK", "READY", "SHIPPED", "CANCELLED"};
    return status >= 0 && status < 4 ? names[status] : "AWAITING_STOCK";
}

int64_t order_receipt(const struct receipt_claim *claims, size_t n, int64_t qty,
                      int64_t *moved)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t m = claims[i].quantity < qty - total ? claims[i].quantity : qty - total;
        moved[i] = m > 0 ? m : 0;
        total += moved[i];
    }
    return total;
}

void order_rec_free(struct order_rec *o)
{
    for (size_t i = 0; i < o->nshipments; i++)
        free(o->shipments[i].items);
    free(o->shipments);
    free(o->lines);
    free(o->events);
    o->shipments = NULL;
    o->lines = NULL;
    o->events = NULL;
    o->nshipments = o->nlines = o->nevents = 0;
}

static const char *const intent_kinds[] = {"authorize", "reauthorize", "capture", "void",
                                            "refund"};
static const char *const intent_statuses[] = {"PENDING", "SUCCEEDED", "FAILED"};

const char *intent_kind_name(int kind)
{
    return kind >= 0 && kind < 5 ? intent_kinds[kind] : "unknown";
}

const char *intent_status_name(int status)
{
    return status >= 0 && status < 3 ? intent_statuses[status] : "unknown";
}

int intent_kind_parse(const char *name)
{
    for (int i = 0; i < 5; i++)
        if (!strcmp(name, intent_kinds[i]))
            return i;
    return -1;
}

int intent_status_parse(const char *name)
{
    for (int i = 0; i < 3; i++)
        if (!strcmp(name, intent_statuses[i]))
            return i;
    return -1;
}

int order_payment_status(const struct payment *p)
{
    if (p->refunded > 0)
        return PAY_REFUNDED;
    if (p->captured == 0)
        return p->voided > 0 ? PAY_VOIDED : PAY_AUTHORIZED;
    return p->captured + p->voided >= p->authorized ? PAY_CAPTURED : PAY_PARTIALLY_CAPTURED;
}

const char *order_payment_status_name(int status)
{
    static const char *const names[] = {"AUTHORIZED", "PARTIALLY_CAPTURED", "CAPTURED",
                                        "VOIDED", "REFUNDED"};
    return status >= 0 && status < 5 ? names[status] : "AUTHORIZED";
}

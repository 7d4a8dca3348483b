#include "core/backorder.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/replan.h"

void bo_record_free(struct bo_record *r)
{
    free(r->pieces);
    r->pieces = NULL;
    r->npieces = 0;
}

/* How far a piece's units are on their way: the onhand part of the line takes the lowest. */
static int rank(const struct bo_piece *p)
{
    switch (p->status) {
    case SHIP_SHIPPED:
        return 0;
    case SHIP_CANCELLED:
        return p->stock_type == STOCK_ONHAND ? 1 : 4;
    case SHIP_READY:
        return 2;
    default:
        return 3;
    }
}

void bo_live(struct bo_record *r, struct bo_live *out)
{
    memset(out, 0, sizeof *out);
    out->main = SIZE_MAX;
    out->type = r->type;
    memcpy(out->location_id, r->location_id, sizeof out->location_id);
    out->notified = DATE_NONE;
    out->status = SHIP_AWAITING_STOCK;
    int64_t skip = r->line_quantity - r->quantity, left = r->quantity;
    for (size_t i = 0; i < r->npieces; i++)
        r->pieces[i].mine = 0;
    for (int k = 0; k <= 4; k++)
        for (size_t i = 0; i < r->npieces; i++) {
            struct bo_piece *p = &r->pieces[i];
            if (rank(p) != k)
                continue;
            int64_t q = p->quantity, s = q < skip ? q : skip;
            skip -= s;
            q -= s;
            p->mine = q < left ? q : left;
            left -= p->mine;
            if (p->mine && (out->main == SIZE_MAX || p->mine > r->pieces[out->main].mine))
                out->main = i;
            if (p->status == SHIP_SHIPPED || p->status == SHIP_READY)
                out->released += p->mine;
        }
    if (out->main == SIZE_MAX)
        return;
    const struct bo_piece *m = &r->pieces[out->main];
    out->status = m->status;
    if (m->stock_type == STOCK_UNSOURCED)
        out->type = BO_BACKORDER;
    else if (m->stock_type == STOCK_INTRANSIT)
        out->type = m->stock_date != DATE_NONE && !m->overdue ? BO_PREORDER : BO_BACKORDER;
    if (m->stock_type != STOCK_UNSOURCED && m->location_id[0])
        memcpy(out->location_id, m->location_id, sizeof out->location_id);
    out->consented = m->consent == CONSENT_ACCEPTED || m->consent == CONSENT_IMPLIED;
    out->notified = m->notified;
}

const char *bo_type_name(int type)
{
    return type == BO_PREORDER ? "PREORDER" : "BACKORDER";
}

int bo_type_parse(const char *s)
{
    if (!strcmp(s, "PREORDER"))
        return BO_PREORDER;
    if (!strcmp(s, "BACKORDER"))
        return BO_BACKORDER;
    return -1;
}

/* fabric v3 backorder/preorder records (SPEC 9): one per order line with units that were not
 * served from onhand at placement. What is stored is what placement knew (the units, the
 * type and location sold); the rest is read from the order's shipments now, by bo_live.
 * Pure: plain structs in and out. */
#ifndef SELLAHEAD_BACKORDER_H
#define SELLAHEAD_BACKORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/order.h"

enum bo_type { BO_PREORDER = 0, BO_BACKORDER = 1 };

/* The line's units in one of the order's shipments now. */
struct bo_piece {
    char shipment_id[ORDER_ID_MAX];
    int status;     /* enum shipment_status */
    int stock_type; /* the shipment's source */
    char location_id[ID_MAX + 1];
    date_t stock_date;
    bool overdue;
    int consent;     /* enum delay_consent of the shipment's delay */
    date_t notified; /* the last delay notice's business date; DATE_NONE without one */
    int64_t quantity;
    int64_t mine; /* set by bo_live: how many of them are the record's */
};

struct bo_record {
    char id[ORDER_ID_MAX];
    char order_id[ORDER_ID_MAX];
    int64_t order_number;
    int64_t line;          /* index in the order's lines (lineItemId is line + 1) */
    char sku[ID_MAX + 1];
    int64_t item_id;       /* the product's itemId; 0 without one */
    int64_t quantity;      /* the line's units not served from onhand at placement */
    int64_t line_quantity; /* all the line's units */
    int type;              /* as sold at placement */
    char location_id[ID_MAX + 1]; /* as sold at placement */
    char consent_at[24];   /* when an answer to a delay last came; "" for none */
    char ordered_at[24];
    struct bo_piece *pieces; /* owned; in the order's shipment order */
    size_t npieces;
};

void bo_record_free(struct bo_record *r);

/* The record's fields now. */
struct bo_live {
    int status;            /* of the shipment holding most of the record's units */
    int type;
    char location_id[ID_MAX + 1];
    int64_t released;      /* of the record's units, how many are onhand or shipped */
    bool consented;        /* that shipment's delay is ACCEPTED or IMPLIED */
    date_t notified;       /* that shipment's delay notice; DATE_NONE without one */
    size_t main;           /* index of that shipment's piece; SIZE_MAX when none */
};

/* Which of the line's units are the record's: units are not told apart once shipments split
 * and merge, so the units served from onhand at placement (line_quantity - quantity) are
 * counted as the line's first units in this order: shipped, cancelled while onhand, onhand
 * (READY), waiting for stock, cancelled while waiting; the record's are the rest (each
 * piece's `mine`). */
void bo_live(struct bo_record *r, struct bo_live *out);

const char *bo_type_name(int type);
/* -1 when unknown. */
int bo_type_parse(const char *s);

#endif

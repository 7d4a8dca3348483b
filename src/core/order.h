/* Orders in the domain: how requested lines become allocations grouped into shipments, how
 * much is charged now and later, how a receipt releases waiting shipments, and the statuses
 * that follow. Pure: plain structs in and out. */
#ifndef SELLAHEAD_ORDER_H
#define SELLAHEAD_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/catalog.h"
#include "core/position.h"
#include "core/promise.h"
#include "core/replan.h"
#include "core/settings.h"

#define ORDER_MAX_LINES 100
#define ORDER_QTY_MAX 1000000 /* a line asking for more is not a real order */

enum shipment_status {
    SHIP_AWAITING_STOCK = 0,
    SHIP_READY = 1,
    SHIP_SHIPPED = 2,
    SHIP_CANCELLED = 3
};

enum order_status {
    ORDER_PLACED = 0,
    ORDER_PARTIALLY_SHIPPED = 1,
    ORDER_SHIPPED = 2,
    ORDER_CANCELLED = 3
};

struct order_line {
    char sku[ID_MAX + 1];
    char name[PRODUCT_NAME_MAX + 1];
    int64_t quantity;
    int64_t unit_price;
    int64_t amount;
};

/* Units of one order line taken from one position. */
struct order_alloc {
    size_t line;
    size_t shipment;
    struct position pos; /* the source position as it was when planned */
    int64_t quantity;
};

struct order_shipment {
    int status;
    int stock_type;
    char location_id[ID_MAX + 1];
    char transit_ref[ID_MAX + 1]; /* "" for onhand */
    date_t stock_date;
    struct range expected;
    int64_t amount;
};

/* A line that cannot be allocated in full. */
struct order_shortage {
    char sku[ID_MAX + 1];
    int64_t requested, available_total;
};

struct order_plan {
    struct order_alloc *allocs;
    size_t nallocs;
    struct order_shipment *shipments;
    size_t nshipments;
    struct order_shortage *shortages;
    size_t nshortages;
    int64_t total;
    /* On ERR_INVALID: the line whose amount, or the order total with it, does not fit in
     * 64 bits. */
    char overflow_sku[ID_MAX + 1];
};

/* The positions of one line's SKU, in allocation order. */
struct order_stock {
    const struct position *v;
    size_t n;
};

/* Merges lines with the same SKU (quantities add up) in place; returns the new count. */
size_t order_merge_lines(struct order_line *lines, size_t n);
/* Allocates every line over its SKU's positions (stock[i] for lines[i]) by the allocation
 * order and groups the allocations into shipments: one per onhand location, one per
 * transit position, onhand first. Sets each line's amount. When a line is short, the plan
 * lists it in shortages and must not be placed. Returns 0, ERR_NOMEM, or ERR_INVALID when an
 * amount does not fit in 64 bits (overflow_sku names the line). */
int order_plan(struct order_line *lines, size_t n, const struct order_stock *stock,
               const struct settings *s, date_t today, struct order_plan *out);
void order_plan_free(struct order_plan *p);

/* What the shopper pays at placement and when the waiting shipments ship. */
void order_charges(const struct order_shipment *sh, size_t n, int capture_on, int64_t *now,
                   int64_t *later);

const char *order_status_name(int status);
const char *order_shipment_status_name(int status);

/* One shipment's units waiting on a transit position, oldest shipment first. */
struct receipt_claim {
    int64_t shipment_seq;
    int64_t quantity;
};

/* How many units of each claim a receipt of qty units moves to onhand: strictly oldest
 * first, a claim may be covered in part. moved[i] is set for each claim; returns the units
 * moved in all (the rest of qty becomes free onhand stock). */
int64_t order_receipt(const struct receipt_claim *claims, size_t n, int64_t qty,
                      int64_t *moved);

/* --- stored records --- */

#define ORDER_ID_MAX 32
#define EMAIL_MAX 254
#define ADDRESS_FIELD_MAX 200
#define TRACKING_MAX 100

enum payment_status {
    PAY_AUTHORIZED = 0,
    PAY_PARTIALLY_CAPTURED = 1,
    PAY_CAPTURED = 2,
    PAY_VOIDED = 3,
    PAY_REFUNDED = 4
};

struct payment {
    char provider[16];
    char ref[64]; /* the provider's authorization reference */
    int status;
    int64_t authorized, captured, voided, refunded;
};

/* A provider call, recorded before it is made (an intent) and its outcome after: the
 * payment ledger of an order (payment.events). */
enum intent_kind { INTENT_AUTHORIZE, INTENT_REAUTHORIZE, INTENT_CAPTURE, INTENT_VOID,
                   INTENT_REFUND };
enum intent_status { INTENT_PENDING, INTENT_SUCCEEDED, INTENT_FAILED };

struct pay_intent {
    char id[ORDER_ID_MAX]; /* also the idempotency key sent to the provider */
    char order_id[ORDER_ID_MAX];
    char shipment_id[ORDER_ID_MAX]; /* "" when not about one shipment */
    int kind;
    int status;
    int64_t amount;
    char currency[4];
    char provider[16];
    char token[64]; /* authorize: the shopper's card token */
    char ref[64];   /* the authorization: given to captures, voids, refunds; set by authorize */
    char error[256];
    int64_t created; /* unix seconds */
    date_t day;      /* the business date it was recorded on (DATE_NONE: not known) */
    char at[24];     /* when the outcome was learnt (or the intent made, while pending), UTC */
    int code;        /* after a FAILED call: the provider's ERR_ code (not stored) */
};

const char *intent_kind_name(int kind);
const char *intent_status_name(int status);
/* The enum value of a name; -1 when unknown. */
int intent_kind_parse(const char *name);
int intent_status_parse(const char *name);

struct address {
    char name[ADDRESS_FIELD_MAX + 1];
    char line1[ADDRESS_FIELD_MAX + 1];
    char line2[ADDRESS_FIELD_MAX + 1];
    char city[ADDRESS_FIELD_MAX + 1];
    char postal_code[ADDRESS_FIELD_MAX + 1];
    char country[ADDRESS_FIELD_MAX + 1];
};

struct shipment_item {
    char sku[ID_MAX + 1];
    int64_t quantity;
};

/* A shipment's delay (SPEC 5.8): the rules' state plus what the shopper is shown. */
struct shipment_delay {
    struct delay_state st; /* st.consent CONSENT_NONE: no delay now (never, or withdrawn) */
    date_t detected;       /* the notice's business date */
    date_t previous_from, previous_to; /* the range before the delay */
    date_t expected_from;  /* with st.expected_to: the new range; DATE_NONE when undated */
    date_t notified;       /* the last notice's business date (the first is detected); kept
                            * after a withdrawal; DATE_NONE before any */
};

struct shipment_rec {
    char id[ORDER_ID_MAX];
    char order_id[ORDER_ID_MAX];
    int64_t seq; /* placement order across all orders: receipts release oldest first */
    int status;
    int stock_type;
    char location_id[ID_MAX + 1];
    char transit_ref[ID_MAX + 1];
    date_t stock_date;
    struct range expected;
    struct range promised; /* given at placement, never changes (SPEC 5.5) */
    int64_t amount;
    char tracking_number[TRACKING_MAX + 1];
    char shipped_at[24];
    bool payment_required; /* its capture needs a new card: the re-authorization failed */
    bool overdue; /* holds units on a transit position whose stock date has passed */
    /* Until the shopper first consents (st.consented_before), promised.to is what they
     * accepted, whatever st.accepted_to says. */
    struct shipment_delay delay;
    struct shipment_item *items; /* owned */
    size_t nitems;
};

struct order_rec {
    char id[ORDER_ID_MAX];
    int64_t number;
    char access_token[33];
    int status;
    char email[EMAIL_MAX + 1];
    char currency[4];
    int64_t total;
    struct address address;
    char created_at[24];
    int64_t channel_id; /* SPEC 9: 0 for none; its units only come from positions serving it */
    struct order_line *lines; /* owned */
    size_t nlines;
    struct shipment_rec *shipments; /* owned */
    size_t nshipments;
    struct payment payment;
    struct pay_intent *events; /* owned; oldest first */
    size_t nevents;
};

void order_rec_free(struct order_rec *o);
/* The order's status from its shipments' statuses. */
int order_status(const struct shipment_rec *sh, size_t n);
/* The payment status from its amounts. */
int order_payment_status(const struct payment *p);
const char *order_payment_status_name(int status);

#endif

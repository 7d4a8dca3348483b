/* The selling side's use cases: placing an order, shipping, cancelling, receiving stock.
 * Each runs in one write transaction on the store and calls the domain core for every rule;
 * the HTTP handlers and the CLI call these and nothing below them. */
#ifndef SELLAHEAD_ORDERS_H
#define SELLAHEAD_ORDERS_H

#include <stdbool.h>

#include "core/err.h"
#include "core/order.h"
#include "core/outbox.h"
#include "store/store.h"

struct place_req {
    struct order_line lines[ORDER_MAX_LINES]; /* sku and quantity; the rest is filled in */
    size_t nlines;
    const char *cart_id; /* lines come from this cart when set */
    char email[EMAIL_MAX + 1];
    struct address address;
    char payment_token[64];
    const char *idem_key;
    const char *idem_scope; /* endpoint and credential the key belongs to */
    const char *idem_fp;    /* fingerprint of the request body */
    int64_t channel_id;     /* SPEC 9: 0 for none */
};

struct place_result {
    struct order_rec order;        /* the placed (or replayed) order */
    struct order_shortage *shortages; /* on ERR_CONFLICT: the lines that are short */
    size_t nshortages;
    bool replay;
};

/* Gives m an id and queues it in the outbox, in the caller's transaction; frees m. */
int orders_queue_email(struct store *st, struct email *m, err_t *e);

/* Checks the shopper's input (email, address, quantities); ERR_INVALID with a message. */
int orders_validate(const struct place_req *req, err_t *e);
void orders_result_free(struct place_result *r);

/* A placement in steps, so that no provider call is inside a transaction (app/payments.h):
 * 1. a plan without locks and the authorization's intent (a short line answers 409 here);
 * the call; 2. the authorization's outcome with the order (allocations, shipments, email),
 * or when that fails the void's intent; the call; 3. the capture's (captureOn=order) or
 * void's outcome. A declined card or a failed allocation leaves no order, no allocation
 * and no live authorization. Each step runs in a transaction of its own; the server's group
 * commit runs the steps of many placements in one batch and the calls between batches; a
 * caller without it runs step, call (when call_due), step... until done. */
enum place_step { PLACE_PREPARE, PLACE_AUTHORIZED, PLACE_CAPTURED, PLACE_VOIDED };

struct place_job {
    struct place_req *req;
    struct place_result *out;
    int step;
    bool call_due; /* orders_place_call comes before the next step */
    bool done;     /* then rc and err are the answer */
    int rc;
    err_t err;
    bool lost; /* recovery resolved the authorization first */
    int attempt;
    char order_id[ORDER_ID_MAX];
    struct pay_intent auth, next; /* next: the capture or void after placement */
    struct order_line *lines;     /* the caller's, for each attempt */
    size_t nlines;
};

/* ERR_NOMEM or 0; orders_place_free afterwards. */
int orders_place_init(struct place_job *j, struct place_req *req, struct place_result *out);
void orders_place_step(struct store *st, struct place_job *j);
void orders_place_call(struct store *st, struct place_job *j);
void orders_place_free(struct place_job *j);

/* Ships a READY shipment; fills *order with the order after it. */
int orders_ship(struct store *st, const char *shipment_id, const char *tracking,
                struct order_rec *order, err_t *e);
int orders_cancel(struct store *st, const char *order_id, struct order_rec *order, err_t *e);
/* Cancels one shipment that has not shipped (SPEC 5.5): token is the order's access token
 * from a shopper, NULL for a key holder; a wrong token answers like an unknown shipment. */
int orders_cancel_shipment(struct store *st, const char *shipment_id, const char *token,
                           struct order_rec *order, err_t *e);
/* In a write transaction: locks and loads the order (of shipment_id when given). A shopper's
 * token, when given, must be the order's; a wrong one answers like an unknown id
 * (ERR_NOTFOUND, SHIPMENT_NOT_FOUND for a shipment). *o is the caller's to free. */
int orders_lock_get(struct store *st, const char *order_id, const char *shipment_id,
                    const char *token, struct order_rec *o, err_t *e);

/* Why one shipment is cancelled: asked for; the shopper declined its delay (409 when it
 * was never delayed); the sweep, when a required answer did not come by respondBy (409 when
 * that no longer holds). Either delay reason records the delay as DECLINED. */
enum cancel_why { CANCEL_PLAIN, CANCEL_DECLINED, CANCEL_SILENCE };
int orders_cancel_delayed(struct store *st, const char *shipment_id, const char *token, int why,
                          struct order_rec *order, err_t *e);

/* The shopper's new card for what is left to capture (after a declined re-authorization):
 * it is authorized and becomes the order's authorization; shipments waiting for a card may
 * ship. ERR_PAYMENT when it is declined too, ERR_CONFLICT when nothing is left to pay. */
int orders_new_card(struct store *st, const char *order_id, const char *token,
                    struct order_rec *order, err_t *e);

/* An Idempotency-Key and what it is scoped to (SPEC 5.5); key NULL when none. */
struct idem {
    const char *key, *scope, *fp;
};

/* Receives qty units of a transit position at location `at` (NULL: the position's);
 * released gets the ids of shipments that became READY, oldest first (caller frees);
 * surplus the units beyond the position's quantity (SPEC 5.2). A retry with idem's key
 * gets the first receipt's answer and receives nothing. */
int orders_receive(struct store *st, const struct position *key, const char *at, int64_t qty,
                   const struct idem *idem, char (**released)[ORDER_ID_MAX],
                   size_t *nreleased, int64_t *surplus, err_t *e);

/* Loads lines' products and positions and plans them without placing anything, as the cart
 * shows it. stock positions are owned by *lists (one per line; caller frees each). */
int orders_preview(struct store *st, struct order_line *lines, size_t n,
                   struct position_list *lists, struct order_plan *plan, err_t *e);

#endif

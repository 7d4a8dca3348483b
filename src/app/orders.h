/* The selling side's use cases: placing an order, shipping, cancelling, receiving stock.
 * Each runs in one write transaction on the store and calls the domain core for every rule;
 * the HTTP handlers and the CLI call these and nothing below them. */
#ifndef SELLAHEAD_ORDERS_H
#define SELLAHEAD_ORDERS_H

#include <stdbool.h>

#include "core/order.h"
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
};

struct place_result {
    struct order_rec order;        /* the placed (or replayed) order */
    struct order_shortage *shortages; /* on ERR_CONFLICT: the lines that are short */
    size_t nshortages;
    bool replay;
};

/* Checks the shopper's input (email, address, quantities); ERR_INVALID with a message. */
int orders_validate(const struct place_req *req, err_t *e);
int orders_place(struct store *st, struct place_req *req, struct place_result *out, err_t *e);
void orders_result_free(struct place_result *r);

/* Ships a READY shipment; fills *order with the order after it. */
int orders_ship(struct store *st, const char *shipment_id, const char *tracking,
                struct order_rec *order, err_t *e);
int orders_cancel(struct store *st, const char *order_id, struct order_rec *order, err_t *e);

/* Receives qty units of a transit position; released gets the ids of shipments that became
 * READY, oldest first (caller frees). */
int orders_receive(struct store *st, const struct position *key, int64_t qty,
                   char (**released)[ORDER_ID_MAX], size_t *nreleased, err_t *e);

/* Loads lines' products and positions and plans them without placing anything, as the cart
 * shows it. stock positions are owned by *lists (one per line; caller frees each). */
int orders_preview(struct store *st, struct order_line *lines, size_t n,
                   struct position_list *lists, struct order_plan *plan, err_t *e);

#endif

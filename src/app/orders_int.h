/* What the order use cases (app/orders.c, app/cancel.c) share; private to them. */
#ifndef SELLAHEAD_ORDERS_INT_H
#define SELLAHEAD_ORDERS_INT_H

#include "core/order.h"
#include "store/store.h"

struct shipment_rec *orders_find_shipment(struct order_rec *o, const char *id);
/* Gives back a shipment's units: released (cancel) or removed with the stock (ship). */
int orders_drop_allocations(struct store *st, const char *shipment_id, bool shipped,
                            err_t *e);
/* After a use case committed its intents: calls the provider for each and records the
 * outcomes, then reloads the order. */
int orders_settle_intents(struct store *st, struct pay_intent *v, size_t n,
                          struct order_rec *order, err_t *e);
/* After a shipment changed: saves the order's status and loads the settings the email of
 * the change is composed with. */
int orders_changed(struct store *st, struct order_rec *o, struct settings *s, err_t *e);

#endif

/* The emails a shopper receives (SPEC 6), as text and HTML bodies that say the same things.
 * Pure: the order goes in, a struct email comes out; the caller gives it an id and queues it
 * in the outbox in the same transaction as the event. */
#ifndef SELLAHEAD_COMPOSE_H
#define SELLAHEAD_COMPOSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/date.h"
#include "core/order.h"
#include "core/outbox.h"
#include "core/settings.h"

#define COMPOSE_MONEY_MAX 48
#define COMPOSE_URL_MAX (SETTINGS_TEXT_MAX + 128)

/* Formats minor units with the currency: 9000 USD -> "$90.00", EUR "€90.00", GBP "£90.00";
 * other currencies "90.00 XYZ" (no decimals for zero-decimal ones such as JPY). Thousands
 * are grouped with commas. */
void compose_money(int64_t minor, const char *currency, char *out, size_t cap);

/* Every link in an email: publicUrl + "/orders/{id}?token={accessToken}". */
void compose_order_url(const struct order_rec *o, const struct settings *s, char *out,
                       size_t cap);

/* Each fills *out (kind, order_id, from, to, subject, text, html; status PENDING, no id)
 * and returns 0, or ERR_NOMEM with *out left without bodies. The caller owns out->text and
 * out->html (email_free). */

/* Placement: every line, each shipment (ships now / on backorder, with its expected
 * delivery message verbatim), what is charged when (at order or as each shipment ships),
 * the order page link. */
int compose_order_confirmation(const struct order_rec *o, const struct settings *s,
                               date_t today, struct email *out);
/* One shipment left: its items, tracking number and the amount charged for it. */
int compose_shipment_shipped(const struct order_rec *o, const struct shipment_rec *sh,
                             int64_t charged, const struct settings *s, struct email *out);
/* A cancellation: the shipments now CANCELLED in o, worth `cancelled` in all. The part of
 * it refunded (o->payment.refunded: captured ahead with captureOn=order) is said to be
 * refunded; the rest was never charged and is said to be released. */
int compose_order_cancelled(const struct order_rec *o, int64_t cancelled,
                            const struct settings *s, struct email *out);
/* One shipment cancelled (shipment_cancelled): its items and amount, what of it was
 * refunded (charged ahead) and that the rest will not be charged. */
int compose_shipment_cancelled(const struct order_rec *o, const struct shipment_rec *sh,
                               int64_t refunded, const struct settings *s, struct email *out);
/* A READY shipment whose re-authorization was declined: what waits, its amount, and the
 * order page where the shopper gives a new card. */
int compose_payment_required(const struct order_rec *o, const struct shipment_rec *sh,
                             const struct settings *s, struct email *out);
/* A shipment became delayed, or its delay changed (sh->delay): what is late, the range
 * before and the new one (or "no date yet"), whether an answer is needed and by when, and
 * links to accept (while it is asked) and to cancel the shipment. */
int compose_shipment_delayed(const struct order_rec *o, const struct shipment_rec *sh,
                             const struct settings *s, struct email *out);

#endif

/* Payment providers behind one interface. Amounts are minor units. Every call carries an
 * idempotency key: a provider answers a key it has seen with its first answer and moves no
 * money again, which is what lets a call that died half-way be asked again (app/payments.c).
 * A call returns 0, ERR_PAYMENT for a declined card, ERR_INVALID for a request the provider
 * refuses, or another negative ERR_ code when the answer is unknown (try again later). */
#ifndef SELLAHEAD_PAY_H
#define SELLAHEAD_PAY_H

#include <stdint.h>

#include "core/err.h"

#define PAY_REF_MAX 64

struct store;

struct pay_call {
    int kind;             /* enum intent_kind */
    const char *key;      /* idempotency key */
    const char *token;    /* authorize: the card token */
    const char *ref;      /* the authorization the call is about (all but authorize) */
    const char *currency;
    int64_t amount;
};

struct pay_provider {
    const char *name;
    /* st: the caller's connection, outside any transaction (the test provider keeps its
     * record there); ref gets a new authorization's reference. */
    int (*call)(struct store *st, const struct pay_call *c, char ref[PAY_REF_MAX], err_t *e);
};

/* The provider with this name, or NULL. */
const struct pay_provider *pay_provider(const char *name);

#endif

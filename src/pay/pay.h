/* Payment providers behind one interface. Amounts are minor units. Every call returns 0 or
 * a negative ERR_ code: ERR_PAYMENT for a declined card. */
#ifndef SELLAHEAD_PAY_H
#define SELLAHEAD_PAY_H

#include <stdint.h>

#include "core/err.h"

#define PAY_REF_MAX 64

struct pay_provider {
    const char *name;
    int (*authorize)(const char *token, int64_t amount, const char *currency,
                     char ref[PAY_REF_MAX], err_t *e);
    int (*capture)(const char *ref, int64_t amount, err_t *e);
    int (*void_auth)(const char *ref, int64_t amount, err_t *e);
    int (*refund)(const char *ref, int64_t amount, err_t *e);
};

/* The provider with this name, or NULL. */
const struct pay_provider *pay_provider(const char *name);

#endif

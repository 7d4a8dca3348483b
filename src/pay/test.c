/* The built-in `test` provider: tok_visa authorizes, tok_declined is declined, anything else
 * is unknown. Captures, voids and refunds always succeed. */
#include <stdio.h>
#include <string.h>

#include "pay/pay.h"
#include "util/ids.h"

static int test_authorize(const char *token, int64_t amount, const char *currency,
                          char ref[PAY_REF_MAX], err_t *e)
{
    (void)currency;
    if (amount <= 0)
        return err_set(e, ERR_INVALID, "the amount to authorize must be positive");
    if (!strcmp(token, "tok_declined"))
        return err_set(e, ERR_PAYMENT, "the card was declined");
    if (strcmp(token, "tok_visa"))
        return err_set(e, ERR_INVALID,
                       "unknown payment token \"%.40s\": the test provider accepts tok_visa "
                       "and declines tok_declined",
                       token);
    ids_new("auth", ref, PAY_REF_MAX);
    return 0;
}

static int test_ok(const char *ref, int64_t amount, err_t *e)
{
    (void)ref;
    if (amount < 0)
        return err_set(e, ERR_INVALID, "a negative amount cannot be moved");
    return 0;
}

static const struct pay_provider test_provider = {
    .name = "test",
    .authorize = test_authorize,
    .capture = test_ok,
    .void_auth = test_ok,
    .refund = test_ok,
};

const struct pay_provider *pay_provider(const char *name)
{
    return !strcmp(name, test_provider.name) ? &test_provider : NULL;
}

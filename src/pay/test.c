/* The built-in `test` provider: tok_visa authorizes, tok_declined is declined,
 * tok_reauth_declined authorizes but declines every re-authorization, anything else is
 * unknown. Captures, voids and refunds always succeed. It honours idempotency keys like a
 * real provider: its first answer to a key is kept in a table of its own (test_payments),
 * which survives restarts, and a second call with that key gets that answer again (the
 * table's calls column counts the calls, for tests).
 * SELLAHEAD_TEST_PAY_FAIL=after-call kills the process right after an answer is recorded:
 * the provider moved the money, the caller never learnt it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pay/pay.h"
#include "store/store.h"
#include "util/ids.h"

static int test_answer(const struct pay_call *c, char ref[PAY_REF_MAX], err_t *e)
{
    if (c->amount < 0 || (c->kind == INTENT_AUTHORIZE && c->amount == 0))
        return err_set(e, ERR_INVALID, "the amount to %s must be positive",
                       intent_kind_name(c->kind));
    if (c->kind != INTENT_AUTHORIZE && c->kind != INTENT_REAUTHORIZE) {
        snprintf(ref, PAY_REF_MAX, "%s", c->ref ? c->ref : "");
        return 0;
    }
    if (!strcmp(c->token, "tok_declined"))
        return err_set(e, ERR_PAYMENT, "the card was declined");
    if (!strcmp(c->token, "tok_reauth_declined") && c->kind == INTENT_REAUTHORIZE)
        return err_set(e, ERR_PAYMENT, "the card declined the renewed authorization");
    if (strcmp(c->token, "tok_visa") && strcmp(c->token, "tok_reauth_declined"))
        return err_set(e, ERR_INVALID,
                       "unknown payment token \"%.40s\": the test provider accepts tok_visa "
                       "(and tok_reauth_declined, whose re-authorizations it declines) and "
                       "declines tok_declined",
                       c->token);
    ids_new("auth", ref, PAY_REF_MAX);
    return 0;
}

static int test_call(struct store *st, const struct pay_call *c, char ref[PAY_REF_MAX],
                     err_t *e)
{
    err_t answer = {0};
    int code = test_answer(c, ref, &answer);
    char msg[256];
    snprintf(msg, sizeof msg, "%.255s", code ? answer.msg : "");
    /* The first answer to the key wins: code, ref and msg become the stored ones. */
    int rc = store_testpay_record(st, c->key, intent_kind_name(c->kind), c->amount, &code,
                                  ref, msg, e);
    if (rc)
        return rc;
    const char *fail = getenv("SELLAHEAD_TEST_PAY_FAIL");
    if (fail && !strcmp(fail, "after-call")) {
        fprintf(stderr, "sellahead: SELLAHEAD_TEST_PAY_FAIL=after-call: exiting after the "
                        "provider call\n");
        _exit(3);
    }
    return code ? err_set(e, code, "%s", msg) : 0;
}

static const struct pay_provider test_provider = {
    .name = "test",
    .call = test_call,
};

const struct pay_provider *pay_provider(const char *name)
{
    return !strcmp(name, test_provider.name) ? &test_provider : NULL;
}

/* Emails waiting in the outbox: written in the same transaction as the event they tell of,
 * delivered later by the mail worker. */
#ifndef SELLAHEAD_OUTBOX_H
#define SELLAHEAD_OUTBOX_H

#include <stdint.h>

#include "core/order.h"

enum email_status { EMAIL_PENDING = 0, EMAIL_SENT = 1, EMAIL_FAILED = 2 };

#define EMAIL_MAX_ATTEMPTS 8

struct email {
    char id[ORDER_ID_MAX];
    char kind[32];  /* order_confirmation, shipment_shipped, order_cancelled */
    char order_id[ORDER_ID_MAX];
    char from[EMAIL_MAX + 1];
    char to[EMAIL_MAX + 1];
    char subject[256];
    char *text;     /* owned; NULL in listings */
    char *html;     /* owned; NULL in listings */
    int status;
    int attempts;
    char last_error[256];
    int64_t next_attempt_at; /* unix seconds */
    char created_at[24];
};

void email_free(struct email *m);
const char *email_status_name(int status);
/* Seconds to wait before attempt n + 1 (n >= 1): doubles from 5 s, capped at an hour. */
int64_t email_backoff(int attempts);

#endif

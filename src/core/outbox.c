#include "core/outbox.h"

#include <stdlib.h>

void email_free(struct email *m)
{
    free(m->text);
    free(m->html);
    m->text = m->html = NULL;
}

const char *email_status_name(int status)
{
    static const char *const names[] = {"PENDING", "SENT", "FAILED"};
    return status >= 0 && status < 3 ? names[status] : "PENDING";
}

int64_t email_backoff(int attempts)
{
    int64_t s = 5;
    for (int i = 1; i < attempts && s < 3600; i++)
        s *= 2;
    return s < 3600 ? s : 3600;
}

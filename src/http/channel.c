/* The channel of a request (SPEC 9): a body or query field, or fabric's header. */
#include <stdio.h>
#include <stdlib.h>

#include "http/http.h"

#define CHANNEL_MAX 2147483647

/* A text channel: digits only, no sign or leading zero, 1..CHANNEL_MAX; 0 when not. */
static int64_t channel_text(const char *s)
{
    char *end;
    long long n = strtoll(s, &end, 10);
    return *s >= '1' && *s <= '9' && !*end && n > 0 && n <= CHANNEL_MAX ? n : 0;
}

int64_t http_channel(struct http_req *r, json_t *field, const char *query,
                     struct http_resp *out)
{
    int64_t given = 0, header = 0;
    /* A repeated channel would otherwise be read as its first: refused, not guessed. */
    const char *twice = query && http_count(r, HTTP_QUERY, "channelId") > 1
                            ? "channelId is given more than once in the query string"
                        : http_count(r, HTTP_HEADER, "x-fabric-channel-id") > 1
                            ? "the x-fabric-channel-id header is given more than once"
                            : NULL;
    if (twice) {
        http_error(out, 422, "VALIDATION_FAILED", twice, NULL);
        return -1;
    }
    if (field && !json_is_null(field)) {
        json_int_t n = json_is_integer(field) ? json_integer_value(field) : 0;
        if (n < 1 || n > CHANNEL_MAX) {
            http_error(out, 422, "VALIDATION_FAILED",
                       "channelId must be a whole number from 1 to 2147483647 (or null)", NULL);
            return -1;
        }
        given = n;
    } else if (query && !(given = channel_text(query))) {
        http_error(out, 422, "VALIDATION_FAILED",
                   "channelId must be a whole number from 1 to 2147483647", NULL);
        return -1;
    }
    const char *h = http_header(r, "x-fabric-channel-id");
    if (h && !(header = channel_text(h))) {
        http_error(out, 422, "VALIDATION_FAILED",
                   "the x-fabric-channel-id header must be a whole number from 1 to 2147483647",
                   NULL);
        return -1;
    }
    /* Two different channels in one request is a client's mistake: refused, not guessed. */
    if (given && header && given != header) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "channelId %lld and the x-fabric-channel-id header %lld name different "
                 "channels",
                 (long long)given, (long long)header);
        http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
        return -1;
    }
    return given ? given : header;
}

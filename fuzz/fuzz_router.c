/* libFuzzer target for the router and the request target: the first byte picks a method, the
 * rest is "path?query". The path goes through the server's own unescaping and control-character
 * check and then the route table; every key and value of the query through the same unescaping
 * and the limit= parser. A match must be of its own method, with at most HTTP_MAX_PARAMS
 * non-empty parameters without a '/'; limits stay within 1..max.
 *
 *   make fuzz   (builds build-fuzz/fuzz_router and runs it over fuzz/corpus/router) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

static void check_query(char *q)
{
    for (char *pair = strtok(q, "&"); pair; pair = strtok(NULL, "&")) {
        char *eq = strchr(pair, '=');
        if (eq)
            *eq++ = '\0';
        size_t n = http_unescape(NULL, NULL, pair);
        CHECK(strlen(pair) == n);
        if (eq) {
            n = http_unescape(NULL, NULL, eq);
            CHECK(strlen(eq) == n);
            size_t limit = http_limit_value(eq, 50, 500);
            CHECK(limit >= 1 && limit <= 500);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"};
    if (size < 1)
        return 0;
    const char *method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    char *target = malloc(size);
    CHECK(target);
    memcpy(target, data + 1, size - 1);
    target[size - 1] = '\0'; /* MHD hands over a C string: an embedded NUL ends it */
    char *query = strchr(target, '?');
    if (query)
        *query++ = '\0';
    size_t n = http_unescape(NULL, NULL, target);
    CHECK(strlen(target) == n); /* a decoded %00 must not cut the path short */
    if (!http_has_control(target)) {
        struct http_req r = {0};
        bool known;
        const struct route *rt = http_route_find(method, target, &r, &known);
        if (rt) {
            CHECK(!strcmp(rt->method, method));
            CHECK(r.nparams <= HTTP_MAX_PARAMS);
            for (size_t i = 0; i < r.nparams; i++)
                CHECK(r.params[i][0] && !strchr(r.params[i], '/'));
        } else {
            CHECK(r.nparams == 0);
        }
        for (size_t i = 0; i < r.nparams; i++)
            free(r.params[i]);
    }
    if (query)
        check_query(query);
    free(target);
    return 0;
}

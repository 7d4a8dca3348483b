#include "util/ids.h"

#include <sodium.h>
#include <stdio.h>
#include <time.h>

int ids_init(void)
{
    return sodium_init() < 0 ? -1 : 0;
}

void ids_new(const char *prefix, char *out, size_t cap)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    char body[21];
    unsigned char raw[20];
    randombytes_buf(raw, sizeof raw);
    for (size_t i = 0; i < 20; i++)
        body[i] = alphabet[raw[i] & 31];
    body[20] = '\0';
    snprintf(out, cap, "%s_%s", prefix, body);
}

void ids_token(char out[IDS_TOKEN_LEN + 1])
{
    unsigned char raw[IDS_TOKEN_LEN / 2];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(out, IDS_TOKEN_LEN + 1, raw, sizeof raw);
}

int64_t ids_random64(void)
{
    uint64_t v;
    randombytes_buf(&v, sizeof v);
    return (int64_t)(v >> 1);
}

void ids_now(char out[24])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

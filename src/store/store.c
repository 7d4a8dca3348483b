#include <stdlib.h>
#include <string.h>

#include "store/store.h"

const char *store_default_url(const char *flag)
{
    if (flag && *flag)
        return flag;
    const char *env = getenv("SELLAHEAD_DB");
    return env && *env ? env : "./sellahead.db";
}

int store_open(const char *url, struct store **out, err_t *e)
{
    if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11))
        return store_postgres_open(url, out, e);
    return store_sqlite_open(url, out, e);
}

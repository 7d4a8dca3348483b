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
        return err_set(e, ERR_UNAVAILABLE,
                       "PostgreSQL is not supported by this build yet; use a SQLite file");
    return store_sqlite_open(url, out, e);
}

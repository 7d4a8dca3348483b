#include "app/locations.h"

#include <stdio.h>
#include <string.h>

#include "app/tx.h"

static int add_tx(struct store *st, void *ctx, err_t *e)
{
    return store_location_add(st, ctx, e);
}

int locations_add(struct store *st, const char *id, const char *name, struct location *out,
                  err_t *e)
{
    if (importrow_id(COL_LOCATION_ID, id, strlen(id), e))
        return ERR_INVALID;
    if (!*name || strlen(name) > PRODUCT_NAME_MAX)
        return err_set(e, ERR_INVALID, "name must be 1 to %d characters", PRODUCT_NAME_MAX);
    memset(out, 0, sizeof *out);
    snprintf(out->id, sizeof out->id, "%s", id);
    snprintf(out->name, sizeof out->name, "%s", name);
    return tx_run(st, add_tx, out, e);
}

int locations_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    return store_location_list(st, out, n, e);
}

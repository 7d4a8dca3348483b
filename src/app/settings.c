#include "app/settings.h"

#include "app/tx.h"

int settings_load(struct store *st, struct settings *out, err_t *e)
{
    return store_settings_get(st, out, e);
}

struct update {
    settings_edit_fn edit;
    void *ctx;
    struct settings *s;
};

static int update_tx(struct store *st, void *ctx, err_t *e)
{
    struct update *u = ctx;
    int rc = store_settings_get(st, u->s, e);
    if (!rc)
        rc = u->edit(u->ctx, u->s, e);
    if (!rc)
        rc = settings_validate(u->s, e);
    if (!rc)
        rc = store_settings_put(st, u->s, e);
    return rc;
}

int settings_update(struct store *st, settings_edit_fn edit, void *ctx, struct settings *out,
                    err_t *e)
{
    struct update u = {edit, ctx, out};
    return tx_run(st, update_tx, &u, e);
}

/* The merchant's settings (SPEC 5.6): read by every availability answer, changed by a
 * partial update. */
#ifndef SELLAHEAD_APP_SETTINGS_H
#define SELLAHEAD_APP_SETTINGS_H

#include "store/store.h"

int settings_load(struct store *st, struct settings *out, err_t *e);

/* Applies the caller's changes to the stored settings: edit(ctx, s, e) changes s or fails
 * (ERR_INVALID); the result must pass settings_validate. One transaction, run again when
 * it loses a race, so edit may be called more than once. *out: the settings saved. */
typedef int (*settings_edit_fn)(void *ctx, struct settings *s, err_t *e);
int settings_update(struct store *st, settings_edit_fn edit, void *ctx, struct settings *out,
                    err_t *e);

#endif

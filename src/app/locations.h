/* Locations (warehouses, stores), from the API and `sellahead location add`. */
#ifndef SELLAHEAD_APP_LOCATIONS_H
#define SELLAHEAD_APP_LOCATIONS_H

#include "store/store.h"

/* Checks the id and name (ERR_INVALID with the rule broken) and adds the location into
 * *out; ERR_CONFLICT when the id is taken. */
int locations_add(struct store *st, const char *id, const char *name, struct location *out,
                  err_t *e);
/* Every location, by id. Caller frees *out. */
int locations_list(struct store *st, struct location **out, size_t *n, err_t *e);

#endif

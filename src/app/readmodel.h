/* The availability read model: every SKU's positions in memory, so the public availability
 * answers (SPEC 5.1, 5.2) never wait on the database. Loaded in one scan at start; kept
 * fresh from the change log (store.h): at once after this process's own commits, and by a
 * poller every POLL_MS for other processes' commits (SPEC 8: within one second). */
#ifndef SELLAHEAD_READMODEL_H
#define SELLAHEAD_READMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/date.h"
#include "core/err.h"
#include "util/buf.h"

/* Opens its own connection to db_url, loads every SKU and starts the poller. */
int readmodel_start(const char *db_url, err_t *e);
void readmodel_stop(void);

/* Appends the SPEC 5.1 document of sku (with the promise for qty > 0) to out, for channel
 * (SPEC 9; 0 for none: every position). *found is false when the SKU has neither a product
 * nor a position; the document then carries "found": false (the batch query's answer for an
 * unknown SKU). */
int readmodel_doc(const char *sku, int64_t qty, int64_t channel, date_t today,
                  struct buf *out, bool *found, err_t *e);

struct item;
/* The same SKU's positions (in allocation order, owned by it: view_item_free), availability
 * and product itemId, for documents in other shapes (fabric's, SPEC 9) made by the same
 * rules. */
int readmodel_item(const char *sku, int64_t channel, date_t today, struct item *it, err_t *e);

#endif

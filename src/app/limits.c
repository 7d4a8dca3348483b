#include "app/limits.h"

#include <stdlib.h>
#include <string.h>

#include "app/replan.h"
#include "app/tx.h"

struct apply_ctx {
    struct limits_row *rows;
    const struct limits_row *req; /* the request as it came, for a retry */
    size_t n;
};

static int cmp_row(const void *a, const void *b)
{
    const struct limits_row *x = a, *y = b;
    int c = strcmp(x->sku, y->sku);
    return c ? c : strcmp(x->location_id, y->location_id);
}

/* The name of a limit both rows set to different values (has flag or number), or NULL. */
static const char *conflict(const struct limits_row *a, const struct limits_row *b)
{
    const struct limits *x = &a->lim, *y = &b->lim;
    if (a->set_safety_stock && b->set_safety_stock &&
        (x->has_safety_stock != y->has_safety_stock || x->safety_stock != y->safety_stock))
        return "safetyStock";
    if (a->set_preorder_limit && b->set_preorder_limit &&
        (x->has_preorder_limit != y->has_preorder_limit ||
         x->preorder_limit != y->preorder_limit))
        return "preorderLimit";
    if (a->set_backorder_limit && b->set_backorder_limit &&
        (x->has_backorder_limit != y->has_backorder_limit ||
         x->backorder_limit != y->backorder_limit))
        return "backorderLimit";
    if (a->set_low_stock && b->set_low_stock &&
        (x->has_low_stock != y->has_low_stock || x->low_stock != y->low_stock))
        return "lowStock";
    return NULL;
}

/* Fields the row names replace the stored ones. */
static void merge(struct limits *stored, const struct limits_row *r)
{
    if (r->set_safety_stock) {
        stored->has_safety_stock = r->lim.has_safety_stock;
        stored->safety_stock = r->lim.safety_stock;
    }
    if (r->set_preorder_limit) {
        stored->has_preorder_limit = r->lim.has_preorder_limit;
        stored->preorder_limit = r->lim.preorder_limit;
    }
    if (r->set_backorder_limit) {
        stored->has_backorder_limit = r->lim.has_backorder_limit;
        stored->backorder_limit = r->lim.backorder_limit;
    }
    if (r->set_low_stock) {
        stored->has_low_stock = r->lim.has_low_stock;
        stored->low_stock = r->lim.low_stock;
    }
}

int limits_write(struct store *st, struct limits_row *rows, size_t n, err_t *e)
{
    int rc = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        const bool new_sku = i == 0 || strcmp(rows[i - 1].sku, rows[i].sku) != 0;
        /* Locked like placement locks them, SKU by SKU in order, so no order is placed
         * against the old limits after this transaction re-plans. */
        if (new_sku) {
            struct position_list pl = {0};
            rc = store_positions_lock(st, rows[i].sku, &pl, e);
            position_list_free(&pl);
        }
        struct limits stored;
        if (!rc)
            rc = store_limits_get(st, rows[i].sku, rows[i].location_id, &stored, e);
        if (!rc) {
            merge(&stored, &rows[i]);
            rows[i].lim = stored;
            rc = store_limits_put(st, rows[i].sku, rows[i].location_id, &stored, e);
        }
    }
    /* Every row of one (sku, location) ends with what is stored: the last one merged. */
    for (size_t i = n; !rc && i-- > 1;)
        if (!cmp_row(&rows[i - 1], &rows[i]))
            rows[i - 1].lim = rows[i].lim;
    /* A limit change is a supply change (SPEC 5.7): the SKU's orders follow it. */
    for (size_t i = 0; !rc && i < n; i++)
        if (i + 1 == n || strcmp(rows[i].sku, rows[i + 1].sku) != 0)
            rc = replan_sku_now(st, rows[i].sku, e);
    return rc;
}

static int apply_attempt(struct store *st, void *ctx, err_t *e)
{
    struct apply_ctx *c = ctx;
    memcpy(c->rows, c->req, c->n * sizeof *c->rows);
    return limits_write(st, c->rows, c->n, e);
}

int limits_apply(struct store *st, struct limits_row *rows, size_t n, err_t *e)
{
    struct location *locs;
    size_t nlocs;
    int rc = store_location_list(st, &locs, &nlocs, e);
    if (rc)
        return rc;
    for (size_t i = 0; !rc && i < n; i++) {
        bool known = false;
        for (size_t k = 0; k < nlocs && !known; k++)
            known = !strcmp(locs[k].id, rows[i].location_id);
        /* Starts with the field's name, as settings errors do: the console marks it. */
        if (!known)
            rc = err_named(e, ERR_INVALID, "VALIDATION_FAILED",
                           "locationId %s does not exist: add the location first (row %zu)",
                           rows[i].location_id, i + 1);
    }
    free(locs);
    if (rc || n == 0)
        return rc;
    /* Stable for rows naming one (sku, location) twice: the later one is applied last. */
    struct limits_row *req = malloc(n * sizeof *req);
    if (!req)
        return err_set(e, ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        req[i] = rows[i];
    for (size_t i = 1; i < n; i++) /* insertion sort: stable, and requests are small */
        for (size_t j = i; j > 0 && cmp_row(&req[j - 1], &req[j]) > 0; j--) {
            struct limits_row t = req[j];
            req[j] = req[j - 1];
            req[j - 1] = t;
        }
    /* Rows of one (sku, location) may each set some limits, but not one limit two ways
     * (as in a CSV file): which would win is not for the order of rows to decide. */
    for (size_t i = 1; i < n && !rc; i++) {
        const char *f = cmp_row(&req[i - 1], &req[i]) ? NULL : conflict(&req[i - 1], &req[i]);
        if (f)
            rc = err_named(e, ERR_INVALID, "VALIDATION_FAILED",
                           "%s of %s at %s is given two different values: one value per sku "
                           "and locationId",
                           f, req[i].sku, req[i].location_id);
    }
    struct apply_ctx c = {rows, req, n};
    if (!rc)
        rc = tx_run(st, apply_attempt, &c, e);
    free(req);
    return rc;
}

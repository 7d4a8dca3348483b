/* store_*(): one function per operation of the table in store.h, like curl's Curl_ssl_*
 * in front of struct Curl_ssl. Everything above the backends (app/, ingest/, the read
 * model) calls these, never st->ops directly. */
#include "store/store.h"

#include <stdlib.h>

#include "store/common.h"

bool store_group_commit(const struct store *st)
{
    return st->ops->group_commit;
}

void store_close(struct store *st)
{
    st->ops->close(st);
}

int store_begin(struct store *st, bool write, err_t *e)
{
    return st->ops->begin(st, write, e);
}

int store_commit(struct store *st, err_t *e)
{
    return st->ops->commit(st, e);
}

void store_rollback(struct store *st)
{
    st->ops->rollback(st);
}

int store_batch_begin(struct store *st, err_t *e)
{
    return st->ops->batch_begin(st, e);
}

int store_batch_end(struct store *st, bool commit, err_t *e)
{
    return st->ops->batch_end(st, commit, e);
}

uint64_t store_version(struct store *st)
{
    return st->ops->version(st);
}

int store_location_add(struct store *st, const struct location *l, err_t *e)
{
    return st->ops->location_add(st, l, e);
}

int store_location_list(struct store *st, struct location **out, size_t *n, err_t *e)
{
    return st->ops->location_list(st, out, n, e);
}

int store_product_upsert(struct store *st, const struct product *p, err_t *e)
{
    return st->ops->product_upsert(st, p, e);
}

int store_product_get(struct store *st, const char *sku, struct product *out, err_t *e)
{
    return st->ops->product_get(st, sku, out, e);
}

int store_product_page(struct store *st, const char *after, size_t limit, struct product **out,
                       size_t *n, err_t *e)
{
    return st->ops->product_page(st, after, limit, out, n, e);
}

int store_positions_by_sku(struct store *st, const char *sku, struct position_list *out,
                           err_t *e)
{
    return st->ops->positions_by_sku(st, sku, out, e);
}

int store_positions_lock(struct store *st, const char *sku, struct position_list *out, err_t *e)
{
    return st->ops->positions_lock(st, sku, out, e);
}

int store_order_lock(struct store *st, const char *id, err_t *e)
{
    return st->ops->order_lock(st, id, e);
}

int store_sku_exists(struct store *st, const char *sku, bool *exists, err_t *e)
{
    return st->ops->sku_exists(st, sku, exists, e);
}

int store_sku_page(struct store *st, const char *after, size_t limit, const char *q,
                   struct sku_entry **out, size_t *n, err_t *e)
{
    return st->ops->sku_page(st, after, limit, q, out, n, e);
}

int store_position_import(struct store *st, const struct position *p, int64_t run, int64_t line,
                          bool *duplicate, err_t *e)
{
    return st->ops->position_import(st, p, run, line, duplicate, e);
}

int store_import_flush(struct store *st, int64_t run, store_dup_fn fn, void *ctx, err_t *e)
{
    return st->ops->import_flush(st, run, fn, ctx, e);
}

int store_import_apply(struct store *st, int64_t run, err_t *e)
{
    return st->ops->import_apply(st, run, e);
}

int store_import_save(struct store *st, const struct import_job *job, err_t *e)
{
    return st->ops->import_save(st, job, e);
}

int store_import_get(struct store *st, const char *id, struct import_job *job, err_t *e)
{
    return st->ops->import_get(st, id, job, e);
}

int store_import_list(struct store *st, const char *before, size_t limit,
                      struct import_job **out, size_t *n, err_t *e)
{
    return st->ops->import_list(st, before, limit, out, n, e);
}

int store_settings_get(struct store *st, struct settings *out, err_t *e)
{
    return st->ops->settings_get(st, out, e);
}

int store_settings_put(struct store *st, const struct settings *s, err_t *e)
{
    return st->ops->settings_put(st, s, e);
}

int store_apikey_add(struct store *st, const char *id, const char *name,
                     const unsigned char hash[APIKEY_HASH_LEN], err_t *e)
{
    return st->ops->apikey_add(st, id, name, hash, e);
}

int store_apikey_hash(struct store *st, const char *id, unsigned char hash[APIKEY_HASH_LEN],
                      err_t *e)
{
    return st->ops->apikey_hash(st, id, hash, e);
}

int store_order_next_number(struct store *st, int64_t *number, err_t *e)
{
    return st->ops->order_next_number(st, number, e);
}

int store_order_insert(struct store *st, struct order_rec *o, err_t *e)
{
    return st->ops->order_insert(st, o, e);
}

int store_order_get(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return st->ops->order_get(st, id, o, e);
}

int store_order_page(struct store *st, const char *before, size_t limit,
                     char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return st->ops->order_page(st, before, limit, ids, n, e);
}

int store_order_by_shipment(struct store *st, const char *shipment_id,
                            char order_id[ORDER_ID_MAX], err_t *e)
{
    return st->ops->order_by_shipment(st, shipment_id, order_id, e);
}

int store_order_set_status(struct store *st, const char *id, int status, err_t *e)
{
    return st->ops->order_set_status(st, id, status, e);
}

int store_shipment_update(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    return st->ops->shipment_update(st, sh, e);
}

int store_payment_update(struct store *st, const char *order_id, const struct payment *p,
                         err_t *e)
{
    return st->ops->payment_update(st, order_id, p, e);
}

int store_capture_add(struct store *st, const char *order_id, const char *shipment_id,
                      int64_t amount, err_t *e)
{
    return st->ops->capture_add(st, order_id, shipment_id, amount, e);
}

int store_position_allocate(struct store *st, const struct position *key, int64_t qty, err_t *e)
{
    return st->ops->position_allocate(st, key, qty, e);
}

int store_position_adjust(struct store *st, const struct position *key, int64_t d_quantity,
                          int64_t d_allocated, err_t *e)
{
    return st->ops->position_adjust(st, key, d_quantity, d_allocated, e);
}

int store_alloc_add(struct store *st, const char *shipment_id, const struct position *key,
                    int64_t qty, err_t *e)
{
    return st->ops->alloc_add(st, shipment_id, key, qty, e);
}

int store_alloc_list(struct store *st, const char *shipment_id, const struct position *key,
                     struct alloc_row **out, size_t *n, err_t *e)
{
    return st->ops->alloc_list(st, shipment_id, key, out, n, e);
}

int store_alloc_delete(struct store *st, const char *shipment_id, err_t *e)
{
    return st->ops->alloc_delete(st, shipment_id, e);
}

int store_shipment_get(struct store *st, const char *id, struct shipment_rec *out, err_t *e)
{
    return st->ops->shipment_get(st, id, out, e);
}

int store_shipment_add(struct store *st, struct shipment_rec *sh, err_t *e)
{
    return st->ops->shipment_add(st, sh, e);
}

int store_shipment_save(struct store *st, const struct shipment_rec *sh, err_t *e)
{
    return st->ops->shipment_save(st, sh, e);
}

int store_shipment_delete(struct store *st, const char *id, err_t *e)
{
    return st->ops->shipment_delete(st, id, e);
}

int store_replan_skus(struct store *st, int64_t run, char (**out)[ID_MAX + 1], size_t *n,
                      err_t *e)
{
    return st->ops->replan_skus(st, run, out, n, e);
}

int store_transit_page(struct store *st, const struct position *after, const char *sku,
                       date_t overdue_before, size_t limit, struct position_list *out, err_t *e)
{
    return st->ops->transit_page(st, after, sku, overdue_before, limit, out, e);
}

int store_cart_create(struct store *st, const char *id, err_t *e)
{
    return st->ops->cart_create(st, id, e);
}

int store_cart_lines(struct store *st, const char *id, struct shipment_item **out, size_t *n,
                     err_t *e)
{
    return st->ops->cart_lines(st, id, out, n, e);
}

int store_cart_set(struct store *st, const char *id, const char *sku, int64_t qty, err_t *e)
{
    return st->ops->cart_set(st, id, sku, qty, e);
}

int store_outbox_add(struct store *st, const struct email *m, err_t *e)
{
    return st->ops->outbox_add(st, m, e);
}

int store_outbox_claim(struct store *st, int64_t now, int64_t lease, struct email *out,
                       err_t *e)
{
    return st->ops->outbox_claim(st, now, lease, out, e);
}

int store_outbox_update(struct store *st, const struct email *m, err_t *e)
{
    return st->ops->outbox_update(st, m, e);
}

int store_outbox_list(struct store *st, const char *before, size_t limit, struct email **out,
                      size_t *n, err_t *e)
{
    return st->ops->outbox_list(st, before, limit, out, n, e);
}

int store_user_add(struct store *st, const char *name, const char *hash, err_t *e)
{
    return st->ops->user_add(st, name, hash, e);
}

int store_user_hash(struct store *st, const char *name, char *hash, size_t cap, err_t *e)
{
    return st->ops->user_hash(st, name, hash, cap, e);
}

int store_session_add(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      const char *user, const char *csrf, int64_t expires_at, err_t *e)
{
    return st->ops->session_add(st, hash, user, csrf, expires_at, e);
}

int store_session_get(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                      char user[ID_MAX + 1], char csrf[SESSION_CSRF_LEN + 1],
                      int64_t *expires_at, err_t *e)
{
    return st->ops->session_get(st, hash, user, csrf, expires_at, e);
}

int store_session_delete(struct store *st, const unsigned char hash[SESSION_HASH_LEN],
                         int64_t now, err_t *e)
{
    return st->ops->session_delete(st, hash, now, e);
}

int store_check(struct store *st, store_check_fn report, void *ctx, size_t *problems, err_t *e)
{
    return st->ops->check(st, report, ctx, problems, e);
}

int store_table_rows(struct store *st, const struct store_table *t, store_row_fn fn, void *ctx,
                     err_t *e)
{
    return st->ops->table_rows(st, t, fn, ctx, e);
}

int store_table_insert(struct store *st, const struct store_table *t,
                       const struct store_value *vals, err_t *e)
{
    return st->ops->table_insert(st, t, vals, e);
}

int store_is_empty(struct store *st, bool *empty, err_t *e)
{
    return st->ops->is_empty(st, empty, e);
}

int store_after_copy(struct store *st, err_t *e)
{
    return st->ops->after_copy(st, e);
}

int store_idem_get(struct store *st, const char *scope, const char *key, char **result,
                   err_t *e)
{
    return st->ops->idem_get(st, scope, key, result, e);
}

int store_idem_put(struct store *st, const char *scope, const char *key, const char *result,
                   err_t *e)
{
    return st->ops->idem_put(st, scope, key, result, e);
}

int store_holds_stock(struct store *st, bool *orders, bool *positions, err_t *e)
{
    return st->ops->holds_stock(st, orders, positions, e);
}

int store_user_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return st->ops->user_list(st, out, n, e);
}

int store_user_set_hash(struct store *st, const char *name, const char *hash, err_t *e)
{
    return st->ops->user_set_hash(st, name, hash, e);
}

int store_user_remove(struct store *st, const char *name, err_t *e)
{
    return st->ops->user_remove(st, name, e);
}

int store_apikey_list(struct store *st, struct store_named **out, size_t *n, err_t *e)
{
    return st->ops->apikey_list(st, out, n, e);
}

int store_apikey_revoke(struct store *st, const char *name, size_t *n, err_t *e)
{
    return st->ops->apikey_revoke(st, name, n, e);
}

int store_sku_count(struct store *st, const char *q, size_t cap, size_t *count, err_t *e)
{
    return st->ops->sku_count(st, q, cap, count, e);
}

int store_transit_search(struct store *st, const char *q, size_t limit,
                         struct position_list *out, err_t *e)
{
    return st->ops->transit_search(st, q, limit, out, e);
}

int store_import_unsold(struct store *st, int64_t run, struct import_job *job, err_t *e)
{
    return st->ops->import_unsold(st, run, job, e);
}

int store_product_find(struct store *st, const char *after, size_t limit, const char *q,
                       struct product **out, size_t *n, err_t *e)
{
    return st->ops->product_find(st, after, limit, q, out, n, e);
}

int store_intent_add(struct store *st, const struct pay_intent *in, err_t *e)
{
    return st->ops->intent_add(st, in, e);
}

int store_intent_settle(struct store *st, const struct pay_intent *in, err_t *e)
{
    return st->ops->intent_settle(st, in, e);
}

int store_intent_pending(struct store *st, int64_t before, struct pay_intent **out, size_t *n,
                         err_t *e)
{
    return st->ops->intent_pending(st, before, out, n, e);
}

int store_testpay_record(struct store *st, const char *key, const char *kind, int64_t amount,
                         int *code, char ref[64], char msg[256], err_t *e)
{
    return st->ops->testpay_record(st, key, kind, amount, code, ref, msg, e);
}

int store_changes_since(struct store *st, int64_t after, size_t limit, store_change_fn fn,
                        void *ctx, int64_t *xmin, int64_t *xmax, err_t *e)
{
    return st->ops->changes_since(st, after, limit, fn, ctx, xmin, xmax, e);
}

int store_changes_head(struct store *st, int64_t *head, err_t *e)
{
    return st->ops->changes_head(st, head, e);
}

int store_changes_prune(struct store *st, int64_t upto, err_t *e)
{
    return st->ops->changes_prune(st, upto, e);
}

int store_positions_page(struct store *st, const char *after, size_t limit,
                         struct position_list *out, err_t *e)
{
    return st->ops->positions_page(st, after, limit, out, e);
}

int store_order_page_delayed(struct store *st, const char *before, size_t limit,
                             char (**ids)[ORDER_ID_MAX], size_t *n, err_t *e)
{
    return st->ops->order_page_delayed(st, before, limit, ids, n, e);
}

int store_overdue_skus(struct store *st, date_t today, char (**skus)[ID_MAX + 1], size_t *n,
                       err_t *e)
{
    return st->ops->overdue_skus(st, today, skus, n, e);
}

int store_delays_due(struct store *st, date_t today, char (**ids)[ORDER_ID_MAX], size_t *n,
                     err_t *e)
{
    return st->ops->delays_due(st, today, ids, n, e);
}

int store_sweep_lock(struct store *st, bool *got, err_t *e)
{
    return st->ops->sweep_lock(st, got, e);
}

int store_sweep_done(struct store *st, date_t day, err_t *e)
{
    return st->ops->sweep_done(st, day, e);
}

int store_product_by_item(struct store *st, int64_t item_id, char sku[ID_MAX + 1], err_t *e)
{
    return st->ops->product_by_item(st, item_id, sku, e);
}

int store_order_get_light(struct store *st, const char *id, struct order_rec *o, err_t *e)
{
    return st->ops->order_get_light(st, id, o, e);
}

int store_limits_get(struct store *st, const char *sku, const char *location_id,
                     struct limits *out, err_t *e)
{
    return st->ops->limits_get(st, sku, location_id, out, e);
}

int store_limits_put(struct store *st, const char *sku, const char *location_id,
                     const struct limits *l, err_t *e)
{
    return st->ops->limits_put(st, sku, location_id, l, e);
}

int store_bo_add(struct store *st, const struct bo_record *r, err_t *e)
{
    return st->ops->bo_add(st, r, e);
}

int store_bo_scan(struct store *st, const char *id, int64_t order_number, const char *sku,
                  store_bo_fn fn, void *ctx, err_t *e)
{
    return st->ops->bo_scan(st, id, order_number, sku, fn, ctx, e);
}

int store_bo_consented(struct store *st, const char *order_id, const char *sku,
                       const char *at, err_t *e)
{
    return st->ops->bo_consented(st, order_id, sku, at, e);
}

int store_outbox_claim_many(struct store *st, int64_t now, int64_t lease, size_t max,
                            struct email **out, size_t *n, err_t *e)
{
    *out = NULL;
    *n = 0;
    if (st->ops->outbox_claim_many)
        return st->ops->outbox_claim_many(st, now, lease, max, out, n, e);
    struct email *v = calloc(max ? max : 1, sizeof *v);
    if (!v)
        return err_set(e, ERR_NOMEM, "out of memory");
    int rc = 0;
    while (*n < max && !(rc = st->ops->outbox_claim(st, now, lease, &v[*n], e)))
        (*n)++;
    if (rc == ERR_NOTFOUND)
        rc = 0;
    if (rc) {
        for (size_t i = 0; i < *n; i++)
            email_free(&v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    *out = v;
    return 0;
}

int store_outbox_update_many(struct store *st, const struct email *v, size_t n, err_t *e)
{
    if (st->ops->outbox_update_many)
        return st->ops->outbox_update_many(st, v, n, e);
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++)
        rc = st->ops->outbox_update(st, &v[i], e);
    return rc;
}

int store_lines_read(struct store *st, const char *const *skus, size_t n, bool lock,
                     int64_t *number, struct settings *s, struct product *products,
                     bool *found, struct position_list *lists, err_t *e)
{
    return st->ops->lines_read
               ? st->ops->lines_read(st, skus, n, lock, number, s, products, found, lists, e)
               : store_lines_read_each(st, skus, n, lock, number, s, products, found, lists, e);
}

int store_positions_offset_page(struct store *st, const char *loc, size_t offset, size_t limit,
                                struct position_list *out, int64_t *count, int64_t *before,
                                err_t *e)
{
    return st->ops->positions_offset_page(st, loc, offset, limit, out, count, before, e);
}

int store_position_allocate_sent(struct store *st, const struct position *key, int64_t qty,
                                 err_t *e)
{
    return st->ops->position_allocate_sent ? st->ops->position_allocate_sent(st, key, qty, e)
                                           : st->ops->position_allocate(st, key, qty, e);
}

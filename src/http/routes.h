/* Handlers, one file per resource. */
#ifndef SELLAHEAD_ROUTES_H
#define SELLAHEAD_ROUTES_H

#include "http/http.h"

void h_health_get(struct http_req *r, struct http_resp *out);

void h_inventory_get(struct http_req *r, struct http_resp *out);
void h_inventory_query(struct http_req *r, struct http_resp *out);
void h_inventory_list(struct http_req *r, struct http_resp *out);
void h_inventory_template(struct http_req *r, struct http_resp *out);

void h_imports_create(struct http_req *r, struct http_resp *out);
void h_imports_list(struct http_req *r, struct http_resp *out);
void h_imports_get(struct http_req *r, struct http_resp *out);
void h_imports_errors_csv(struct http_req *r, struct http_resp *out);
void h_imports_bulk(struct http_req *r, struct http_resp *out);
/* Runs a parsed bulk body (5.2's records, fabric's too) as one job: 1 with *job filled (the
 * caller frees it), 0 when out already holds the answer (a bad body, a failure).
 * failed_is_2xx: the caller answers a FAILED job with a 2xx, so its key keeps it. */
int imports_bulk_run(struct http_req *r, json_t *body, struct http_resp *out,
                     bool failed_is_2xx, struct import_job *job);

void h_locations_list(struct http_req *r, struct http_resp *out);
void h_locations_create(struct http_req *r, struct http_resp *out);

void h_products_upsert(struct http_req *r, struct http_resp *out);
void h_products_list(struct http_req *r, struct http_resp *out);
void h_products_get(struct http_req *r, struct http_resp *out);
void h_products_import(struct http_req *r, struct http_resp *out);
void h_products_template(struct http_req *r, struct http_resp *out);

void h_settings_get(struct http_req *r, struct http_resp *out);
void h_settings_put(struct http_req *r, struct http_resp *out);

void h_carts_create(struct http_req *r, struct http_resp *out);
void h_carts_get(struct http_req *r, struct http_resp *out);
void h_carts_add(struct http_req *r, struct http_resp *out);
void h_carts_set(struct http_req *r, struct http_resp *out);
void h_carts_remove(struct http_req *r, struct http_resp *out);

void h_orders_create(struct http_req *r, struct http_resp *out);
void h_orders_get(struct http_req *r, struct http_resp *out);
void h_orders_list(struct http_req *r, struct http_resp *out);
void h_orders_cancel(struct http_req *r, struct http_resp *out);
void h_shipments_cancel(struct http_req *r, struct http_resp *out);
void h_purchase_orders_list(struct http_req *r, struct http_resp *out);
void h_orders_payment(struct http_req *r, struct http_resp *out);
void h_shipments_ship(struct http_req *r, struct http_resp *out);
void h_shipments_delay_consent(struct http_req *r, struct http_resp *out);
void h_receipts_create(struct http_req *r, struct http_resp *out);
void h_outbox_list(struct http_req *r, struct http_resp *out);
void h_transit_positions_list(struct http_req *r, struct http_resp *out);
void h_limits_put(struct http_req *r, struct http_resp *out);

void h_session_create(struct http_req *r, struct http_resp *out);
void h_session_get(struct http_req *r, struct http_resp *out);
void h_session_delete(struct http_req *r, struct http_resp *out);
/* A console session cookie, with its matching X-CSRF-Token header unless the method is
 * GET or HEAD. */
bool session_valid(struct http_req *r);
/* The same, naming the session's user. */
bool session_user(struct http_req *r, char user[ID_MAX + 1]);

/* fabric's inventory API (SPEC 9): a mapping onto the handlers and documents above. */
void h_fabric_bulk_insert(struct http_req *r, struct http_resp *out);
void h_fabric_get_inventories(struct http_req *r, struct http_resp *out);
void h_fabric_location_inventory(struct http_req *r, struct http_resp *out);
void h_fabric_find(struct http_req *r, struct http_resp *out);
/* fabric v3 backorder/preorder records (SPEC 9). */
void h_fabric_records_search(struct http_req *r, struct http_resp *out);
void h_fabric_records_get(struct http_req *r, struct http_resp *out);
void h_fabric_records_consent(struct http_req *r, struct http_resp *out);

void h_web_page(struct http_req *r, struct http_resp *out);
void h_web_asset(struct http_req *r, struct http_resp *out);
/* The storefront's HTML 404 page (web/404.html), status 404. */
void h_web_not_found(struct http_req *r, struct http_resp *out);

#endif

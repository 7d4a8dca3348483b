/* Handlers, one file per resource. */
#ifndef SELLAHEAD_ROUTES_H
#define SELLAHEAD_ROUTES_H

#include "http/http.h"

int health_get(struct http_req *r, struct http_resp *out);

int inventory_get(struct http_req *r, struct http_resp *out);
int inventory_query(struct http_req *r, struct http_resp *out);
int inventory_list(struct http_req *r, struct http_resp *out);
int inventory_template(struct http_req *r, struct http_resp *out);

int imports_create(struct http_req *r, struct http_resp *out);
int imports_list(struct http_req *r, struct http_resp *out);
int imports_get(struct http_req *r, struct http_resp *out);
int imports_errors_csv(struct http_req *r, struct http_resp *out);
int imports_bulk(struct http_req *r, struct http_resp *out);
/* Runs a parsed bulk body (5.2's records, fabric's too) as one job: 1 with *job filled (the
 * caller frees it), 0 when out already holds the answer (a bad body, a failure). */
int imports_bulk_run(struct http_req *r, json_t *body, struct http_resp *out,
                     struct import_job *job);

int locations_list(struct http_req *r, struct http_resp *out);
int locations_create(struct http_req *r, struct http_resp *out);

int products_upsert(struct http_req *r, struct http_resp *out);
int products_list(struct http_req *r, struct http_resp *out);
int products_get(struct http_req *r, struct http_resp *out);
int products_import(struct http_req *r, struct http_resp *out);
int products_template(struct http_req *r, struct http_resp *out);

int settings_get_h(struct http_req *r, struct http_resp *out);
int settings_put_h(struct http_req *r, struct http_resp *out);

int carts_create_h(struct http_req *r, struct http_resp *out);
int carts_get_h(struct http_req *r, struct http_resp *out);
int carts_add_h(struct http_req *r, struct http_resp *out);
int carts_set_h(struct http_req *r, struct http_resp *out);
int carts_remove_h(struct http_req *r, struct http_resp *out);

int orders_create_h(struct http_req *r, struct http_resp *out);
int orders_get_h(struct http_req *r, struct http_resp *out);
int orders_list_h(struct http_req *r, struct http_resp *out);
int orders_cancel_h(struct http_req *r, struct http_resp *out);
int shipments_cancel_h(struct http_req *r, struct http_resp *out);
int purchase_orders_list_h(struct http_req *r, struct http_resp *out);
int orders_payment_h(struct http_req *r, struct http_resp *out);
int shipments_ship_h(struct http_req *r, struct http_resp *out);
int shipments_delay_consent_h(struct http_req *r, struct http_resp *out);
int receipts_create_h(struct http_req *r, struct http_resp *out);
int outbox_list_h(struct http_req *r, struct http_resp *out);
int transit_positions_h(struct http_req *r, struct http_resp *out);

int session_create_h(struct http_req *r, struct http_resp *out);
int session_get_h(struct http_req *r, struct http_resp *out);
int session_delete_h(struct http_req *r, struct http_resp *out);
/* A console session cookie, with its matching X-CSRF-Token header unless the method is
 * GET or HEAD. */
bool session_valid(struct http_req *r);
/* The same, naming the session's user. */
bool session_user(struct http_req *r, char user[ID_MAX + 1]);

/* fabric's inventory API (SPEC 9): a mapping onto the handlers and documents above. */
int fabric_bulk_insert(struct http_req *r, struct http_resp *out);
int fabric_get_inventories(struct http_req *r, struct http_resp *out);
int fabric_location_inventory(struct http_req *r, struct http_resp *out);
int fabric_find(struct http_req *r, struct http_resp *out);

int web_page(struct http_req *r, struct http_resp *out);
int web_asset(struct http_req *r, struct http_resp *out);
/* The storefront's HTML 404 page (web/404.html), status 404. */
int web_not_found(struct http_req *r, struct http_resp *out);

#endif

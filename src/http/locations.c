#include <stdlib.h>
#include <string.h>

#include "http/routes.h"
#include "view/view.h"

int h_locations_list(struct http_req *r, struct http_resp *out)
{
    struct location *v;
    size_t n;
    err_t e;
    if (store_location_list(r->st, &v, &n, &e))
        return http_fail(out, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, view_location(&v[i]));
    free(v);
    return http_json(out, 200, json_pack("{s:o}", "items", items));
}

int h_locations_create(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return 0;
    const char *id = json_string_value(json_object_get(body, "locationId"));
    const char *name = json_string_value(json_object_get(body, "name"));
    char msg[256];
    struct location l = {0};
    int rc = 0;
    if (!json_is_object(body) || json_object_size(body) != 2 || !id || !name)
        rc = http_error(out, 422, "VALIDATION_FAILED",
                        "the body must be {\"locationId\": \"WH1\", \"name\": \"...\"}", NULL);
    else if (importrow_id(COL_LOCATION_ID, id, strlen(id), msg, sizeof msg))
        rc = http_error(out, 422, "VALIDATION_FAILED", msg, NULL);
    else if (!*name || strlen(name) > PRODUCT_NAME_MAX)
        rc = http_error(out, 422, "VALIDATION_FAILED", "name must be 1 to 200 characters",
                        NULL);
    if (rc || out->status) {
        json_decref(body);
        return 0;
    }
    snprintf(l.id, sizeof l.id, "%s", id);
    snprintf(l.name, sizeof l.name, "%s", name);
    json_decref(body);
    err_t e;
    if (store_location_add(r->st, &l, &e))
        return http_fail(out, &e);
    return http_json(out, 201, view_location(&l));
}

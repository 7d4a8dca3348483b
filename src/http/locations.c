#include <stdlib.h>
#include <string.h>

#include "app/locations.h"
#include "http/routes.h"
#include "view/view.h"

void h_locations_list(struct http_req *r, struct http_resp *out)
{
    struct location *v;
    size_t n;
    err_t e;
    if (locations_list(r->st, &v, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, view_location(&v[i]));
    free(v);
    http_json(out, 200, json_pack("{s:o}", "items", items));
}

void h_locations_create(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    const char *id = json_string_value(json_object_get(body, "locationId"));
    const char *name = json_string_value(json_object_get(body, "name"));
    if (!json_is_object(body) || json_object_size(body) != 2 || !id || !name) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"locationId\": \"WH1\", \"name\": \"...\"}", NULL);
        return;
    }
    struct location l;
    err_t e;
    int rc = locations_add(r->st, id, name, &l, &e);
    json_decref(body);
    if (rc) {
        http_fail(out, &e);
        return;
    }
    http_json(out, 201, view_location(&l));
}

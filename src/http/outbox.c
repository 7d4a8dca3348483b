#include <stdlib.h>

#include "http/routes.h"
#include "view/view.h"

int outbox_list_h(struct http_req *r, struct http_resp *out)
{
    struct email *v;
    size_t n;
    err_t e;
    if (r->st->ops->outbox_list(r->st, http_limit(r, 50, 500), &v, &n, &e))
        return http_fail(out, &e);
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, view_email(&v[i]));
    free(v);
    return http_json(out, 200, json_pack("{s:o}", "items", items));
}

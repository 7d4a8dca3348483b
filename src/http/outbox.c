#include <stdlib.h>

#include "app/lists.h"
#include "http/routes.h"
#include "view/view.h"

void h_outbox_list(struct http_req *r, struct http_resp *out)
{
    struct email *v;
    size_t n;
    err_t e;
    size_t limit = http_limit(r, 50, 500);
    /* One row more than the page tells whether another page follows. */
    if (outbox_page(r->st, http_query(r, "cursor"), limit + 1, &v, &n, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *items = json_array();
    for (size_t i = 0; i < n && i < limit; i++)
        json_array_append_new(items, view_email(&v[i]));
    json_t *next = n > limit ? json_string(v[limit - 1].id) : json_null();
    free(v);
    http_json(out, 200, json_pack("{s:o, s:o}", "items", items, "nextCursor", next));
}

#include "http/routes.h"

void h_health_get(struct http_req *r, struct http_resp *out)
{
    (void)r;
    http_json(out, 200, json_pack("{s:s}", "status", "ok"));
}

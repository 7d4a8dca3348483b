#include "http/routes.h"

int h_health_get(struct http_req *r, struct http_resp *out)
{
    (void)r;
    return http_json(out, 200, json_pack("{s:s}", "status", "ok"));
}

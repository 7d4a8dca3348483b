/* The storefront and console files from the web directory: each page route maps to one HTML
 * file; assets are single files under /assets/. Nothing outside the directory is reachable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/routes.h"

#define WEB_FILE_MAX (1u << 20)

static const char *mime(const char *name)
{
    static const struct {
        const char *ext, *type;
    } types[] = {
        {".html", "text/html; charset=utf-8"}, {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"}, {".svg", "image/svg+xml"},
        {".png", "image/png"}, {".ico", "image/x-icon"}, {".csv", "text/csv; charset=utf-8"},
    };
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (!strcmp(dot, types[i].ext))
            return types[i].type;
    return "application/octet-stream";
}

static int send_file(struct http_req *r, struct http_resp *out, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", r->cfg->web_dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return http_error(out, 404, "NOT_FOUND", "no such page", NULL);
    char *buf = malloc(WEB_FILE_MAX);
    size_t n = buf ? fread(buf, 1, WEB_FILE_MAX, f) : 0;
    fclose(f);
    if (!buf)
        return http_error(out, 500, "INTERNAL", "out of memory", NULL);
    out->status = 200;
    out->content_type = mime(name);
    out->body = buf;
    out->len = n;
    /* Pages are small and change with each release: always revalidate. */
    snprintf(out->header_name, sizeof out->header_name, "Cache-Control");
    snprintf(out->header_value, sizeof out->header_value, "no-cache");
    return 0;
}

void h_web_page(struct http_req *r, struct http_resp *out)
{
    static const struct {
        const char *prefix, *file;
    } pages[] = {
        {"/p/", "product.html"},   {"/orders/", "order.html"}, {"/cart", "cart.html"},
        {"/checkout", "checkout.html"}, {"/admin", "admin.html"}, {"/", "index.html"},
    };
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (!strncmp(r->url, pages[i].prefix, strlen(pages[i].prefix))) {
            send_file(r, out, pages[i].file);
            return;
        }
    http_error(out, 404, "NOT_FOUND", "no such page", NULL);
}

void h_web_not_found(struct http_req *r, struct http_resp *out)
{
    if (!send_file(r, out, "404.html") && out->status == 200)
        out->status = 404;
}

void h_web_asset(struct http_req *r, struct http_resp *out)
{
    const char *name = r->params[0];
    /* One plain file name: no traversal, no hidden files. */
    if (name[0] == '.' || strchr(name, '/') || strchr(name, '\\')) {
        http_error(out, 404, "NOT_FOUND", "no such file", NULL);
        return;
    }
    char rel[300];
    snprintf(rel, sizeof rel, "assets/%s", name);
    send_file(r, out, rel);
}

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "http/http.h"

static const char usage[] =
    "usage: sellahead serve [--db D] [--host H] [--port P] [--web DIR] [--mail-dir DIR]\n"
    "\n"
    "Serves the HTTP API, the storefront and the merchant console.\n"
    "  --db D        SQLite file or postgresql:// URL (default $SELLAHEAD_DB or ./sellahead.db)\n"
    "  --host H      address to listen on (default 127.0.0.1)\n"
    "  --port P      port (default 8080; 0 picks a free one, printed on stderr). A port\n"
    "                another process listens on is refused: exit 1, \"port P is already in use\"\n"
    "  --web DIR     storefront and console files (default: the web folder shipped\n"
    "                beside the binary, else ./web)\n"
    "  --mail-dir D  where emails are written without SMTP (default ./mail)\n"
    "\n"
    "SELLAHEAD_PER_ADDRESS_CONNECTIONS=N caps the connections one client address may hold\n"
    "(default 256; 0 = no cap, for a server behind a proxy). On PostgreSQL,\n"
    "SELLAHEAD_DB_POOL=N is how many order placements run at once, each on a connection\n"
    "of its own (1 to 256, default 16). Other limits and timeouts: docs/deploy.md,\n"
    "section 4.\n";

/* The web files bundled with the binary: ../web beside build/sellahead, else ./web. */
static const char *default_web(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 8);
    if (n > 0) {
        buf[n] = '\0';
        char *slash = strrchr(buf, '/');
        if (slash) {
            strcpy(slash, "/../web");
            if (access(buf, R_OK) == 0)
                return buf;
        }
    }
    return "web";
}

int cli_serve(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db host port web mail-dir", usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos) {
        fputs(usage, stderr);
        return 2;
    }
    char *end = NULL;
    long port = a.port ? strtol(a.port, &end, 10) : 8080;
    if ((end && *end) || port < 0 || port > 65535) {
        fprintf(stderr, "sellahead: --port must be a number from 0 to 65535\n");
        return 2;
    }
    /* Opening once here creates or migrates the schema before any request, and fails early
     * when the database cannot be reached. */
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    store_close(st);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    char webbuf[4096];
    struct http_config cfg = {
        .db_url = store_default_url(a.db),
        .host = a.host ? a.host : "127.0.0.1",
        .port = (unsigned)port,
        .web_dir = a.web ? a.web : default_web(webbuf, sizeof webbuf),
        .mail_dir = a.mail_dir ? a.mail_dir : "mail",
        .threads = cores > 0 ? (unsigned)cores : 1,
    };
    err_t e;
    if (http_serve(&cfg, &e)) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return 0;
}

/* Catalog commands: products import, products template. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "ingest/import.h"
#include "view/view.h"

static const char products_usage[] =
    "usage: sellahead products import FILE.csv [--db D]\n"
    "       sellahead products template\n"
    "\n"
    "import: upserts products from a CSV file, all or nothing, and prints the job as JSON\n"
    "(a one-line summary on stderr).\n"
    "Columns sku,name,price (minor units: 1999 for 19.99) and the optional currency (default\n"
    "USD), description, imageUrl (an https:// URL) and itemId (fabric's item id, unique).\n"
    "Exit code 1 when the job FAILED; its errors name line, column and value. Only SKUs\n"
    "with a product are for sale.\n"
    "template: prints an example file. See docs/import-guide.md.\n";

int cli_products(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", products_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos == 1 && !strcmp(a.pos[0], "template"))
        return fputs(productrow_template, stdout) == EOF ? 1 : 0;
    if (a.npos != 2 || strcmp(a.pos[0], "import")) {
        fputs(products_usage, stderr);
        return 2;
    }
    const char *path = a.pos[1];
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "sellahead: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    struct store *st;
    if (cli_store(&a, &st)) {
        fclose(f);
        return 1;
    }
    const char *slash = strrchr(path, '/');
    struct import_job job;
    err_t e;
    rc = import_products_csv(st, f, slash ? slash + 1 : path, &job, &e);
    fclose(f);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return cli_import_done(&job);
}

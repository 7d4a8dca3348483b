/* sellahead: one binary, one command per job. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/ids.h"

static const char usage[] =
    "usage: sellahead COMMAND [options]   (sellahead COMMAND --help for details)\n"
    "\n"
    "  serve                 run the HTTP API, storefront and console\n"
    "  import FILE.csv       import inventory from a CSV file (all or nothing)\n"
    "  template              print the CSV import template\n"
    "  products import FILE  import the catalog from a CSV file (all or nothing)\n"
    "  inventory SKU         print a SKU's availability as JSON\n"
    "  location add ID NAME  create a location\n"
    "  apikey create NAME    create an API key (also: apikey list, apikey revoke NAME)\n"
    "  demo                  load the demo catalog and inventory into a new database\n"
    "  user add NAME         create a console user (also: user passwd|remove NAME, user list)\n"
    "  check                 verify the database's invariants\n"
    "  sweep                 run the promise sweep once (overdue, implied consent, cancels)\n"
    "  migrate --from --to   copy a database into an empty one (SQLite to PostgreSQL)\n"
    "\n"
    "--db D selects the database: a SQLite file or a postgresql:// URL\n"
    "(default $SELLAHEAD_DB, else ./sellahead.db).\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"serve", cli_serve},         {"import", cli_import}, {"template", cli_template},
        {"inventory", cli_inventory}, {"location", cli_location}, {"apikey", cli_apikey},
        {"demo", cli_demo},           {"user", cli_user},     {"check", cli_check},
        {"migrate", cli_migrate},     {"sweep", cli_sweep},
        {"products", cli_products},
    };
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (ids_init()) {
        fputs("sellahead: cannot initialise libsodium\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "sellahead: unknown command %s\n\n%s", argv[1], usage);
    return 2;
}

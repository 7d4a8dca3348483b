/* Inventory commands: import, template, inventory, location add. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/import.h"
#include "view/view.h"

static const char import_usage[] =
    "usage: sellahead import FILE.csv [--db D]\n"
    "\n"
    "Imports inventory positions from a CSV file, all or nothing, and prints the job as JSON.\n"
    "Exit code 1 when the job FAILED; its errors name line, column and value.\n"
    "The format is described by `sellahead template` and docs/import-guide.md.\n";

static void progress(void *ctx, uint64_t bytes, int64_t rows)
{
    (void)ctx;
    fprintf(stderr, "\rimporting: %.1f MB, %lld rows", (double)bytes / 1e6, (long long)rows);
}

int cli_import(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", import_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 1) {
        fputs(import_usage, stderr);
        return 2;
    }
    const char *path = a.pos[0];
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
    struct import_opts o = {IMPORT_CSV, slash ? slash + 1 : path, NULL, NULL, NULL};
    struct import_job job = {0};
    err_t e;
    bool tty = isatty(STDERR_FILENO);
    rc = import_csv(st, f, &o, &job, tty ? progress : NULL, NULL, &e);
    if (tty)
        fputc('\n', stderr);
    fclose(f);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    int failed = job.status != IMPORT_COMPLETED;
    rc = view_print(view_job(&job, true));
    import_job_free(&job);
    return rc || failed ? 1 : 0;
}

static const char template_usage[] = "usage: sellahead template\n"
                                     "\n"
                                     "Prints the CSV import template.\n";

int cli_template(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "", template_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos) {
        fputs(template_usage, stderr);
        return 2;
    }
    return fputs(importrow_template, stdout) == EOF ? 1 : 0;
}

static const char inventory_usage[] =
    "usage: sellahead inventory SKU [--quantity N] [--db D]\n"
    "\n"
    "Prints the single-item availability document (as GET /v1/inventory/SKU) as JSON;\n"
    "--quantity adds the promise for that many units. Exit code 1 for an unknown SKU.\n";

int cli_inventory(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db quantity", inventory_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 1) {
        fputs(inventory_usage, stderr);
        return 2;
    }
    long long qty = 0;
    if (a.quantity) {
        char *end;
        qty = strtoll(a.quantity, &end, 10);
        if (*end || !*a.quantity || qty < 1 || qty > 2147483647) {
            fprintf(stderr, "sellahead: --quantity must be a whole number from 1 to "
                            "2147483647\n");
            return 2;
        }
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    struct settings s;
    struct item it;
    date_t today = date_today();
    rc = st->ops->settings_get(st, &s, &e);
    if (!rc)
        rc = view_item_load(st, a.pos[0], &s, today, &it, &e);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    if (!it.found) {
        view_item_free(&it);
        fprintf(stderr, "sellahead: no product or inventory with SKU %s\n", a.pos[0]);
        return 1;
    }
    rc = view_print(view_item(&it, qty, &s, today));
    view_item_free(&it);
    return rc ? 1 : 0;
}

static const char location_usage[] = "usage: sellahead location add ID NAME [--db D]\n"
                                     "\n"
                                     "Creates a location (warehouse or store). ID is letters "
                                     "and digits, at most 64.\n";

int cli_location(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", location_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 3 || strcmp(a.pos[0], "add")) {
        fputs(location_usage, stderr);
        return 2;
    }
    char msg[256];
    if (importrow_id(COL_LOCATION_ID, a.pos[1], strlen(a.pos[1]), msg, sizeof msg)) {
        fprintf(stderr, "sellahead: %s\n", msg);
        return 1;
    }
    if (!*a.pos[2] || strlen(a.pos[2]) > PRODUCT_NAME_MAX) {
        fprintf(stderr, "sellahead: NAME must be 1 to %d characters\n", PRODUCT_NAME_MAX);
        return 1;
    }
    struct location l;
    snprintf(l.id, sizeof l.id, "%s", a.pos[1]);
    snprintf(l.name, sizeof l.name, "%s", a.pos[2]);
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    rc = st->ops->location_add(st, &l, &e);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return view_print(view_location(&l)) ? 1 : 0;
}

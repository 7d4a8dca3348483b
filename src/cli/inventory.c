/* Inventory commands: import, template, inventory, location add. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app/locations.h"
#include "app/settings.h"
#include "cli/cli.h"
#include "ingest/import.h"
#include "view/view.h"

static const char import_usage[] =
    "usage: sellahead import FILE.csv [--db D]\n"
    "\n"
    "Imports inventory positions from a CSV file, all or nothing, and prints the job as JSON\n"
    "on stdout. A one-line summary goes to stderr (\"COMPLETED: 4 rows applied\", or\n"
    "\"FAILED: 3 errors in 200,000 rows; first: ...\"), and on a terminal the progress.\n"
    "Exit code 1 when the job FAILED; its errors name line, column and value.\n"
    "The format is described by `sellahead template` and docs/import-guide.md.\n";

/* 1234567 as "1,234,567": row counts people read at a glance. */
static const char *thousands(int64_t n, char buf[32])
{
    char digits[24];
    int len = snprintf(digits, sizeof digits, "%lld", (long long)n);
    char *p = buf;
    for (int i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            *p++ = ',';
        *p++ = digits[i];
    }
    *p = '\0';
    return buf;
}

/* A size as "143.0 KB" or "200.5 MB". */
static const char *size_text(uint64_t bytes, char buf[32])
{
    if (bytes < 1000000)
        snprintf(buf, 32, "%.1f KB", (double)bytes / 1e3);
    else
        snprintf(buf, 32, "%.1f MB", (double)bytes / 1e6);
    return buf;
}

/* On a terminal: how far the import has read, as a share of the file's size when known. */
static void progress(void *ctx, uint64_t bytes, int64_t rows)
{
    uint64_t size = *(const uint64_t *)ctx;
    char r[32], done[32], total[32];
    thousands(rows, r);
    if (size)
        fprintf(stderr, "\rimporting: %3d%% of %s, %s rows",
                (int)(bytes >= size ? 100 : bytes * 100 / size), size_text(size, total), r);
    else
        fprintf(stderr, "\rimporting: %s, %s rows", size_text(bytes, done), r);
}

/* One line for people on stderr; the JSON on stdout stays the record for programs. */
static void import_summary(const struct import_job *job)
{
    char rows[32], errs[32];
    thousands(job->total_rows, rows);
    if (job->status == IMPORT_COMPLETED) {
        fprintf(stderr, "COMPLETED: %s row%s applied", thousands(job->rows_applied, errs),
                job->rows_applied == 1 ? "" : "s");
        if (job->total_warnings)
            fprintf(stderr, "; %s SKU%s without a product, not for sale (see warnings)",
                    thousands(job->total_warnings, errs), job->total_warnings == 1 ? "" : "s");
        fputc('\n', stderr);
        return;
    }
    fprintf(stderr, "FAILED: %s error%s in %s row%s", thousands(job->total_errors, errs),
            job->total_errors == 1 ? "" : "s", rows, job->total_rows == 1 ? "" : "s");
    if (job->nerrors) {
        const struct import_error *f = &job->errors[0];
        fputs("; first: ", stderr);
        if (f->line)
            fprintf(stderr, "line %lld, ", (long long)f->line);
        if (f->col >= 0)
            fprintf(stderr, "column %s, ", import_column_name(job->source, f->col));
        fputs(f->message, stderr);
    }
    fputs("; nothing was applied\n", stderr);
}

int cli_import_done(struct import_job *job)
{
    int failed = job->status != IMPORT_COMPLETED;
    import_summary(job);
    int rc = view_print(view_job(job, true));
    import_job_free(job);
    return rc || failed ? 1 : 0;
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
    struct stat sb = {0};
    if (!f || fstat(fileno(f), &sb) || S_ISDIR(sb.st_mode)) {
        fprintf(stderr, "sellahead: cannot read %s: %s\n", path,
                f && S_ISDIR(sb.st_mode) ? "it is a directory, not a CSV file" : strerror(errno));
        if (f)
            fclose(f);
        return 1;
    }
    uint64_t size = S_ISREG(sb.st_mode) ? (uint64_t)sb.st_size : 0;
    struct store *st;
    if (cli_store(&a, &st)) {
        fclose(f);
        return 1;
    }
    const char *slash = strrchr(path, '/');
    struct import_opts o = {.source = IMPORT_CSV, .file_name = slash ? slash + 1 : path};
    struct import_job job = {0};
    err_t e;
    bool tty = isatty(STDERR_FILENO);
    rc = import_csv(st, f, &o, &job, tty ? progress : NULL, &size, &e);
    if (tty)
        fputc('\n', stderr);
    fclose(f);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return cli_import_done(&job);
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
    "usage: sellahead inventory SKU [--quantity N] [--channel C] [--db D]\n"
    "\n"
    "Prints the single-item availability document (as GET /v1/inventory/SKU) as JSON;\n"
    "--quantity adds the promise for that many units; --channel answers for sales channel C\n"
    "(its positions and those without a channel). Exit code 1 for an unknown SKU.\n";

/* --NAME N: absent leaves *v; else a whole number from 1 to 2147483647, or -1 (said). */
static int count_flag(const char *name, const char *s, long long *v)
{
    if (!s)
        return 0;
    char *end;
    *v = strtoll(s, &end, 10);
    if (!*end && *s && *v >= 1 && *v <= 2147483647)
        return 0;
    fprintf(stderr, "sellahead: --%s must be a whole number from 1 to 2147483647\n", name);
    return -1;
}

int cli_inventory(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db quantity channel", inventory_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 1) {
        fputs(inventory_usage, stderr);
        return 2;
    }
    long long qty = 0, channel = 0;
    if (count_flag("quantity", a.quantity, &qty) || count_flag("channel", a.channel, &channel))
        return 2;
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    struct settings s;
    struct item it;
    date_t today = date_today();
    rc = settings_load(st, &s, &e);
    if (!rc)
        rc = view_item_load(st, a.pos[0], channel, &s, today, &it, &e);
    store_close(st);
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
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    struct location l;
    rc = locations_add(st, a.pos[1], a.pos[2], &l, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    return view_print(view_location(&l)) ? 1 : 0;
}

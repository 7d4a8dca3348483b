/* Command-line commands. Each returns the process exit code: 0 ok, 1 failure, 2 usage. */
#ifndef SELLAHEAD_CLI_H
#define SELLAHEAD_CLI_H

#include <stdbool.h>

#include "store/store.h"

#define CLI_MAX_POS 4

/* Parsed arguments: positionals and the --flags a command accepts. */
struct cli_args {
    const char *pos[CLI_MAX_POS];
    int npos;
    const char *db, *host, *port, *web, *mail_dir, *quantity, *channel, *from, *to;
    bool help;
    bool force; /* --force, where allowed */
};

/* Parses argv (after the command words). allowed is a space-separated list of flag names
 * without dashes. Prints a usage error and returns 2 on bad input, else 0. */
int cli_parse(int argc, char **argv, const char *allowed, const char *usage,
              struct cli_args *a);
/* Opens the --db store, printing the error on failure (returns 1 then). */
int cli_store(const struct cli_args *a, struct store **st);

int cli_serve(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_template(int argc, char **argv);
int cli_inventory(int argc, char **argv);
int cli_location(int argc, char **argv);
int cli_apikey(int argc, char **argv);
int cli_demo(int argc, char **argv);
int cli_user(int argc, char **argv);
int cli_check(int argc, char **argv);
int cli_sweep(int argc, char **argv);
int cli_migrate(int argc, char **argv);
int cli_products(int argc, char **argv);
/* A finished import job: a one-line summary on stderr (for people), the job as JSON on
 * stdout (for programs); frees it. The exit code: 1 unless it COMPLETED and printed. */
int cli_import_done(struct import_job *job);

#endif

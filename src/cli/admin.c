/* Administration commands: API keys, console users, the demo data, check and migrate. */
#include <jansson.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "app/check.h"
#include "app/imports.h"
#include "app/products.h"
#include "app/users.h"
#include "cli/cli.h"
#include "ingest/import.h"
#include "util/apikey.h"
#include "view/view.h"

/* Prints users or keys as {"items": [{"name", "createdAt"}]}. */
static int print_named(const struct store_named *v, size_t n)
{
    json_t *items = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(items, json_pack("{s:s, s:s}", "name", v[i].name, "createdAt",
                                               v[i].created_at));
    return view_print(json_pack("{s:o}", "items", items)) ? 1 : 0;
}

/* Prints the users or keys `list` gives (names and creation times only); closes st. */
static int list_named(struct store *st, int (*list)(struct store *, struct store_named **,
                                                    size_t *, err_t *))
{
    struct store_named *v = NULL;
    size_t n = 0;
    err_t e;
    int rc = list(st, &v, &n, &e);
    store_close(st);
    if (!rc)
        rc = print_named(v, n);
    else
        fprintf(stderr, "sellahead: %s\n", e.msg);
    free(v);
    return rc ? 1 : 0;
}

static const char apikey_usage[] =
    "usage: sellahead apikey create|revoke NAME [--db D]\n"
    "       sellahead apikey list [--db D]\n"
    "\n"
    "API keys open the key-protected endpoints: send one as Authorization: Bearer <key>.\n"
    "  create NAME   creates a key and prints it alone on one line. It is shown once; only\n"
    "                its hash is stored, so a lost key is revoked and replaced.\n"
    "  list          prints every key's name and creation time as JSON, never the key:\n"
    "                {\"items\": [{\"name\": ..., \"createdAt\": ...}]}\n"
    "  revoke NAME   deletes every key with that name; requests with it get 401 at once, on\n"
    "                every server using the database.\n";

int cli_apikey(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", apikey_usage, &a);
    if (rc || a.help)
        return rc;
    const char *verb = a.npos ? a.pos[0] : "";
    bool named = !strcmp(verb, "create") || !strcmp(verb, "revoke");
    if (named ? a.npos != 2 || !*a.pos[1] : strcmp(verb, "list") || a.npos != 1) {
        fputs(apikey_usage, stderr);
        return 2;
    }
    if (named && strlen(a.pos[1]) > ID_MAX) {
        fprintf(stderr, "sellahead: NAME must be 1 to %d characters\n", ID_MAX);
        return 1;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    if (!strcmp(verb, "list"))
        return list_named(st, keys_list);
    if (!strcmp(verb, "revoke")) {
        size_t n = 0;
        rc = keys_revoke(st, a.pos[1], &n, &e);
        store_close(st);
        if (rc) {
            fprintf(stderr, "sellahead: %s\n", e.msg);
            return 1;
        }
        fprintf(stderr, "sellahead: revoked %zu API key%s named %s\n", n, n == 1 ? "" : "s",
                a.pos[1]);
        return 0;
    }
    char key[APIKEY_MAX];
    rc = keys_create(st, a.pos[1], key, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    printf("%s\n", key);
    return 0;
}

static const char demo_usage[] =
    "usage: sellahead demo [--force] [--db D]\n"
    "\n"
    "Loads a demo catalog, location WH1 and inventory covering every availability case:\n"
    "in stock, in stock plus a purchase order, two purchase orders, backorder without a\n"
    "date, a stock date in the past, and out of stock. Dates are relative to today.\n"
    "A database that already holds orders or inventory is left alone (exit 1): the demo\n"
    "would overwrite its stock levels. --force loads it anyway.\n";

struct demo_product {
    const char *sku, *name, *description;
    long long price;
};

static const struct demo_product products[] = {
    {"TSHIRT1", "Organic cotton T-shirt",
     "Soft, breathable GOTS-certified organic cotton in a relaxed everyday fit. "
     "Pre-shrunk, so it keeps its shape wash after wash.",
     2500},
    {"HOODIE2", "Heavyweight hoodie",
     "A 400 g brushed-back fleece hoodie with a lined hood and a kangaroo pocket. Made in "
     "small batches: order now to reserve yours.",
     6500},
    {"MUG3", "Stoneware mug",
     "Hand-glazed stoneware that holds 350 ml of coffee and keeps it warm. Dishwasher and "
     "microwave safe.",
     1800},
    {"CAP4", "Canvas cap",
     "Washed cotton canvas with an adjustable brass buckle. Unstructured, so it packs "
     "flat.",
     2200},
    {"SOCKS5", "Merino socks",
     "Fine merino wool with a cushioned sole: warm in winter, cool in summer, never itchy.",
     1500},
    {"BOTTLE6", "Steel water bottle",
     "Double-walled stainless steel: drinks stay cold for 24 hours or hot for 12. 750 ml, "
     "leak-proof lid.",
     3000},
    {"TOTE7", "Canvas tote bag",
     "A sturdy 12 oz canvas tote with long handles and an inside pocket for your keys.",
     2000},
    {"JACKET8", "Rain jacket",
     "A lightweight, fully seam-taped rain jacket that packs into its own pocket. "
     "Breathable and windproof.",
     12000},
    {"SCARF9", "Wool scarf",
     "A generous lambswool scarf, woven in Scotland and brushed for softness.",
     3500},
    {"BEANIE10", "Knit beanie",
     "A chunky rib-knit beanie in recycled wool. One size, with a fold-up cuff.",
     1900},
    {"POSTER11", "Art print poster",
     "A giclee print on 230 g matte paper, signed by the artist. 50 x 70 cm, frame not "
     "included.",
     1200},
    {"NOTEBOOK12", "Dot-grid notebook",
     "A5, 160 pages of 100 g dot-grid paper that takes fountain pen ink without bleeding. "
     "Lies flat.",
     1400},
};

/* sku, stockType, quantity, reserved, transitRef, order date offset, stock date offset
 * (days from today; 999 = none). */
struct demo_row {
    const char *sku, *type;
    int quantity, reserved;
    const char *ref;
    int ordered, stocked;
};

#define NONE 999
static const struct demo_row rows[] = {
    {"TSHIRT1", "onhand", 25, 0, "", NONE, NONE},
    {"TSHIRT1", "intransit", 100, 0, "PO1001", -7, 18},
    {"HOODIE2", "intransit", 50, 0, "ADV2", -7, NONE},
    {"MUG3", "onhand", 40, 0, "", NONE, NONE},
    {"CAP4", "intransit", 30, 0, "PO2001", -10, 10},
    {"CAP4", "intransit", 60, 0, "PO2002", -3, 35},
    {"SOCKS5", "onhand", 0, 0, "", NONE, NONE},
    {"BOTTLE6", "intransit", 20, 0, "PO3001", -30, -3},
    {"TOTE7", "onhand", 5, 0, "", NONE, NONE},
    {"TOTE7", "intransit", 20, 0, "ADV7", -2, NONE},
    {"JACKET8", "onhand", 0, 0, "", NONE, NONE},
    {"JACKET8", "intransit", 15, 0, "PO4001", -5, 21},
    {"SCARF9", "onhand", 12, 0, "", NONE, NONE},
    {"POSTER11", "onhand", 100, 10, "", NONE, NONE},
    {"NOTEBOOK12", "onhand", 3, 0, "", NONE, NONE},
    {"NOTEBOOK12", "intransit", 50, 0, "PO5001", -14, 7},
};

static struct importrow_value text(const char *s)
{
    return (struct importrow_value){s, strlen(s)};
}

static int demo_rows(void *ctx, struct importer *im, err_t *e)
{
    (void)ctx;
    date_t today = date_today();
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct demo_row *r = &rows[i];
        char qty[16], res[16], od[DATE_STRLEN] = "", sd[DATE_STRLEN] = "";
        snprintf(qty, sizeof qty, "%d", r->quantity);
        snprintf(res, sizeof res, "%d", r->reserved);
        if (r->ordered != NONE)
            date_format(today + r->ordered, od);
        if (r->stocked != NONE)
            date_format(today + r->stocked, sd);
        struct importrow_value vals[COL_COUNT] = {
            [COL_SKU] = text(r->sku),     [COL_LOCATION_ID] = text("WH1"),
            [COL_STOCK_TYPE] = text(r->type), [COL_QUANTITY] = text(qty),
            [COL_RESERVED] = text(res),   [COL_TRANSIT_REF] = text(r->ref),
            [COL_ORDER_DATE] = text(od),  [COL_STOCK_DATE] = text(sd),
        };
        int rc = importer_row(im, (int64_t)i + 1, vals, e);
        if (rc)
            return rc;
    }
    return 0;
}

/* The demo goes through the same import rules as a merchant's file. */
static int demo_inventory(struct store *st, err_t *e)
{
    struct import_opts o = {.source = IMPORT_API};
    struct import_job job = {0};
    int rc = imports_run(st, &o, demo_rows, NULL, &job, e);
    if (!rc && job.status != IMPORT_COMPLETED)
        rc = err_set(e, ERR_INVALID, "the demo inventory was refused: %s",
                     job.nerrors ? job.errors[0].message : "unknown error");
    import_job_free(&job);
    return rc;
}

int cli_demo(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db force", demo_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos) {
        fputs(demo_usage, stderr);
        return 2;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    const struct location wh = {"WH1", "Main warehouse"};
    size_t n = sizeof products / sizeof products[0];
    struct product *v = calloc(n, sizeof *v);
    if (!v) {
        store_close(st);
        fputs("sellahead: out of memory\n", stderr);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        struct product *p = &v[i];
        p->price = products[i].price;
        snprintf(p->currency, sizeof p->currency, "USD");
        snprintf(p->sku, sizeof p->sku, "%s", products[i].sku);
        snprintf(p->name, sizeof p->name, "%s", products[i].name);
        snprintf(p->description, sizeof p->description, "%s", products[i].description);
    }
    rc = products_demo(st, &wh, v, n, a.force, &e);
    free(v);
    if (!rc)
        rc = demo_inventory(st, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: demo loaded: location WH1, %zu products, %zu positions\n",
            sizeof products / sizeof products[0], sizeof rows / sizeof rows[0]);
    return 0;
}

static const char user_usage[] =
    "usage: sellahead user add|passwd|remove NAME [--db D]\n"
    "       sellahead user list [--db D]\n"
    "\n"
    "Manages the merchant console's users (log in at /admin).\n"
    "  add NAME      creates a user\n"
    "  passwd NAME   sets a new password; the user's console sessions end\n"
    "  remove NAME   removes the user; their console sessions end\n"
    "  list          prints the users as JSON: {\"items\": [{\"name\": ..., \"createdAt\": ...}]}\n"
    "The password (at least 8 characters) is read from the terminal without echo and asked\n"
    "twice; when standard input is not a terminal, it is its first line:\n"
    "  printf '%s\\n' \"$PASSWORD\" | sellahead user add merchant\n"
    "Only an Argon2id hash of it is stored.\n";

#define PASSWORD_MAX 1024

static struct termios saved_tty;

/* Ctrl-C at the prompt must not leave the terminal without echo. */
static void restore_tty(int sig)
{
    tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Reads one line into pw (newline removed); on a terminal, after a prompt and without echo.
 * Echo goes off before the prompt shows and nothing typed is flushed, so a line typed as
 * soon as the prompt appears is neither echoed nor lost. */
static int read_line(const char *prompt, bool tty, char pw[PASSWORD_MAX])
{
    bool quiet = tty && tcgetattr(STDIN_FILENO, &saved_tty) == 0;
    if (quiet) {
        struct termios t = saved_tty;
        t.c_lflag &= ~(tcflag_t)ECHO;
        t.c_lflag |= ECHONL;
        signal(SIGINT, restore_tty);
        signal(SIGTERM, restore_tty);
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
    if (tty)
        fputs(prompt, stderr);
    bool got = fgets(pw, PASSWORD_MAX, stdin) != NULL;
    if (quiet) {
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
    if (!got) {
        fputs("sellahead: no password given\n", stderr);
        return 1;
    }
    size_t len = strcspn(pw, "\r\n");
    if (!pw[len] && !feof(stdin)) {
        fprintf(stderr, "sellahead: the password must be under %d characters\n", PASSWORD_MAX);
        return 1;
    }
    pw[len] = '\0';
    return 0;
}

/* Asks for a password (twice on a terminal) and hashes it into hash. */
static int ask_password(const char *name, char hash[crypto_pwhash_STRBYTES])
{
    char pw[PASSWORD_MAX], again[PASSWORD_MAX], prompt[128];
    bool tty = isatty(STDIN_FILENO);
    snprintf(prompt, sizeof prompt, "password for %s: ", name);
    int rc = read_line(prompt, tty, pw);
    if (!rc && strlen(pw) < 8) {
        fputs("sellahead: the password must be at least 8 characters\n", stderr);
        rc = 1;
    }
    if (!rc && tty && !(rc = read_line("the same password again: ", tty, again)) &&
        strcmp(pw, again)) {
        fputs("sellahead: the two passwords differ; nothing was changed\n", stderr);
        rc = 1;
    }
    if (!rc && crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                 crypto_pwhash_MEMLIMIT_INTERACTIVE)) {
        fputs("sellahead: out of memory while hashing the password\n", stderr);
        rc = 1;
    }
    sodium_memzero(pw, sizeof pw);
    sodium_memzero(again, sizeof again);
    return rc;
}

int cli_user(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", user_usage, &a);
    if (rc || a.help)
        return rc;
    const char *verb = a.npos ? a.pos[0] : "";
    bool list = !strcmp(verb, "list");
    bool known = list || !strcmp(verb, "add") || !strcmp(verb, "passwd") ||
                 !strcmp(verb, "remove");
    if (!known || a.npos != (list ? 1 : 2) || (!list && !*a.pos[1])) {
        fputs(user_usage, stderr);
        return 2;
    }
    const char *name = list ? "" : a.pos[1];
    if (strlen(name) > ID_MAX) {
        fprintf(stderr, "sellahead: NAME must be 1 to %d characters\n", ID_MAX);
        return 1;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    char hash[crypto_pwhash_STRBYTES];
    bool add = !strcmp(verb, "add");
    if (add || !strcmp(verb, "passwd")) {
        /* Before asking for a password: whether the user exists (passwd) or not (add). */
        rc = users_hash(st, name, hash, sizeof hash, &e);
        if (add)
            rc = rc == ERR_NOTFOUND ? 0
                 : rc               ? rc
                                    : err_set(&e, ERR_CONFLICT, "user %s already exists", name);
        if (rc)
            fprintf(stderr, "sellahead: %s\n", e.msg);
        if (rc || ask_password(name, hash)) {
            store_close(st);
            return 1;
        }
    }
    if (list)
        return list_named(st, users_list);
    rc = add                       ? users_add(st, name, hash, &e)
         : !strcmp(verb, "passwd") ? users_passwd(st, name, hash, &e)
                                   : users_remove(st, name, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: user %s %s\n", name,
            add                       ? "created; log in at /admin"
            : !strcmp(verb, "passwd") ? "has a new password; their console sessions ended"
                                      : "removed; their console sessions ended");
    return 0;
}

static const char check_usage[] =
    "usage: sellahead check [--db D]\n"
    "\n"
    "Verifies the invariants: each position's allocatedQuantity equals the units of its open\n"
    "shipments, no quantity is negative, captures never exceed authorizations, every order\n"
    "has its confirmation email, and the payment ledger (payment.events) adds up: captured\n"
    "minus refunded never above authorized, each kind's events sum to the order's figures.\n"
    "Exit code 1 with a report when one is broken.\n";

static int print_problem(void *ctx, const char *problem)
{
    (void)ctx;
    printf("- %s\n", problem);
    return 0;
}

int cli_check(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", check_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos) {
        fputs(check_usage, stderr);
        return 2;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    size_t problems = 0;
    rc = check_run(st, print_problem, NULL, &problems, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    if (problems) {
        printf("%zu problem%s found\n", problems, problems == 1 ? "" : "s");
        return 1;
    }
    printf("ok: all invariants hold\n");
    return 0;
}

static const char migrate_usage[] =
    "usage: sellahead migrate --from DB --to DB\n"
    "\n"
    "Copies a whole database into another, empty one, in one transaction: typically a\n"
    "SQLite file into PostgreSQL when one machine is not enough:\n"
    "  sellahead migrate --from shop.db --to postgresql://user@host/sellahead\n"
    "Stop the servers using the source first; check the copy with `sellahead check`.\n";

int cli_migrate(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "from to", migrate_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos || !a.from || !a.to) {
        fputs(migrate_usage, stderr);
        return 2;
    }
    struct store *from, *to;
    err_t e;
    if (store_open(a.from, &from, &e)) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    if (store_open(a.to, &to, &e)) {
        store_close(from);
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    size_t copied = 0;
    rc = store_copy(from, to, &copied, &e);
    store_close(from);
    store_close(to);
    if (rc) {
        fprintf(stderr, "sellahead: migration failed, nothing was written: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: copied %zu rows\n", copied);
    return 0;
}

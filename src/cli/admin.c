/* Administration commands: API keys and the demo data. */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/import.h"
#include "util/apikey.h"

static const char apikey_usage[] =
    "usage: sellahead apikey create NAME [--db D]\n"
    "\n"
    "Creates an API key for the key-protected endpoints and prints it alone on one line.\n"
    "It is shown once; only its hash is stored. Send it as Authorization: Bearer <key>.\n";

int cli_apikey(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", apikey_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 2 || strcmp(a.pos[0], "create") || !*a.pos[1]) {
        fputs(apikey_usage, stderr);
        return 2;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    char key[APIKEY_MAX];
    err_t e;
    rc = apikey_create(st, a.pos[1], key, &e);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    printf("%s\n", key);
    return 0;
}

static const char demo_usage[] =
    "usage: sellahead demo [--db D]\n"
    "\n"
    "Loads a demo catalog, location WH1 and inventory covering every availability case:\n"
    "in stock, in stock plus a purchase order, two purchase orders, backorder without a\n"
    "date, a stock date in the past, and out of stock. Dates are relative to today.\n";

struct demo_product {
    const char *sku, *name, *description;
    long long price;
};

static const struct demo_product products[] = {
    {"TSHIRT1", "Organic cotton T-shirt", "In stock, with more on a purchase order.", 2500},
    {"HOODIE2", "Heavyweight hoodie", "Sold ahead on backorder, no date yet.", 6500},
    {"MUG3", "Stoneware mug", "In stock.", 1800},
    {"CAP4", "Canvas cap", "Pre-order: two purchase orders with different dates.", 2200},
    {"SOCKS5", "Merino socks", "Sold out.", 1500},
    {"BOTTLE6", "Steel water bottle", "Pre-order whose stock date has passed.", 3000},
    {"TOTE7", "Canvas tote bag", "A few in stock, then backorder.", 2000},
    {"JACKET8", "Rain jacket", "Pre-order arriving in three weeks.", 12000},
    {"SCARF9", "Wool scarf", "In stock.", 3500},
    {"BEANIE10", "Knit beanie", "Not stocked yet.", 1900},
    {"POSTER11", "Art print poster", "In stock, some reserved by another channel.", 1200},
    {"NOTEBOOK12", "Dot-grid notebook", "Three left, more arriving next week.", 1400},
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

/* The demo goes through the same import rules as a merchant's file. */
static int demo_inventory(struct store *st, err_t *e)
{
    struct import_opts o = {IMPORT_API, NULL, NULL, NULL, NULL};
    struct importer *im;
    struct import_job job = {0};
    int rc = importer_begin(st, &o, &im, &job, e);
    if (rc)
        return rc < 0 ? rc : 0;
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
        if ((rc = importer_row(im, (int64_t)i + 1, vals, e))) {
            importer_abort(im);
            return rc;
        }
    }
    rc = importer_finish(im, &job, e);
    if (!rc && job.status != IMPORT_COMPLETED)
        rc = err_set(e, ERR_INVALID, "the demo inventory was refused: %s",
                     job.nerrors ? job.errors[0].message : "unknown error");
    import_job_free(&job);
    return rc;
}

int cli_demo(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", demo_usage, &a);
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
    struct location wh = {"WH1", "Main warehouse"};
    rc = st->ops->begin(st, true, &e);
    if (!rc && (rc = st->ops->location_add(st, &wh, &e)) == ERR_CONFLICT)
        rc = 0; /* loading the demo twice refreshes it */
    for (size_t i = 0; !rc && i < sizeof products / sizeof products[0]; i++) {
        struct product p = {.price = products[i].price, .currency = "USD"};
        snprintf(p.sku, sizeof p.sku, "%s", products[i].sku);
        snprintf(p.name, sizeof p.name, "%s", products[i].name);
        snprintf(p.description, sizeof p.description, "%s", products[i].description);
        rc = st->ops->product_upsert(st, &p, &e);
    }
    if (!rc)
        rc = st->ops->commit(st, &e);
    if (!rc)
        rc = demo_inventory(st, &e);
    st->ops->rollback(st);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: demo loaded: location WH1, %zu products, %zu positions\n",
            sizeof products / sizeof products[0], sizeof rows / sizeof rows[0]);
    return 0;
}

static const char user_usage[] =
    "usage: sellahead user add NAME [--db D]\n"
    "\n"
    "Creates a merchant console user. The password is read from standard input (one line,\n"
    "at least 8 characters) and stored as an Argon2id hash.\n";

int cli_user(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", user_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos != 2 || strcmp(a.pos[0], "add") || !*a.pos[1] || strlen(a.pos[1]) > 64) {
        fputs(user_usage, stderr);
        return 2;
    }
    char pw[1024];
    if (isatty(STDIN_FILENO))
        fputs("password: ", stderr);
    if (!fgets(pw, sizeof pw, stdin)) {
        fputs("sellahead: no password on standard input\n", stderr);
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    if (strlen(pw) < 8) {
        sodium_memzero(pw, sizeof pw);
        fputs("sellahead: the password must be at least 8 characters\n", stderr);
        return 1;
    }
    char hash[crypto_pwhash_STRBYTES];
    rc = crypto_pwhash_str(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sodium_memzero(pw, sizeof pw);
    if (rc) {
        fputs("sellahead: out of memory while hashing the password\n", stderr);
        return 1;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    err_t e;
    rc = st->ops->user_add(st, a.pos[1], hash, &e);
    st->ops->close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: user %s created\n", a.pos[1]);
    return 0;
}

static const char check_usage[] =
    "usage: sellahead check [--db D]\n"
    "\n"
    "Verifies the invariants: each position's allocatedQuantity equals the units of its open\n"
    "shipments, no quantity is negative, captures never exceed authorizations, every order\n"
    "has its confirmation email. Exit code 1 with a report when one is broken.\n";

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
    /* One read transaction: the checks see one consistent state. */
    rc = st->ops->begin(st, false, &e);
    if (!rc)
        rc = st->ops->check(st, print_problem, NULL, &problems, &e);
    st->ops->rollback(st);
    st->ops->close(st);
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
        from->ops->close(from);
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    size_t copied = 0;
    rc = store_copy(from, to, &copied, &e);
    from->ops->close(from);
    to->ops->close(to);
    if (rc) {
        fprintf(stderr, "sellahead: migration failed, nothing was written: %s\n", e.msg);
        return 1;
    }
    fprintf(stderr, "sellahead: copied %zu rows\n", copied);
    return 0;
}

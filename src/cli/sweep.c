/* sellahead sweep: the promise sweep once (SPEC 5.8), what changed as JSON. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "app/delays.h"
#include "cli/cli.h"
#include "view/view.h"

static const char sweep_usage[] =
    "usage: sellahead sweep [--db D]\n"
    "\n"
    "Runs the promise sweep once, as the server does at start and every sweepMinutes:\n"
    "shipments whose purchase order's stock date has passed become overdue (and are\n"
    "re-planned and delayed once), PENDING delays whose answer date has passed become\n"
    "IMPLIED where silence counts as consent, and shipments whose required answer did not\n"
    "come are cancelled. Prints what changed as JSON. Running it again on the same date\n"
    "changes nothing. The business date is today's UTC date, or $SELLAHEAD_TODAY.\n";

static const char *action_name(int a)
{
    return a == REPLAN_OVERDUE ? "OVERDUE" : a == REPLAN_IMPLIED ? "IMPLIED" : "CANCELLED";
}

int cli_sweep(int argc, char **argv)
{
    struct cli_args a;
    int rc = cli_parse(argc, argv, "db", sweep_usage, &a);
    if (rc || a.help)
        return rc;
    if (a.npos) {
        fputs(sweep_usage, stderr);
        return 2;
    }
    struct store *st;
    if (cli_store(&a, &st))
        return 1;
    struct sweep_result r;
    err_t e = {0};
    rc = delays_sweep(st, &r, &e);
    store_close(st);
    if (rc) {
        fprintf(stderr, "sellahead: %s\n", e.msg);
        return 1;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < r.events.n; i++)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "id", r.events.v[i].shipment_id,
                                              "orderId", r.events.v[i].order_id, "action",
                                              action_name(r.events.v[i].action)));
    json_t *doc = json_pack("{s:o, s:b, s:I, s:I, s:I, s:o}", "date", view_date(r.day),
                            "skipped", r.skipped, "overdue", (json_int_t)r.overdue, "implied",
                            (json_int_t)r.implied, "cancelled", (json_int_t)r.cancelled,
                            "shipments", list);
    delays_sweep_free(&r);
    char *text = json_dumps(doc, JSON_INDENT(2));
    json_decref(doc);
    if (text)
        puts(text);
    free(text);
    return text ? 0 : 1;
}

#include "view/view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int view_item_load(struct store *st, const char *sku, int64_t channel,
                   const struct settings *s, date_t today, struct item *out, err_t *e)
{
    memset(out, 0, sizeof *out);
    snprintf(out->sku, sizeof out->sku, "%s", sku);
    int rc = store_positions_by_sku(st, sku, &out->positions, e);
    if (!rc && out->positions.n == 0)
        rc = store_sku_exists(st, sku, &out->found, e);
    else
        out->found = true;
    if (rc) {
        view_item_free(out);
        return rc;
    }
    position_sort(out->positions.v, out->positions.n);
    out->positions.n = position_for_channel(out->positions.v, out->positions.n, channel);
    promise_availability(out->positions.v, out->positions.n, s, today, &out->avail);
    return 0;
}

void view_item_free(struct item *it)
{
    position_list_free(&it->positions);
}

json_t *view_date(date_t d)
{
    if (d == DATE_NONE)
        return json_null();
    char buf[DATE_STRLEN];
    date_format(d, buf);
    return json_string(buf);
}

json_t *view_range(const struct range *r)
{
    return json_pack("{s:o, s:o, s:s}", "from", view_date(r->from), "to", view_date(r->to),
                     "message", r->message);
}

static json_t *view_position(const struct position *p)
{
    json_t *o = json_pack("{s:s, s:s}", "locationId", p->location_id, "stockType",
                          position_stock_type_name(p->stock_type));
    if (p->stock_type == STOCK_INTRANSIT) {
        json_object_set_new(o, "transitRef", json_string(p->transit_ref));
        json_object_set_new(o, "transitOrderDate", view_date(p->order_date));
        json_object_set_new(o, "transitStockDate", view_date(p->stock_date));
    }
    /* SPEC 9: only a position with a channel names it (none serves every channel). */
    if (p->channel_id)
        json_object_set_new(o, "channelId", json_integer(p->channel_id));
    json_object_set_new(o, "quantity", json_integer(p->quantity));
    json_object_set_new(o, "reservedQuantity", json_integer(p->reserved));
    json_object_set_new(o, "allocatedQuantity", json_integer(p->allocated));
    json_object_set_new(o, "available", json_integer(position_available(p)));
    json_object_set_new(o, "oversold", json_boolean(position_oversold(p)));
    return o;
}

json_t *view_positions(const struct item *it)
{
    json_t *pos = json_array();
    for (size_t i = 0; i < it->positions.n; i++)
        json_array_append_new(pos, view_position(&it->positions.v[i]));
    return pos;
}

json_t *view_promise(const struct position *v, size_t n, int64_t quantity,
                     const struct settings *s, date_t today)
{
    struct allocation *alloc = calloc(n ? n : 1, sizeof *alloc);
    if (!alloc)
        return NULL;
    bool ok;
    size_t na = promise_allocate(v, n, quantity, alloc, &ok);
    json_t *list = json_array();
    for (size_t i = 0; i < na; i++) {
        const struct position *p = &v[alloc[i].pos];
        struct range r;
        promise_range(p, s, today, &r);
        json_t *a = json_pack("{s:I, s:s, s:s}", "quantity", (json_int_t)alloc[i].quantity,
                              "stockType", position_stock_type_name(p->stock_type),
                              "locationId", p->location_id);
        if (p->stock_type == STOCK_INTRANSIT) {
            json_object_set_new(a, "transitRef", json_string(p->transit_ref));
            json_object_set_new(a, "stockDate", view_date(p->stock_date));
        }
        json_object_set_new(a, "expectedDelivery", view_range(&r));
        json_array_append_new(list, a);
    }
    free(alloc);
    return json_pack("{s:I, s:b, s:o}", "quantity", (json_int_t)quantity, "fulfillable", ok,
                     "allocations", list);
}

json_t *view_item(const struct item *it, int64_t quantity, const struct settings *s,
                  date_t today)
{
    const struct availability *a = &it->avail;
    json_t *doc = json_pack("{s:s, s:s, s:b, s:b, s:I, s:I, s:I, s:o, s:b}", "sku", it->sku,
                            "status", promise_status_name(a->status), "inStock", a->in_stock,
                            "backorder", a->backorder, "availableStockQuantity",
                            (json_int_t)a->available_stock, "availableTransitQuantity",
                            (json_int_t)a->available_transit, "availableTotal",
                            (json_int_t)a->available_total, "stockDate",
                            view_date(a->stock_date), "addToCart", a->add_to_cart);
    if (!doc)
        return NULL;
    if (!it->found)
        json_object_set_new(doc, "found", json_false());
    json_object_set_new(doc, "lowStock", json_boolean(a->low_stock));
    json_object_set_new(doc, "expectedDelivery",
                        a->has_expected ? view_range(&a->expected) : json_null());
    json_object_set_new(doc, "positions", view_positions(it));
    if (quantity > 0)
        json_object_set_new(doc, "promise", view_promise(it->positions.v, it->positions.n,
                                                         quantity, s, today));
    return doc;
}

json_t *view_job(const struct import_job *job, bool with_errors)
{
    json_t *o = json_pack(
        "{s:s, s:s, s:o, s:s, s:I, s:I, s:I}", "id", job->id, "source",
        job->source == IMPORT_API ? "api" : "csv", "fileName",
        job->file_name[0] ? json_string(job->file_name) : json_null(), "status",
        job->status == IMPORT_COMPLETED ? "COMPLETED" : "FAILED", "totalRows",
        (json_int_t)job->total_rows, "rowsApplied", (json_int_t)job->rows_applied,
        "totalRowsErrors", (json_int_t)job->total_errors);
    if (with_errors) {
        json_t *errs = json_array();
        for (size_t i = 0; i < job->nerrors; i++) {
            const struct import_error *ie = &job->errors[i];
            json_array_append_new(
                errs, json_pack("{s:I, s:o, s:o, s:s}", "line", (json_int_t)ie->line, "column",
                                ie->col >= 0
                                    ? json_string(import_column_name(job->source, ie->col))
                                    : json_null(),
                                "value", ie->has_value ? json_string(ie->value) : json_null(),
                                "message", ie->message));
        }
        json_object_set_new(o, "errors", errs);
        json_t *warns = json_array();
        for (size_t i = 0; i < job->nwarnings; i++)
            json_array_append_new(warns, json_pack("{s:s, s:s}", "sku", job->warnings[i].sku,
                                                   "message", job->warnings[i].message));
        json_object_set_new(o, "warnings", warns);
        json_object_set_new(o, "totalWarnings", json_integer(job->total_warnings));
    }
    /* Product and inventory jobs share one history; kind tells them apart. */
    json_object_set_new(o, "kind",
                        json_string(job->source == IMPORT_PRODUCTS ? "products" : "inventory"));
    json_object_set_new(o, "createdAt", json_string(job->created_at));
    json_object_set_new(o, "finishedAt", json_string(job->finished_at));
    return o;
}

json_t *view_settings(const struct settings *s)
{
    json_t *hol = json_array();
    for (size_t i = 0; i < s->nholidays; i++)
        json_array_append_new(hol, view_date(s->holidays[i]));
    return json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:s, s:b, s:o, s:s, s:s, s:s, s:s, s:i, "
                     "s:i, s:i, s:i}",
                     "inStockMinDays", s->in_stock_min_days, "inStockMaxDays",
                     s->in_stock_max_days, "preorderBufferMinDays",
                     s->preorder_buffer_min_days, "preorderBufferMaxDays",
                     s->preorder_buffer_max_days, "backorderMinDays", s->backorder_min_days,
                     "backorderMaxDays", s->backorder_max_days, "backorderMessage",
                     s->backorder_message, "businessDays", s->business_days, "holidays", hol,
                     "captureOn", settings_capture_name(s->capture_on), "storeName",
                     s->store_name, "fromEmail", s->from_email, "publicUrl", s->public_url,
                     "authorizationValidDays", s->authorization_valid_days,
                     "impliedConsentDays", s->implied_consent_days, "consentWindowDays",
                     s->consent_window_days, "sweepMinutes", s->sweep_minutes);
}

json_t *view_product(const struct product *p, const struct item *it)
{
    json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s, s:s}", "sku", p->sku, "name", p->name,
                          "price", (json_int_t)p->price, "currency", p->currency,
                          "description", p->description, "imageUrl", p->image_url);
    json_object_set_new(o, "itemId", p->item_id ? json_integer(p->item_id) : json_null());
    if (it) {
        const struct availability *a = &it->avail;
        json_object_set_new(o, "status", json_string(promise_status_name(a->status)));
        json_object_set_new(o, "addToCart", json_boolean(a->add_to_cart));
        json_object_set_new(o, "availableTotal", json_integer(a->available_total));
        /* As in 5.1: a dated first unit is a pre-order, an undated one a backorder. */
        json_object_set_new(o, "stockDate",
                            a->stock_date != DATE_NONE ? view_date(a->stock_date) : json_null());
        json_object_set_new(o, "expectedDelivery",
                            a->has_expected ? view_range(&a->expected) : json_null());
    }
    return o;
}

json_t *view_location(const struct location *l)
{
    return json_pack("{s:s, s:s}", "locationId", l->id, "name", l->name);
}

int view_print(json_t *doc)
{
    int rc = doc && json_dumpf(doc, stdout, JSON_COMPACT) == 0 && fputc('\n', stdout) != EOF
                 ? 0
                 : ERR_IO;
    json_decref(doc);
    return rc;
}

static const char *consent_name(int c)
{
    static const char *const names[] = {"NONE", "PENDING", "ACCEPTED", "DECLINED", "IMPLIED"};
    return c >= 0 && c < (int)(sizeof names / sizeof names[0]) ? names[c] : "NONE";
}

json_t *view_delay(const struct shipment_rec *sh)
{
    const struct shipment_delay *d = &sh->delay;
    if (d->st.consent == CONSENT_NONE)
        return json_null();
    /* An undated range has no from either. */
    date_t from = d->st.expected_to == DATE_NONE ? DATE_NONE : d->expected_from;
    return json_pack("{s:o, s:{s:o, s:o}, s:{s:o, s:o}, s:s, s:o, s:b}", "detectedAt",
                     view_date(d->detected), "previous", "from", view_date(d->previous_from),
                     "to", view_date(d->previous_to), "expected", "from", view_date(from), "to",
                     view_date(d->st.expected_to), "consent", consent_name(d->st.consent),
                     "respondBy", view_date(d->st.respond_by), "consentRequired",
                     d->st.consent_required);
}

json_t *view_shipment(const struct shipment_rec *sh)
{
    json_t *o = json_pack("{s:s, s:s, s:s}", "id", sh->id, "status",
                          order_shipment_status_name(sh->status), "stockType",
                          position_stock_type_name(sh->stock_type));
    /* Unsourced units have no source yet (SPEC 5.7 rule 3). */
    if (sh->stock_type == STOCK_UNSOURCED) {
        json_object_set_new(o, "locationId", json_null());
        json_object_set_new(o, "transitRef", json_null());
        json_object_set_new(o, "stockDate", json_null());
    } else {
        json_object_set_new(o, "locationId", json_string(sh->location_id));
    }
    if (sh->stock_type == STOCK_INTRANSIT) {
        json_object_set_new(o, "transitRef", json_string(sh->transit_ref));
        json_object_set_new(o, "stockDate", view_date(sh->stock_date));
    }
    json_t *lines = json_array();
    for (size_t i = 0; i < sh->nitems; i++)
        json_array_append_new(lines, json_pack("{s:s, s:I}", "sku", sh->items[i].sku,
                                               "quantity", (json_int_t)sh->items[i].quantity));
    json_object_set_new(o, "lines", lines);
    json_object_set_new(o, "amount", json_integer(sh->amount));
    json_object_set_new(o, "promisedDelivery", view_range(&sh->promised));
    if (sh->payment_required) /* its re-authorization was declined: a new card is needed */
        json_object_set_new(o, "paymentRequired", json_true());
    json_object_set_new(o, "expectedDelivery", view_range(&sh->expected));
    json_object_set_new(o, "overdue", json_boolean(sh->overdue));
    json_object_set_new(o, "delay", view_delay(sh));
    json_object_set_new(o, "trackingNumber",
                        sh->tracking_number[0] ? json_string(sh->tracking_number) : json_null());
    json_object_set_new(o, "shippedAt",
                        sh->shipped_at[0] ? json_string(sh->shipped_at) : json_null());
    return o;
}

json_t *view_order(const struct order_rec *o, bool with_token)
{
    char number[24];
    snprintf(number, sizeof number, "%lld", (long long)o->number);
    json_t *doc = json_pack("{s:s, s:s}", "id", o->id, "number", number);
    if (with_token)
        json_object_set_new(doc, "accessToken", json_string(o->access_token));
    json_object_set_new(doc, "status", json_string(order_status_name(o->status)));
    json_object_set_new(doc, "email", json_string(o->email));
    json_object_set_new(doc, "currency", json_string(o->currency));
    json_object_set_new(doc, "total", json_integer(o->total));
    json_object_set_new(doc, "channelId",
                        o->channel_id ? json_integer(o->channel_id) : json_null());
    json_t *lines = json_array();
    for (size_t i = 0; i < o->nlines; i++) {
        const struct order_line *l = &o->lines[i];
        json_array_append_new(lines, json_pack("{s:s, s:s, s:I, s:I, s:I}", "sku", l->sku,
                                               "name", l->name, "quantity",
                                               (json_int_t)l->quantity, "unitPrice",
                                               (json_int_t)l->unit_price, "amount",
                                               (json_int_t)l->amount));
    }
    json_object_set_new(doc, "lines", lines);
    json_t *ships = json_array();
    for (size_t i = 0; i < o->nshipments; i++)
        json_array_append_new(ships, view_shipment(&o->shipments[i]));
    json_object_set_new(doc, "shipments", ships);
    const struct payment *p = &o->payment;
    json_object_set_new(doc, "payment",
                        json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "provider", p->provider,
                                  "status", order_payment_status_name(p->status), "authorized",
                                  (json_int_t)p->authorized, "captured",
                                  (json_int_t)p->captured, "voided", (json_int_t)p->voided,
                                  "refunded", (json_int_t)p->refunded));
    /* The ledger: every provider call, with its outcome (PENDING until it is known). */
    json_t *events = json_array();
    for (size_t i = 0; i < o->nevents; i++) {
        const struct pay_intent *in = &o->events[i];
        json_array_append_new(events, json_pack("{s:s, s:I, s:s, s:s}", "kind",
                                                intent_kind_name(in->kind), "amount",
                                                (json_int_t)in->amount, "status",
                                                intent_status_name(in->status), "at", in->at));
    }
    json_object_set_new(json_object_get(doc, "payment"), "events", events);
    const struct address *a = &o->address;
    json_object_set_new(doc, "shippingAddress",
                        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "name", a->name, "line1",
                                  a->line1, "line2", a->line2, "city", a->city, "postalCode",
                                  a->postal_code, "country", a->country));
    json_object_set_new(doc, "createdAt", json_string(o->created_at));
    return doc;
}

json_t *view_email(const struct email *m)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:s}", "id", m->id, "kind",
                     m->kind, "orderId", m->order_id, "to", m->to, "subject", m->subject,
                     "status", email_status_name(m->status), "attempts", m->attempts,
                     "lastError", m->last_error[0] ? json_string(m->last_error) : json_null(),
                     "createdAt", m->created_at);
}

static json_t *limit_value(bool has, int64_t v)
{
    return has ? json_integer(v) : json_null();
}

json_t *view_limits(const struct limits *l)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "safetyStock",
                     limit_value(l->has_safety_stock, l->safety_stock), "preorderLimit",
                     limit_value(l->has_preorder_limit, l->preorder_limit), "backorderLimit",
                     limit_value(l->has_backorder_limit, l->backorder_limit), "lowStock",
                     limit_value(l->has_low_stock, l->low_stock));
}

json_t *view_item_limits(const struct item *it)
{
    json_t *list = json_array();
    const struct position *v = it->positions.v;
    const char *done[64]; /* locations listed; an item has a few */
    size_t ndone = 0;
    for (size_t i = 0; i < it->positions.n; i++) {
        const struct limits *l = &v[i].lim;
        if (!l->has_safety_stock && !l->has_preorder_limit && !l->has_backorder_limit &&
            !l->has_low_stock)
            continue;
        bool seen = false;
        for (size_t k = 0; k < ndone && !seen; k++)
            seen = !strcmp(done[k], v[i].location_id);
        if (seen || ndone == sizeof done / sizeof done[0])
            continue;
        done[ndone++] = v[i].location_id;
        json_t *o = view_limits(l);
        json_object_set_new(o, "locationId", json_string(v[i].location_id));
        json_array_append_new(list, o);
    }
    return list;
}

/* Merchant settings: a public subset for storefronts, a partial update for merchants. */
#include <string.h>

#include "app/settings.h"
#include "http/routes.h"
#include "view/view.h"

void h_settings_get(struct http_req *r, struct http_resp *out)
{
    err_t e;
    struct settings s;
    if (http_settings(r, &s, &e)) {
        http_fail(out, &e);
        return;
    }
    json_t *doc = view_settings(&s);
    /* The sender address is the merchant's business, not the storefront's. */
    if (!http_has_key(r))
        json_object_del(doc, "fromEmail");
    http_json(out, 200, doc);
}

static int set_text(json_t *v, char *dst, size_t cap)
{
    if (!json_is_string(v) || json_string_length(v) >= cap ||
        strlen(json_string_value(v)) != json_string_length(v))
        return -1;
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return 0;
}

/* Applies one field of the body; a message on failure, NULL when it applied. */
static const char *apply(struct settings *s, const char *key, json_t *v)
{
    int *day = settings_day(s, key);
    if (day) {
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 365)
            return "must be a whole number of days between 0 and 365";
        *day = (int)json_integer_value(v);
        return NULL;
    }
    if (!strcmp(key, "backorderMessage"))
        return set_text(v, s->backorder_message, sizeof s->backorder_message)
                   ? "must be a string of at most 500 characters"
                   : NULL;
    if (!strcmp(key, "storeName"))
        return set_text(v, s->store_name, sizeof s->store_name) || !s->store_name[0]
                   ? "must be a non-empty string of at most 500 characters"
                   : NULL;
    if (!strcmp(key, "fromEmail"))
        return set_text(v, s->from_email, sizeof s->from_email) || !strchr(s->from_email, '@')
                   ? "must be an email address"
                   : NULL;
    if (!strcmp(key, "publicUrl"))
        return set_text(v, s->public_url, sizeof s->public_url)
                   ? "must be an absolute http(s) URL of at most 500 characters"
                   : NULL;
    if (!strcmp(key, "businessDays")) {
        if (!json_is_boolean(v))
            return "must be true or false";
        s->business_days = json_is_true(v);
        return NULL;
    }
    int min, max, *count = settings_count(s, key, &min, &max);
    if (count) {
        if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
            return max == 365 ? "must be a whole number of days between 0 and 365"
                              : "must be a whole number of minutes between 1 and 1440";
        *count = (int)json_integer_value(v);
        return NULL;
    }
    if (!strcmp(key, "captureOn"))
        return !json_is_string(v) || settings_capture_parse(json_string_value(v), &s->capture_on)
                   ? "must be \"shipment\" or \"order\""
                   : NULL;
    if (!strcmp(key, "holidays")) {
        if (!json_is_array(v) || json_array_size(v) > SETTINGS_MAX_HOLIDAYS)
            return "must be a list of at most 400 dates (YYYY-MM-DD)";
        size_t i;
        json_t *d;
        s->nholidays = 0;
        json_array_foreach(v, i, d) {
            if (!json_is_string(d) ||
                date_parse(json_string_value(d), json_string_length(d), &s->holidays[i]))
                return "must be a list of real dates written YYYY-MM-DD";
            s->nholidays++;
        }
        return NULL;
    }
    return "is not a setting";
}

/* Applies the body's fields; a field that does not apply names itself (ctx->field). */
struct edit {
    json_t *body;
    const char *field;
};

static int edit_settings(void *ctx, struct settings *s, err_t *e)
{
    struct edit *ed = ctx;
    const char *key;
    json_t *v;
    json_object_foreach(ed->body, key, v) {
        const char *msg = apply(s, key, v);
        if (msg) {
            char text[300];
            snprintf(text, sizeof text, "%s %s", key, msg);
            ed->field = key;
            return err_set(e, ERR_INVALID, "%s", text);
        }
    }
    return 0;
}

void h_settings_put(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    if (!json_is_object(body)) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED", "the body must be a JSON object",
                   NULL);
        return;
    }
    err_t e;
    struct settings s;
    struct edit ed = {body, NULL};
    int rc = settings_update(r->st, edit_settings, &ed, &s, &e);
    if (rc == ERR_INVALID) {
        /* The message starts with the field's name: the console marks that field. */
        json_t *details = ed.field
                              ? json_pack("[{s:s, s:s}]", "field", ed.field, "message", e.msg)
                              : json_pack("[{s:s#, s:s}]", "field", e.msg,
                                          (int)strcspn(e.msg, " "), "message", e.msg);
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED", e.msg, details);
        return;
    }
    json_decref(body);
    if (rc) {
        http_fail(out, &e);
        return;
    }
    http_json(out, 200, view_settings(&s));
}

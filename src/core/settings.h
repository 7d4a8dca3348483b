/* Merchant settings (SPEC 5.6): delivery buffers, calendar, capture policy, store identity. */
#ifndef SELLAHEAD_SETTINGS_H
#define SELLAHEAD_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/date.h"
#include "core/err.h"

#define SETTINGS_MAX_HOLIDAYS 400
#define SETTINGS_TEXT_MAX 512

enum capture_on { CAPTURE_SHIPMENT = 0, CAPTURE_ORDER = 1 };

struct settings {
    int in_stock_min_days, in_stock_max_days;
    int preorder_buffer_min_days, preorder_buffer_max_days;
    int backorder_min_days, backorder_max_days;
    char backorder_message[SETTINGS_TEXT_MAX];
    bool business_days;
    date_t holidays[SETTINGS_MAX_HOLIDAYS]; /* sorted, unique */
    size_t nholidays;
    int capture_on;
    char store_name[SETTINGS_TEXT_MAX];
    char from_email[SETTINGS_TEXT_MAX];
    /* The storefront's address for links in emails, no trailing slash. settings_defaults
     * fills in the process's default (settings_default_port); stores keep only a value that
     * differs from it, so a store that never set one follows the server's port. */
    char public_url[SETTINGS_TEXT_MAX];
    /* How many days a card authorization holds; a capture after that re-authorizes. */
    int authorization_valid_days;
    /* Delays (SPEC 5.8): silence is consent when the new date is at most this many days
     * past the accepted one; the shopper has this many days to answer; the promise sweep
     * runs every sweep_minutes. */
    int implied_consent_days;
    int consent_window_days;
    int sweep_minutes;
};

#define SETTINGS_DAYS 6
/* The day buffers' names as the API spells them, in SPEC order. */
extern const char *const settings_day_names[SETTINGS_DAYS];
/* The day buffer with that name, or NULL. */
int *settings_day(struct settings *s, const char *name);

/* The other whole-number settings, by API name: authorizationValidDays,
 * impliedConsentDays, consentWindowDays, sweepMinutes. */
#define SETTINGS_COUNTS 4
extern const char *const settings_count_names[SETTINGS_COUNTS];
/* The field with that name, or NULL; *min and *max (when not NULL) its bounds. */
int *settings_count(struct settings *s, const char *name, int *min, int *max);

void settings_defaults(struct settings *s);
/* Checks min <= max and 0..365 for every buffer; sorts and de-duplicates holidays. An
 * error message starts with the name of the field at fault (its API name). */
int settings_validate(struct settings *s, err_t *e);
struct calendar settings_calendar(const struct settings *s);
const char *settings_capture_name(int capture_on);
/* "shipment" / "order" -> enum; ERR_INVALID otherwise. */
int settings_capture_parse(const char *name, int *out);

/* The port the default publicUrl (http://127.0.0.1:<port>) names: `serve` sets the port it
 * listens on once it is bound; other commands keep 8080, serve's default port. */
void settings_default_port(unsigned port);
/* The publicUrl to store: "" when it is the default, so the default keeps following the
 * port; otherwise s->public_url. */
const char *settings_public_url_stored(const struct settings *s);

#endif

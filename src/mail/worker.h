/* The mail worker (SPEC 6): a background thread with its own store connection that claims
 * due emails from the outbox, delivers them (SMTP when a URL is given, else .eml files) and
 * records the outcome, retrying failures with email_backoff until EMAIL_MAX_ATTEMPTS. */
#ifndef SELLAHEAD_WORKER_H
#define SELLAHEAD_WORKER_H

struct worker;

/* Opens db_url and starts the thread. smtp_url may be NULL (or "") to write files into
 * mail_dir instead; the caller reads SELLAHEAD_SMTP_URL. Returns 0, or a negative ERR_ code
 * (the reason is logged to stderr) when the store cannot be opened or the thread started. */
int worker_start(const char *db_url, const char *smtp_url, const char *mail_dir,
                 struct worker **out);
/* Tells the worker an email was queued, so it goes out now rather than within a second.
 * Safe from any thread; NULL is ignored. */
void worker_wake(struct worker *w);
/* While no email is due, the worker also runs fn on its store at most every `secs` seconds
 * (the payment recovery rides along: app/payments.c). Safe from any thread. */
struct store;
void worker_every(struct worker *w, int secs, void (*fn)(struct store *st));
/* Stops the thread after the delivery in progress, closes the store and frees w. NULL is
 * ignored. */
void worker_stop(struct worker *w);

#endif

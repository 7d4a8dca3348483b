/* Merchant console sessions: login with a console user, an HttpOnly SameSite=Strict cookie,
 * a CSRF token the console sends back as X-CSRF-Token, logout, and a limit on failed logins.
 * A session stands in for an API key on key-protected endpoints. */
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/users.h"
#include "core/lockout.h"
#include "http/routes.h"
#include "util/ids.h"

#define COOKIE "sh_session"
#define SESSION_SECONDS (8 * 3600)
#define FAIL_LIMIT 5          /* failed logins per user name ... */
#define ADDR_FAIL_LIMIT 20    /* ... or per address ... */
#define FAIL_WINDOW 900       /* ... within this many seconds ... */
#define LOCK_SECONDS 60       /* ... lock further tries for this long */

static void token_hash(const char *token, unsigned char out[SESSION_HASH_LEN])
{
    crypto_generichash(out, SESSION_HASH_LEN, (const unsigned char *)token, strlen(token),
                       NULL, 0);
}

bool session_valid(struct http_req *r)
{
    char user[ID_MAX + 1];
    return session_user(r, user);
}

bool session_user(struct http_req *r, char user[ID_MAX + 1])
{
    const char *token = http_cookie(r, COOKIE);
    const char *csrf = http_header(r, "X-CSRF-Token");
    /* Reads change nothing, so links (errors.csv) work with the cookie alone; every other
     * method must echo the CSRF token that only the console's own pages can read. */
    bool safe = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");
    if (!token || (!csrf && !safe) || strlen(token) != IDS_TOKEN_LEN)
        return false;
    unsigned char hash[SESSION_HASH_LEN];
    char want[SESSION_CSRF_LEN + 1];
    int64_t expires;
    err_t e;
    token_hash(token, hash);
    if (sessions_find(r->st, hash, user, want, &expires, &e) ||
        expires < (int64_t)time(NULL))
        return false;
    return safe || (strlen(csrf) == strlen(want) && sodium_memcmp(csrf, want, strlen(want)) == 0);
}

/* --- failed logins, kept in memory: a lock-out need not survive a restart ---
 * Counted per user name (from any address) and per address (for any name); see
 * core/lockout.h for why no flood lifts a lock. */

static struct lockout fails = {.window = FAIL_WINDOW, .lock_seconds = LOCK_SECONDS};
static pthread_mutex_t fails_lock = PTHREAD_MUTEX_INITIALIZER;

/* Seconds the key stays locked, 0 when it may try. */
static long fail_locked(const char *key, time_t now)
{
    pthread_mutex_lock(&fails_lock);
    long left = (long)lockout_left(&fails, key, (int64_t)now);
    pthread_mutex_unlock(&fails_lock);
    return left;
}

static void fail_note(const char *key, time_t now, bool failed, int limit)
{
    pthread_mutex_lock(&fails_lock);
    lockout_note(&fails, key, (int64_t)now, failed, limit);
    pthread_mutex_unlock(&fails_lock);
}

/* --- handlers --- */

static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void dummy_init(void)
{
    char pw[IDS_TOKEN_LEN + 1];
    ids_token(pw);
    if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE))
        dummy_hash[0] = '\0';
}

/* Secure when the shop is served over https (its publicUrl): the browser then never sends
 * the session over plain http. */
static void set_cookie(struct http_req *r, struct http_resp *out, const char *token,
                       long max_age)
{
    struct settings s;
    err_t e;
    bool secure = !http_settings(r, &s, &e) && !strncmp(s.public_url, "https://", 8);
    snprintf(out->header_name, sizeof out->header_name, "Set-Cookie");
    snprintf(out->header_value, sizeof out->header_value,
             COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s", token, max_age,
             secure ? "; Secure" : "");
}

/* A password check, run by the slow-work thread. */
struct login {
    bool known, ok;
    char hash[crypto_pwhash_STRBYTES];
    char pw[]; /* wiped once checked */
};

static void login_check(void *arg)
{
    struct login *l = arg;
    /* An unknown user costs the same hashing as a wrong password: names cannot be probed. */
    pthread_once(&dummy_once, dummy_init);
    l->ok = crypto_pwhash_str_verify(l->known ? l->hash : dummy_hash, l->pw, strlen(l->pw)) ==
                0 &&
            l->known;
    sodium_memzero(l->pw, strlen(l->pw));
}

void h_session_create(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!json_is_object(body) || !name || !pw || strlen(name) > ID_MAX) {
        json_decref(body);
        http_error(out, 422, "VALIDATION_FAILED",
                   "the body must be {\"name\": \"...\", \"password\": \"...\"}", NULL);
        return;
    }
    char ukey[LOCKOUT_KEY_MAX + 1], akey[LOCKOUT_KEY_MAX + 1], addr[64], user[ID_MAX + 1];
    time_t now = time(NULL);
    snprintf(user, sizeof user, "%s", name);
    http_client_addr(r, addr, sizeof addr);
    snprintf(ukey, sizeof ukey, "u:%s", user);
    snprintf(akey, sizeof akey, "a:%s", addr);
    long locked = fail_locked(ukey, now), alocked = fail_locked(akey, now);
    if (locked || alocked) {
        json_decref(body);
        char msg[120];
        snprintf(msg, sizeof msg, "too many failed logins: try again in %ld seconds",
                 locked > alocked ? locked : alocked);
        http_error(out, 429, "TOO_MANY_REQUESTS", msg, NULL);
        return;
    }
    err_t e;
    if (!r->slow_done) { /* first pass: look the user up, then hash off this thread */
        struct login *l = calloc(1, sizeof *l + strlen(pw) + 1);
        if (!l) {
            json_decref(body);
            http_error(out, 500, "INTERNAL", "out of memory", NULL);
            return;
        }
        int rc = users_hash(r->st, user, l->hash, sizeof l->hash, &e);
        memcpy(l->pw, pw, strlen(pw) + 1);
        json_decref(body);
        if (rc && rc != ERR_NOTFOUND) {
            free(l);
            http_fail(out, &e);
            return;
        }
        l->known = rc == 0;
        http_offload(r, login_check, l);
        return;
    }
    json_decref(body);
    bool ok = ((struct login *)r->slow_arg)->ok;
    fail_note(ukey, now, !ok, FAIL_LIMIT);
    if (!ok) {
        fail_note(akey, now, true, ADDR_FAIL_LIMIT);
        http_error(out, 401, "UNAUTHORIZED", "wrong name or password", NULL);
        return;
    }

    char token[IDS_TOKEN_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
    unsigned char th[SESSION_HASH_LEN];
    ids_token(token);
    ids_token(csrf);
    token_hash(token, th);
    if (sessions_open(r->st, th, user, csrf, (int64_t)now + SESSION_SECONDS, &e)) {
        http_fail(out, &e);
        return;
    }
    set_cookie(r, out, token, SESSION_SECONDS);
    http_json(out, 200, json_pack("{s:s, s:s, s:I}", "user", user, "csrfToken", csrf,
                                  "expiresIn", (json_int_t)SESSION_SECONDS));
}

/* Not logged in. Says whether any console user exists, and nothing more about them, so the
 * login page can tell a first-time merchant how to create one. */
static int not_logged_in(struct http_req *r, struct http_resp *out)
{
    struct store_named *users = NULL;
    size_t n = 0;
    err_t e;
    if (users_list(r->st, &users, &n, &e))
        return http_fail(out, &e);
    free(users);
    return http_error(out, 401, "UNAUTHORIZED", "not logged in",
                      json_pack("[{s:b}]", "usersExist", n > 0));
}

void h_session_get(struct http_req *r, struct http_resp *out)
{
    /* The console asks this on load to learn its CSRF token, which the cookie alone proves. */
    const char *token = http_cookie(r, COOKIE);
    unsigned char th[SESSION_HASH_LEN];
    char user[ID_MAX + 1], csrf[SESSION_CSRF_LEN + 1];
    int64_t expires;
    err_t e;
    if (!token || strlen(token) != IDS_TOKEN_LEN) {
        not_logged_in(r, out);
        return;
    }
    token_hash(token, th);
    if (sessions_find(r->st, th, user, csrf, &expires, &e) ||
        expires < (int64_t)time(NULL)) {
        not_logged_in(r, out);
        return;
    }
    http_json(out, 200, json_pack("{s:s, s:s, s:I}", "user", user, "csrfToken", csrf,
                                  "expiresIn", (json_int_t)(expires - time(NULL))));
}

void h_session_delete(struct http_req *r, struct http_resp *out)
{
    const char *token = http_cookie(r, COOKIE);
    unsigned char th[SESSION_HASH_LEN];
    err_t e;
    token_hash(token ? token : "", th);
    if (sessions_close(r->st, th, (int64_t)time(NULL), &e)) {
        http_fail(out, &e);
        return;
    }
    set_cookie(r, out, "", 0);
    http_json(out, 200, json_pack("{s:s}", "status", "logged out"));
}

/* Merchant console sessions: login with a console user, an HttpOnly SameSite=Strict cookie,
 * a CSRF token the console sends back as X-CSRF-Token, logout, and a limit on failed logins.
 * A session stands in for an API key on key-protected endpoints. */
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>

#include "http/routes.h"
#include "util/ids.h"

#define COOKIE "sh_session"
#define SESSION_SECONDS (8 * 3600)
#define FAIL_LIMIT 5          /* failed logins per user and address ... */
#define FAIL_WINDOW 900       /* ... within this many seconds ... */
#define LOCK_SECONDS 60       /* ... lock further tries for this long */
#define FAIL_SLOTS 256

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
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
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
    if (r->st->ops->session_get(r->st, hash, user, want, &expires, &e) ||
        expires < (int64_t)time(NULL))
        return false;
    return safe || (strlen(csrf) == strlen(want) && sodium_memcmp(csrf, want, strlen(want)) == 0);
}

/* --- failed logins, kept in memory: a lock-out need not survive a restart --- */

static struct {
    char key[160];
    int failures;
    time_t first, locked_until;
} fails[FAIL_SLOTS];
static pthread_mutex_t fails_lock = PTHREAD_MUTEX_INITIALIZER;

static void fail_key(struct http_req *r, const char *name, char *key, size_t cap)
{
    char addr[NI_MAXHOST] = "?";
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr)
        getnameinfo(ci->client_addr,
                    ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                           : sizeof(struct sockaddr_in),
                    addr, sizeof addr, NULL, 0, NI_NUMERICHOST);
    snprintf(key, cap, "%.64s|%s", name, addr);
}

/* Seconds the key stays locked, 0 when it may try. */
static long fail_locked(const char *key, time_t now)
{
    long left = 0;
    pthread_mutex_lock(&fails_lock);
    for (size_t i = 0; i < FAIL_SLOTS; i++)
        if (!strcmp(fails[i].key, key) && fails[i].locked_until > now)
            left = (long)(fails[i].locked_until - now);
    pthread_mutex_unlock(&fails_lock);
    return left;
}

static void fail_note(const char *key, time_t now, bool failed)
{
    pthread_mutex_lock(&fails_lock);
    size_t slot = FAIL_SLOTS, oldest = 0;
    for (size_t i = 0; i < FAIL_SLOTS; i++) {
        if (!strcmp(fails[i].key, key))
            slot = i;
        if (fails[i].first < fails[oldest].first)
            oldest = i;
    }
    if (!failed) {
        if (slot < FAIL_SLOTS)
            memset(&fails[slot], 0, sizeof fails[slot]);
    } else {
        if (slot == FAIL_SLOTS || now - fails[slot].first > FAIL_WINDOW) {
            slot = slot == FAIL_SLOTS ? oldest : slot;
            memset(&fails[slot], 0, sizeof fails[slot]);
            snprintf(fails[slot].key, sizeof fails[slot].key, "%s", key);
            fails[slot].first = now;
        }
        if (++fails[slot].failures >= FAIL_LIMIT) {
            fails[slot].locked_until = now + LOCK_SECONDS;
            fails[slot].failures = 0;
            fails[slot].first = now;
        }
    }
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

static void set_cookie(struct http_resp *out, const char *token, long max_age)
{
    snprintf(out->header_name, sizeof out->header_name, "Set-Cookie");
    snprintf(out->header_value, sizeof out->header_value,
             COOKIE "=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld", token, max_age);
}

int session_create_h(struct http_req *r, struct http_resp *out)
{
    json_t *body;
    if (http_body_json(r, out, &body))
        return 0;
    const char *name = json_string_value(json_object_get(body, "name"));
    const char *pw = json_string_value(json_object_get(body, "password"));
    if (!json_is_object(body) || !name || !pw || strlen(name) > ID_MAX) {
        json_decref(body);
        return http_error(out, 422, "VALIDATION_FAILED",
                          "the body must be {\"name\": \"...\", \"password\": \"...\"}", NULL);
    }
    char key[160], user[ID_MAX + 1];
    time_t now = time(NULL);
    snprintf(user, sizeof user, "%s", name);
    fail_key(r, user, key, sizeof key);
    long locked = fail_locked(key, now);
    if (locked) {
        json_decref(body);
        char msg[120];
        snprintf(msg, sizeof msg, "too many failed logins: try again in %ld seconds", locked);
        return http_error(out, 429, "TOO_MANY_REQUESTS", msg, NULL);
    }
    char hash[crypto_pwhash_STRBYTES];
    err_t e;
    int rc = r->st->ops->user_hash(r->st, user, hash, sizeof hash, &e);
    if (rc && rc != ERR_NOTFOUND) {
        json_decref(body);
        return http_fail(out, &e);
    }
    /* An unknown user costs the same hashing as a wrong password: names cannot be probed. */
    pthread_once(&dummy_once, dummy_init);
    bool ok = crypto_pwhash_str_verify(rc ? dummy_hash : hash, pw, strlen(pw)) == 0 && !rc;
    json_decref(body);
    fail_note(key, now, !ok);
    if (!ok)
        return http_error(out, 401, "UNAUTHORIZED", "wrong name or password", NULL);

    char token[IDS_TOKEN_LEN + 1], csrf[SESSION_CSRF_LEN + 1];
    unsigned char th[SESSION_HASH_LEN];
    ids_token(token);
    ids_token(csrf);
    token_hash(token, th);
    if (r->st->ops->session_add(r->st, th, user, csrf, (int64_t)now + SESSION_SECONDS, &e))
        return http_fail(out, &e);
    set_cookie(out, token, SESSION_SECONDS);
    return http_json(out, 200, json_pack("{s:s, s:s, s:I}", "user", user, "csrfToken", csrf,
                                         "expiresIn", (json_int_t)SESSION_SECONDS));
}

int session_get_h(struct http_req *r, struct http_resp *out)
{
    /* The console asks this on load to learn its CSRF token, which the cookie alone proves. */
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
    unsigned char th[SESSION_HASH_LEN];
    char user[ID_MAX + 1], csrf[SESSION_CSRF_LEN + 1];
    int64_t expires;
    err_t e;
    if (!token || strlen(token) != IDS_TOKEN_LEN)
        return http_error(out, 401, "UNAUTHORIZED", "not logged in", NULL);
    token_hash(token, th);
    if (r->st->ops->session_get(r->st, th, user, csrf, &expires, &e) ||
        expires < (int64_t)time(NULL))
        return http_error(out, 401, "UNAUTHORIZED", "not logged in", NULL);
    return http_json(out, 200, json_pack("{s:s, s:s, s:I}", "user", user, "csrfToken", csrf,
                                         "expiresIn", (json_int_t)(expires - time(NULL))));
}

int session_delete_h(struct http_req *r, struct http_resp *out)
{
    const char *token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
    unsigned char th[SESSION_HASH_LEN];
    err_t e;
    token_hash(token ? token : "", th);
    if (r->st->ops->session_delete(r->st, th, (int64_t)time(NULL), &e))
        return http_fail(out, &e);
    set_cookie(out, "", 0);
    return http_json(out, 200, json_pack("{s:s}", "status", "logged out"));
}

#include "mail/send.h"
#include "util/buf.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"

#define SEND_PATH_MAX 4096
#define SUBJECT_WORD_BYTES 39 /* 52 base64 chars: each encoded word stays under 76 */
#define QP_LINE 76            /* RFC 2045 line limit, counting the soft break's '=' */

/* --- message pieces --- */

/* Ids name files and boundaries: letters, digits, '_' and '-' only. */
static bool id_ok(const char *id)
{
    if (!*id)
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

/* An address that can go into a header and an SMTP command as it is: no spaces, controls,
 * brackets or list separators, and an '@' with something on both sides. */
static bool address_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    if (!at || at == a || !at[1])
        return false;
    for (const unsigned char *p = (const unsigned char *)a; *p; p++)
        if (*p <= ' ' || *p == 0x7f || strchr("<>,;\"()[]\\", *p))
            return false;
    return true;
}

static int check(const struct email *m, err_t *e)
{
    if (!id_ok(m->id))
        return err_set(e, ERR_INVALID, "email id \"%s\" is not usable", m->id);
    if (!address_ok(m->from))
        return err_set(e, ERR_INVALID, "from address \"%s\" is not valid", m->from);
    if (!address_ok(m->to))
        return err_set(e, ERR_INVALID, "to address \"%s\" is not valid", m->to);
    return 0;
}

static void date_header(struct buf *b, time_t t)
{
    static const char days[][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    char line[80];
    snprintf(line, sizeof line, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n",
             days[tm.tm_wday % 7], tm.tm_mday, months[tm.tm_mon % 12], tm.tm_year + 1900,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    buf_puts(b, line);
}

static void put_base64(struct buf *b, const unsigned char *s, size_t n)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < n)
            v |= s[i + 2];
        char q[4] = {abc[(v >> 18) & 63], abc[(v >> 12) & 63],
                     i + 1 < n ? abc[(v >> 6) & 63] : '=', i + 2 < n ? abc[v & 63] : '='};
        buf_put(b, q, 4);
    }
}

/* Bytes in the UTF-8 sequence that starts with c (1 for stray bytes). */
static size_t utf8_len(unsigned char c)
{
    if ((c & 0xE0) == 0xC0)
        return 2;
    if ((c & 0xF0) == 0xE0)
        return 3;
    if ((c & 0xF8) == 0xF0)
        return 4;
    return 1;
}

/* RFC 2047 "B" words when the subject is not plain ASCII (or looks like an encoded word);
 * words end on character boundaries so each decodes on its own. Plain subjects fold at
 * spaces to stay under 78 columns. */
static void subject_header(struct buf *b, const char *subject)
{
    char s[sizeof ((struct email *)0)->subject];
    size_t n = 0;
    bool ascii = true;
    for (const unsigned char *p = (const unsigned char *)subject; *p && n + 1 < sizeof s;
         p++) {
        /* Controls (a CR or LF would end the header early) become spaces. */
        unsigned char c = *p < ' ' || *p == 0x7f ? ' ' : *p;
        ascii &= c < 0x80;
        s[n++] = (char)c;
    }
    s[n] = '\0';
    buf_puts(b, "Subject:");
    if (!ascii || strstr(s, "=?")) {
        for (size_t i = 0; i < n;) {
            size_t take = 0;
            while (i + take < n) {
                size_t k = utf8_len((unsigned char)s[i + take]);
                if (k > n - i - take)
                    k = n - i - take; /* a sequence cut short at the end */
                if (take + k > SUBJECT_WORD_BYTES)
                    break;
                take += k;
            }
            buf_puts(b, i ? "\r\n =?UTF-8?B?" : " =?UTF-8?B?");
            put_base64(b, (const unsigned char *)s + i, take);
            buf_puts(b, "?=");
            i += take;
        }
        buf_puts(b, "\r\n");
        return;
    }
    size_t col = 8;
    buf_put(b, " ", 1);
    col++;
    for (const char *p = s; *p;) {
        const char *sp = strchr(p + 1, ' ');
        size_t k = sp ? (size_t)(sp - p) : strlen(p);
        if (*p == ' ' && col + k > 78) {
            buf_puts(b, "\r\n");
            col = 0;
        }
        buf_put(b, p, k);
        col += k;
        p += k;
    }
    buf_puts(b, "\r\n");
}

/* Quoted-printable with CRLF line ends; '.' at a line start is encoded too, so no line
 * can read as the end of SMTP data whatever the relay does. A last line without a newline
 * gets none: the delimiter's CRLF that follows is not part of the body. */
static void put_qp(struct buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    while (*s) {
        const char *nl = strchr(s, '\n');
        size_t end = nl ? (size_t)(nl - s) : strlen(s);
        if (end && s[end - 1] == '\r')
            end--;
        size_t col = 0;
        for (size_t i = 0; i < end; i++) {
            unsigned char c = (unsigned char)s[i];
            bool enc = c == '=' || c > 126 || (c < ' ' && c != '\t') ||
                       ((c == ' ' || c == '\t') && i + 1 == end);
            if (col + (enc ? 3 : 1) > QP_LINE - 1) {
                buf_puts(b, "=\r\n");
                col = 0;
            }
            enc |= c == '.' && col == 0;
            if (enc) {
                char q[3] = {'=', hex[c >> 4], hex[c & 15]};
                buf_put(b, q, 3);
                col += 3;
            } else {
                buf_put(b, (const char *)&c, 1);
                col++;
            }
        }
        if (!nl)
            break;
        buf_puts(b, "\r\n");
        s = nl + 1;
    }
}

/* The Message-ID's right side: the sender's domain when it looks like one. */
static void id_domain(const char *from, char *out, size_t cap)
{
    const char *at = strrchr(from, '@');
    const char *d = at ? at + 1 : "";
    bool ok = *d && strlen(d) < cap;
    for (const char *p = d; *p && ok; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
             *p == '.' || *p == '-';
    snprintf(out, cap, "%s", ok ? d : "sellahead.local");
}

static int render(const struct email *m, char **out, size_t *len, err_t *e)
{
    *out = NULL;
    *len = 0;
    int rc = check(m, e);
    if (rc)
        return rc;
    /* QP output never holds "=_" ('=' is always followed by hex or CRLF), so a boundary
     * starting with it cannot occur in either part. */
    char boundary[64], domain[EMAIL_MAX + 1];
    snprintf(boundary, sizeof boundary, "=_sellahead_%s", m->id);
    id_domain(m->from, domain, sizeof domain);

    struct buf b = {0};
    date_header(&b, time(NULL));
    buf_puts(&b, "From: ");
    buf_puts(&b, m->from);
    buf_puts(&b, "\r\nTo: ");
    buf_puts(&b, m->to);
    buf_puts(&b, "\r\n");
    subject_header(&b, m->subject);
    /* The outbox id makes the Message-ID stable across retries, so receivers can drop a
     * copy delivered twice. */
    buf_puts(&b, "Message-ID: <");
    buf_puts(&b, m->id);
    buf_puts(&b, "@");
    buf_puts(&b, domain);
    buf_puts(&b, ">\r\nMIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n"
              "Content-Type: multipart/alternative; boundary=\"");
    buf_puts(&b, boundary);
    buf_puts(&b, "\"\r\n\r\nThis is a multi-part message in MIME format.\r\n");
    static const char *const types[] = {"text/plain", "text/html"};
    const char *bodies[] = {m->text ? m->text : "", m->html ? m->html : ""};
    for (int i = 0; i < 2; i++) {
        buf_puts(&b, "\r\n--");
        buf_puts(&b, boundary);
        buf_puts(&b, "\r\nContent-Type: ");
        buf_puts(&b, types[i]);
        buf_puts(&b, "; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n");
        put_qp(&b, bodies[i]);
    }
    buf_puts(&b, "\r\n--");
    buf_puts(&b, boundary);
    buf_puts(&b, "--\r\n");
    if (b.oom) {
        free(b.p);
        return err_set(e, ERR_NOMEM, "out of memory rendering email %s", m->id);
    }
    *out = b.p;
    *len = b.len;
    return 0;
}

int send_render(const struct email *m, char **out, size_t *len, err_t *e)
{
    return render(m, out, len, e);
}

/* --- SMTP --- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

/* Once per process, before any thread uses curl. */
static void curl_init(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

struct reader {
    const char *p;
    size_t len, off;
};

static size_t read_message(char *dst, size_t size, size_t nmemb, void *ud)
{
    struct reader *r = ud;
    size_t n = size * nmemb;
    if (n > r->len - r->off)
        n = r->len - r->off;
    memcpy(dst, r->p + r->off, n);
    r->off += n;
    return n;
}

static int curl_code(CURLcode cc)
{
    switch (cc) {
    case CURLE_OUT_OF_MEMORY: return ERR_NOMEM;
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return ERR_INVALID;
    default: return ERR_IO;
    }
}

int send_smtp(const char *url, const struct email *m, err_t *e)
{
    if (!url || !*url)
        return err_set(e, ERR_INVALID, "no SMTP URL");
    char *msg;
    size_t len;
    int rc = render(m, &msg, &len, e);
    if (rc)
        return rc;
    pthread_once(&curl_once, curl_init);
    if (curl_init_rc != CURLE_OK) {
        free(msg);
        return err_set(e, ERR_IO, "libcurl: %s", curl_easy_strerror(curl_init_rc));
    }

    char from[EMAIL_MAX + 3], to[EMAIL_MAX + 3];
    snprintf(from, sizeof from, "<%s>", m->from);
    snprintf(to, sizeof to, "<%s>", m->to);
    CURL *c = curl_easy_init();
    struct curl_slist *rcpt = curl_slist_append(NULL, to);
    if (!c || !rcpt) {
        curl_slist_free_all(rcpt);
        curl_easy_cleanup(c);
        free(msg);
        return err_set(e, ERR_NOMEM, "out of memory starting SMTP");
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    struct reader r = {msg, len, 0};
    CURLcode cc = CURLE_OK;
    /* Only the first failing option matters; curl_easy_perform is skipped after it. */
#define SET(opt, val)                                                                      \
    do {                                                                                   \
        if (cc == CURLE_OK)                                                                \
            cc = curl_easy_setopt(c, opt, val);                                            \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, errbuf);
    SET(CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "smtp,smtps");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_SMTP | CURLPROTO_SMTPS));
#endif
    SET(CURLOPT_MAIL_FROM, from);
    SET(CURLOPT_MAIL_RCPT, rcpt);
    SET(CURLOPT_READFUNCTION, read_message);
    SET(CURLOPT_READDATA, &r);
    SET(CURLOPT_UPLOAD, 1L);
    SET(CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    /* smtp:// upgrades with STARTTLS when the server offers it; smtps:// is TLS anyway. */
    SET(CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    /* Well inside the worker's 60 s lease, so a slow server cannot cause a double send. */
    SET(CURLOPT_CONNECTTIMEOUT, 10L);
    SET(CURLOPT_TIMEOUT, 40L);
    SET(CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
#undef SET
    if (cc == CURLE_OK)
        cc = curl_easy_perform(c);
    rc = 0;
    if (cc != CURLE_OK) {
        long reply = 0;
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        if (reply >= 400)
            rc = err_set(e, curl_code(cc), "smtp: %s (server replied %ld)", why, reply);
        else
            rc = err_set(e, curl_code(cc), "smtp: %s", why);
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(c);
    free(msg);
    return rc;
}

/* --- files --- */

/* mkdir -p: creates dir and its missing parents. 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char path[SEND_PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, n + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0777) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0777) && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(path, &st))
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* A written file not yet flushed or in place: its descriptor and both names. */
struct eml_file {
    int fd;
    char path[SEND_PATH_MAX], tmp[SEND_PATH_MAX];
};

/* Writes m into a temporary file of dir; *f is open on success. */
static int file_write(const char *dir, const struct email *m, struct eml_file *f, err_t *e)
{
    f->fd = -1;
    if (!dir || !*dir)
        return err_set(e, ERR_INVALID, "no mail directory");
    char *msg;
    size_t len;
    int rc = render(m, &msg, &len, e);
    if (rc)
        return rc;
    /* A dot name without .eml, so whatever watches the directory never sees a half file. */
    int pn = snprintf(f->path, sizeof f->path, "%s/%s.eml", dir, m->id);
    int tn = snprintf(f->tmp, sizeof f->tmp, "%s/.%s.XXXXXX", dir, m->id);
    if (pn < 0 || tn < 0 || (size_t)pn >= sizeof f->path || (size_t)tn >= sizeof f->tmp) {
        free(msg);
        return err_set(e, ERR_INVALID, "mail directory path too long");
    }
    if (make_dirs(dir)) {
        rc = err_set(e, ERR_IO, "cannot create %s: %s", dir, strerror(errno));
        free(msg);
        return rc;
    }
    /* mkstemp makes it 0600: the message carries the order's access token. */
    int fd = mkstemp(f->tmp);
    if (fd < 0) {
        rc = err_set(e, ERR_IO, "cannot create a file in %s: %s", dir, strerror(errno));
        free(msg);
        return rc;
    }
    if (write_all(fd, msg, len)) {
        rc = err_set(e, ERR_IO, "cannot write %s: %s", f->tmp, strerror(errno));
        close(fd);
        unlink(f->tmp);
    } else {
        f->fd = fd;
    }
    free(msg);
    return rc;
}

/* Flushes a written file and renames it into place: on disk before it has its name. */
static int file_finish(struct eml_file *f, err_t *e)
{
    int rc = 0;
    if (fsync(f->fd)) {
        rc = err_set(e, ERR_IO, "cannot write %s: %s", f->tmp, strerror(errno));
        close(f->fd);
        unlink(f->tmp);
    } else if (close(f->fd)) {
        rc = err_set(e, ERR_IO, "cannot write %s: %s", f->tmp, strerror(errno));
        unlink(f->tmp);
    } else if (rename(f->tmp, f->path)) {
        rc = err_set(e, ERR_IO, "cannot rename to %s: %s", f->path, strerror(errno));
        unlink(f->tmp);
    }
    f->fd = -1;
    return rc;
}

int send_file(const char *dir, const struct email *m, err_t *e)
{
    struct eml_file f;
    int rc = file_write(dir, m, &f, e);
    return rc ? rc : file_finish(&f, e);
}

void send_files(const char *dir, const struct email *v, size_t n, int *rcs, err_t *errs)
{
    struct eml_file *f = malloc((n ? n : 1) * sizeof *f);
    for (size_t i = 0; i < n; i++) {
        if (!f) {
            rcs[i] = err_set(&errs[i], ERR_NOMEM, "out of memory");
            continue;
        }
        rcs[i] = file_write(dir, &v[i], &f[i], &errs[i]);
    }
    /* The first flush writes the other files' data too on most file systems (ext4's
     * ordered mode): the rest find little left to do. */
    for (size_t i = 0; f && i < n; i++)
        if (!rcs[i])
            rcs[i] = file_finish(&f[i], &errs[i]);
    free(f);
}

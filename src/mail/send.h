/* Delivering one email from the outbox: as an RFC 5322 message (multipart/alternative, text
 * and HTML parts in UTF-8, quoted-printable, CRLF) over SMTP with libcurl, or written as an
 * .eml file. */
#ifndef SELLAHEAD_SEND_H
#define SELLAHEAD_SEND_H

#include <stddef.h>

#include "core/err.h"
#include "core/outbox.h"

/* The whole message, headers and both parts, dated now. *out is NUL-terminated, *len its
 * length; the caller frees *out. ERR_INVALID (e says why) when the id, from or to cannot go into a
 * message (empty, control characters, angle brackets), ERR_NOMEM. */
int send_render(const struct email *m, char **out, size_t *len, err_t *e);

/* Sends m to url (smtp://[user:pass@]host[:port] tries STARTTLS when offered; smtps:// is
 * TLS from the start; peers are verified). 0, or ERR_IO / ERR_INVALID / ERR_NOMEM with the
 * reason (curl's words, the server's reply) in e. */
int send_smtp(const char *url, const struct email *m, err_t *e);

/* Writes m to <dir>/<id>.eml atomically (a temporary file renamed into place), creating
 * dir and its parents when missing. 0, or ERR_IO / ERR_INVALID / ERR_NOMEM with e set. */
int send_file(const char *dir, const struct email *m, err_t *e);

/* send_file for each of n emails, flushed together: every file is written first, then each
 * is flushed and renamed, so a batch costs about one flush rather than n. rcs[i] and
 * errs[i] are email i's outcome. */
void send_files(const char *dir, const struct email *v, size_t n, int *rcs, err_t *errs);

#endif

/* Errors: every fallible function returns 0 or one of these negative codes and fills an
 * err with a sentence fit to show a user. */
#ifndef SELLAHEAD_ERR_H
#define SELLAHEAD_ERR_H

enum {
    ERR_OK = 0,
    ERR_INVALID = -1,     /* well-formed but breaks a rule (422, exit 1) */
    ERR_NOTFOUND = -2,    /* 404 */
    ERR_CONFLICT = -3,    /* conflicts with current state (409) */
    ERR_NOMEM = -4,
    ERR_STORE = -5,       /* storage failed (500) */
    ERR_TOOLARGE = -6,    /* 413 */
    ERR_AUTH = -7,        /* 401 */
    ERR_MALFORMED = -8,   /* cannot be parsed (400) */
    ERR_UNAVAILABLE = -9, /* storage unreachable (503) */
    ERR_PAYMENT = -10,    /* payment declined (402) */
    ERR_IO = -11,         /* file or network I/O */
    ERR_RETRY = -12       /* the transaction lost a race (serialization, deadlock): run it again */
};

typedef struct err {
    int code;
    const char *name; /* the API's error code ("CART_NOT_FOUND"), or NULL for the default */
    char msg[512];
} err_t;

/* Sets e (when not NULL) and returns code, so callers can `return err_set(...)`. */
int err_set(err_t *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same with the error code the API shows, when the default for code is too vague. */
int err_named(err_t *e, int code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif

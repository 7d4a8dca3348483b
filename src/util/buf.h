/* A growing string, always NUL-terminated. A failed allocation sticks (oom), so a builder
 * appends freely and checks once at the end. */
#ifndef SELLAHEAD_BUF_H
#define SELLAHEAD_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *p; /* owned; NULL until the first append */
    size_t len, cap;
    bool oom;
};

void buf_put(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_free(struct buf *b);

#endif

/* Failed-login lockouts: counted per key ("u:<name>", "a:<address>"); after `limit` failures
 * within the window the key is locked for a while. A fixed table: a locked entry is never
 * evicted to make room, and when every slot holds a lock, keys not in it may not try (so no
 * flood of other keys can lift a lock). Not thread-safe: the caller holds a lock. */
#ifndef SELLAHEAD_LOCKOUT_H
#define SELLAHEAD_LOCKOUT_H

#include <stdbool.h>
#include <stdint.h>

#define LOCKOUT_SLOTS 4096
#define LOCKOUT_KEY_MAX 120

struct lockout {
    int64_t window;       /* seconds in which failures count */
    int64_t lock_seconds; /* how long a lock lasts */
    struct lockout_slot {
        char key[LOCKOUT_KEY_MAX + 1];
        int failures;
        int64_t first, locked_until;
    } slots[LOCKOUT_SLOTS];
};

/* Seconds the key stays locked; 0 when it may try. */
int64_t lockout_left(const struct lockout *l, const char *key, int64_t now);
/* Records a failed (or, failed false, a successful) try of key. */
void lockout_note(struct lockout *l, const char *key, int64_t now, bool failed, int limit);

#endif

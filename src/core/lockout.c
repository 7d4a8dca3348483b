#include "core/lockout.h"

#include <stdio.h>
#include <string.h>

/* The key's slot, or with make a new one for it: empty or expired first, else the oldest
 * unlocked. NULL when there is none. */
static struct lockout_slot *slot_of(struct lockout *l, const char *key, int64_t now, bool make)
{
    struct lockout_slot *pick = NULL;
    for (size_t i = 0; i < LOCKOUT_SLOTS; i++) {
        struct lockout_slot *s = &l->slots[i];
        if (s->key[0] && !strcmp(s->key, key))
            return s;
        if (!make || s->locked_until > now)
            continue;
        bool spare = !s->key[0] || now - s->first > l->window;
        bool pick_spare = pick && (!pick->key[0] || now - pick->first > l->window);
        if (!pick || (spare && !pick_spare) || (!pick_spare && !spare && s->first < pick->first))
            pick = s;
    }
    if (pick) {
        memset(pick, 0, sizeof *pick);
        snprintf(pick->key, sizeof pick->key, "%s", key);
        pick->first = now;
    }
    return pick;
}

int64_t lockout_left(const struct lockout *l, const char *key, int64_t now)
{
    bool room = false;
    for (size_t i = 0; i < LOCKOUT_SLOTS; i++) {
        const struct lockout_slot *s = &l->slots[i];
        if (s->key[0] && !strcmp(s->key, key))
            return s->locked_until > now ? s->locked_until - now : 0;
        room = room || s->locked_until <= now;
    }
    return room ? 0 : l->lock_seconds; /* a failure could not be recorded: wait */
}

void lockout_note(struct lockout *l, const char *key, int64_t now, bool failed, int limit)
{
    struct lockout_slot *s = slot_of(l, key, now, failed);
    if (!s)
        return;
    if (!failed) {
        memset(s, 0, sizeof *s);
        return;
    }
    if (now - s->first > l->window) {
        s->failures = 0;
        s->first = now;
    }
    if (++s->failures >= limit) {
        s->locked_until = now + l->lock_seconds;
        s->failures = 0;
        s->first = now;
    }
}

/* Failed-login lockouts (issue 12): a lock holds whatever flood of other keys follows. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lockout.h"

static struct lockout *fresh(void)
{
    struct lockout *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->window = 900;
    l->lock_seconds = 60;
    return l;
}

static void test_five_failures_lock_for_a_minute(void **state)
{
    (void)state;
    struct lockout *l = fresh();
    for (int i = 0; i < 4; i++)
        lockout_note(l, "u:clerk", 1000, true, 5);
    assert_int_equal(lockout_left(l, "u:clerk", 1000), 0);
    lockout_note(l, "u:clerk", 1000, true, 5);
    assert_int_equal(lockout_left(l, "u:clerk", 1000), 60);
    assert_int_equal(lockout_left(l, "u:clerk", 1059), 1);
    assert_int_equal(lockout_left(l, "u:clerk", 1060), 0);
    assert_int_equal(lockout_left(l, "u:other", 1000), 0);
    free(l);
}

static void test_flood_of_other_keys_does_not_lift_a_lock(void **state)
{
    (void)state;
    struct lockout *l = fresh();
    for (int i = 0; i < 5; i++)
        lockout_note(l, "u:clerk", 1000, true, 5);
    char key[32];
    for (int i = 0; i < 3 * LOCKOUT_SLOTS; i++) {
        snprintf(key, sizeof key, "u:rnd%d", i);
        lockout_note(l, key, 1001, true, 5);
    }
    assert_int_equal(lockout_left(l, "u:clerk", 1001), 59);
    free(l);
}

static void test_table_full_of_locks_refuses_new_keys(void **state)
{
    (void)state;
    struct lockout *l = fresh();
    char key[32];
    for (int i = 0; i < LOCKOUT_SLOTS; i++) {
        snprintf(key, sizeof key, "a:%d", i);
        lockout_note(l, key, 1000, true, 1);
    }
    assert_int_equal(lockout_left(l, "u:new", 1000), 60);
    assert_int_equal(lockout_left(l, "u:new", 1060), 0); /* the locks ran out */
    free(l);
}

static void test_success_clears_and_window_restarts(void **state)
{
    (void)state;
    struct lockout *l = fresh();
    for (int i = 0; i < 4; i++)
        lockout_note(l, "u:clerk", 1000, true, 5);
    lockout_note(l, "u:clerk", 1000, false, 5);
    lockout_note(l, "u:clerk", 1000, true, 5);
    assert_int_equal(lockout_left(l, "u:clerk", 1000), 0);
    for (int i = 0; i < 4; i++)
        lockout_note(l, "u:x", 1000, true, 5);
    lockout_note(l, "u:x", 2000, true, 5); /* after the window: counting starts again */
    assert_int_equal(lockout_left(l, "u:x", 2000), 0);
    free(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_five_failures_lock_for_a_minute),
        cmocka_unit_test(test_flood_of_other_keys_does_not_lift_a_lock),
        cmocka_unit_test(test_table_full_of_locks_refuses_new_keys),
        cmocka_unit_test(test_success_clears_and_window_restarts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

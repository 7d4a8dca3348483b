/* SPEC 5.5: shipping countries are assigned ISO 3166-1 alpha-2 codes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/country.h"

static void test_country_assigned_codes(void **state)
{
    (void)state;
    /* The ends of the sorted table and a few in between. */
    const char *ok[] = {"AD", "ZW", "US", "GB", "DE", "FR", "AX", "CW", "SS", "BQ"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(country_valid(ok[i]));
}

static void test_country_rejects_everything_else(void **state)
{
    (void)state;
    /* Lower case, reserved or user-assigned codes (UK, EU, XK), alpha-3, empty. */
    const char *bad[] = {"us", "Us", "UK", "EU", "XK", "XX", "AA", "ZZ", "USA", "U", "", "1A"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_false(country_valid(bad[i]));
    assert_false(country_valid(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_country_assigned_codes),
        cmocka_unit_test(test_country_rejects_everything_else),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

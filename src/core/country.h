/* Countries of shipping addresses: ISO 3166-1 alpha-2 codes (SPEC 5.5). Pure data. */
#ifndef SELLAHEAD_COUNTRY_H
#define SELLAHEAD_COUNTRY_H

#include <stdbool.h>

/* True for an assigned ISO 3166-1 alpha-2 code, written in capitals ("US", "DE"). */
bool country_valid(const char *code);

#endif

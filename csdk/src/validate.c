/*
 * validate.c - argument checks shared by the request calls. Lengths are
 * measured with a bound so that an unterminated string is never walked past
 * the limit.
 */
#include <string.h>

#include "nls.h"

/* Length of s, or max + 1 if it is longer than max. */
static size_t nls__bounded_len(const char *s, size_t max)
{
    size_t n = 0;
    while (n <= max && s[n] != '\0')
        n++;
    return n;
}

int nls_str_ok(const char *s, size_t max)
{
    size_t n;
    if (s == NULL)
        return 0;
    n = nls__bounded_len(s, max);
    return n >= 1 && n <= max;
}

int nls_opt_str_ok(const char *s, size_t max)
{
    return s == NULL || nls__bounded_len(s, max) <= max;
}

nlw_bytes nls_bytes_str(const char *s)
{
    nlw_bytes b;
    b.data = (const unsigned char *)s;
    b.len = s == NULL ? 0 : strlen(s);
    return b;
}

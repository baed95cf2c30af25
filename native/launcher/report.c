/*
 * report.c - the launcher's error lines (see report.h).
 */
#include "report.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char nll_name[] = "nanolambda-launcher";

int nll_report(const char *format, ...) {
    va_list args;
    fprintf(stderr, "%s: ", nll_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fputc('\n', stderr);
    return -1;
}

int nll_report_errno(const char *format, ...) {
    int err = errno;
    va_list args;
    fprintf(stderr, "%s: ", nll_name);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, ": %s\n", strerror(err));
    errno = err;
    return -1;
}

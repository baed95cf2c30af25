/*
 * report.h - how the launcher says why it failed: one line on stderr, which
 * the host copies into the function's log, prefixed with the program name.
 */
#ifndef NLL_REPORT_H
#define NLL_REPORT_H

/* Exit statuses, as shells use them. */
#define NLL_EXIT_LAUNCHER 125
#define NLL_EXIT_CANNOT_EXEC 126
#define NLL_EXIT_NOT_FOUND 127

/* Prints "nanolambda-launcher: <message>\n" to stderr; returns -1 so that
 * callers can write `return nll_report(...)`. */
int nll_report(const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* Like nll_report, with ": <strerror(errno)>" appended (errno as on entry). */
int nll_report_errno(const char *format, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif /* NLL_REPORT_H */

/*
 * log.c - gg_log: one bounded line per call, written with a single write(2)
 * to stderr, which the host points at the function's log file. One write per
 * line keeps lines from different threads (and processes sharing the file in
 * append mode) from interleaving mid-line.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nls.h"

/* Longest line written, including the prefix and the newline. Longer
 * messages are cut and end in "...". */
#define NLS_LOG_LINE_BYTES 4096

/* Serialises lines; write(2) to a pipe or file is atomic per call anyway, but
 * a short write must not let another thread's line land in the middle. */
static pthread_mutex_t nls__log_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *nls__level_name(gg_log_level level)
{
    switch (level) {
    case GG_LOG_DEBUG: return "DEBUG";
    case GG_LOG_INFO: return "INFO";
    case GG_LOG_WARN: return "WARN";
    case GG_LOG_ERROR: return "ERROR";
    case GG_LOG_FATAL: return "FATAL";
    default: return NULL;
    }
}

/* "[2024-05-01T12:34:56.789Z]" into out (at least 32 bytes); returns length. */
static size_t nls__timestamp(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    int n;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0 ||
        gmtime_r(&ts.tv_sec, &tm) == NULL) {
        memset(&tm, 0, sizeof tm);
        ts.tv_nsec = 0;
    }
    n = snprintf(out, cap, "[%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ]",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                 tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000L));
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

static void nls__write_all(const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere else to report it */
        }
        buf += n;
        len -= (size_t)n;
    }
}

NLS_EXPORT gg_error gg_log(gg_log_level level, const char *format, ...)
{
    char line[NLS_LOG_LINE_BYTES];
    const char *name = nls__level_name(level);
    size_t len, room;
    int n;
    va_list ap;

    if (name == NULL || format == NULL)
        return GGE_INVALID_PARAMETER;

    len = nls__timestamp(line, sizeof line);
    n = snprintf(line + len, sizeof line - len, "[%s]-", name);
    if (n > 0)
        len += (size_t)n;

    /* Leave one byte for the newline. */
    room = sizeof line - len - 1;
    va_start(ap, format);
    n = vsnprintf(line + len, room + 1, format, ap);
    va_end(ap);
    if (n < 0) {
        n = 0; /* an encoding error: log the prefix only */
    } else if ((size_t)n > room) {
        memcpy(line + len + room - 3, "...", 3);
        n = (int)room;
    }
    len += (size_t)n;
    line[len++] = '\n';

    pthread_mutex_lock(&nls__log_mu);
    nls__write_all(line, len);
    pthread_mutex_unlock(&nls__log_mu);
    return GGE_SUCCESS;
}

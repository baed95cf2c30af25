/*
 * init.c - gg_global_init: find the channel the host handed us, or run
 * standalone when there is none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nls.h"

/* Zero-initialised; gg_global_init fills it in. */
nls_state nls_g;

/* Parse a descriptor number from the environment: decimal digits only, an
 * open descriptor. Returns -1 when absent, -2 when present but unusable. */
static int nls__env_fd(const char *name)
{
    const char *s = getenv(name);
    long v = 0;
    const char *p;

    if (s == NULL)
        return -1;
    if (*s == '\0')
        return -2;
    for (p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9')
            return -2;
        v = v * 10 + (*p - '0');
        if (v > INT_MAX)
            return -2;
    }
    if (fcntl((int)v, F_GETFD) < 0)
        return -2;
    return (int)v;
}

static char *nls__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = (char *)malloc(n);
    if (d != NULL)
        memcpy(d, s, n);
    return d;
}

gg_error nls_require_attached(const char *what)
{
    if (!nls_g.initialized) {
        gg_log(GG_LOG_ERROR, "%s: call gg_global_init(0) first", what);
        return GGE_INVALID_STATE;
    }
    if (!nls_g.attached) {
        gg_log(GG_LOG_ERROR,
               "%s: not available standalone; this executable must be started "
               "by the nanolambda runtime (NANOLAMBDA_SHM_FD and "
               "NANOLAMBDA_SOCK_FD are not set)", what);
        return GGE_INVALID_STATE;
    }
    return GGE_SUCCESS;
}

NLS_EXPORT gg_error gg_global_init(uint32_t opt)
{
    const char *arn;
    int shm_fd, sock_fd, rc;
    gg_error err;

    if (opt != 0)
        return GGE_INVALID_PARAMETER;
    if (nls_g.initialized)
        return GGE_SUCCESS; /* idempotent: a second call changes nothing */

    arn = getenv("MY_FUNCTION_ARN");
    nls_g.function_arn = nls__strdup(arn != NULL ? arn : "");
    if (nls_g.function_arn == NULL)
        return GGE_OUT_OF_MEMORY;

    shm_fd = nls__env_fd("NANOLAMBDA_SHM_FD");
    sock_fd = nls__env_fd("NANOLAMBDA_SOCK_FD");
    if (shm_fd == -1 && sock_fd == -1) {
        nls_g.initialized = 1; /* standalone: only gg_log is useful */
        return GGE_SUCCESS;
    }
    if (shm_fd < 0 || sock_fd < 0) {
        gg_log(GG_LOG_ERROR, "gg_global_init: NANOLAMBDA_SHM_FD and "
               "NANOLAMBDA_SOCK_FD must both name open descriptors; the "
               "worker was not started correctly");
        return GGE_INVALID_STATE;
    }

    if (pthread_mutex_init(&nls_g.write_mu, NULL) != 0)
        return GGE_INTERNAL_FAILURE;
    rc = nlw_channel_attach(&nls_g.ch, shm_fd);
    if (rc != NLW_OK) {
        gg_log(GG_LOG_ERROR, "gg_global_init: cannot map the channel on fd %d: "
               "%s", shm_fd, nlw_strerror(rc));
        return GGE_INTERNAL_FAILURE;
    }
    /* The mapping outlives the descriptor. Keep neither descriptor across
     * exec: a child holding the socket would hide our exit from the host,
     * and a child linked to this SDK must not think it is a worker. */
    close(shm_fd);
    (void)fcntl(sock_fd, F_SETFD, FD_CLOEXEC);
    unsetenv("NANOLAMBDA_SHM_FD");
    unsetenv("NANOLAMBDA_SOCK_FD");
    nls_g.sock_fd = sock_fd;
    nls_g.ch.hdr->worker_pid = (uint32_t)getpid();
    nls_g.attached = 1;
    nls_g.initialized = 1;

    err = nls_reader_start();
    if (err != GGE_SUCCESS) {
        nls_g.attached = 0;
        return err;
    }
    return GGE_SUCCESS;
}

/*
 * isolate.c - where the launcher confines a function before it execs it.
 *
 * In this order, the launcher:
 *   1. joins the worker's cgroups (the host created them with their limits
 *      and names their cgroup.procs files in NANOLAMBDA_CGROUP_PROCS,
 *      separated by ':'), so a limit applies from the first byte the
 *      function allocates: the exec and everything after it are charged;
 *   2. (to come) enters the mount/pid/ipc/uts namespaces of
 *      GreengrassContainer mode;
 *   3. (to come) drops to the configured uid/gid (run-as).
 * The variable is removed before exec: the function has no use for it.
 */
#define _GNU_SOURCE
#include "isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NLL_CGROUP_ENV "NANOLAMBDA_CGROUP_PROCS"
#define NLL_MAX_CGROUP_PATHS 4096

static const char nll_name[] = "nanolambda-launcher";

/* Writes our pid to one cgroup.procs file. */
static int nll_join_cgroup(const char *procs) {
    char pid[32];
    int fd, len, err;
    ssize_t wrote;

    len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot open %s to join the worker's cgroup: %s\n", nll_name, procs, strerror(errno));
        return -1;
    }
    wrote = write(fd, pid, (size_t)len);
    err = errno;
    (void)close(fd);
    if (wrote != (ssize_t)len) {
        fprintf(stderr, "%s: cannot join the cgroup of %s: %s\n", nll_name, procs, strerror(err));
        return -1;
    }
    return 0;
}

static int nll_join_cgroups(void) {
    const char *list = getenv(NLL_CGROUP_ENV);
    char paths[NLL_MAX_CGROUP_PATHS];
    char *path, *save = NULL;

    if (list == NULL || list[0] == '\0') return 0;
    if (strlen(list) >= sizeof paths) {
        fprintf(stderr, "%s: %s is too long\n", nll_name, NLL_CGROUP_ENV);
        return -1;
    }
    strcpy(paths, list);
    for (path = strtok_r(paths, ":", &save); path != NULL; path = strtok_r(NULL, ":", &save))
        if (nll_join_cgroup(path) != 0) return -1;
    return unsetenv(NLL_CGROUP_ENV);
}

int nll_isolate(const char *executable, char *const argv[]) {
    (void)executable;
    (void)argv;
    return nll_join_cgroups();
}

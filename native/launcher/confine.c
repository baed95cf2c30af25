/*
 * confine.c - cgroups, rlimits and run-as for the function's process (see
 * confine.h). The host created the cgroups with their limits; joining them
 * before exec means the exec and every byte after it are charged.
 */
#define _GNU_SOURCE
#include "confine.h"

#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

int nll_open_cgroups(const struct nll_settings *s, struct nll_cgroups *groups) {
    char *path, *save = NULL;
    groups->count = 0;
    if (s->cgroup_procs == NULL) return 0;
    for (path = strtok_r(s->cgroup_procs, ":", &save); path != NULL; path = strtok_r(NULL, ":", &save)) {
        int fd;
        if (groups->count == NLL_MAX_CGROUPS) return nll_report("more than %d cgroups to join", NLL_MAX_CGROUPS);
        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0) return nll_report_errno("cannot open %s to join the worker's cgroup", path);
        groups->fds[groups->count++] = fd;
    }
    return 0;
}

int nll_enter_cgroups(struct nll_cgroups *groups) {
    char pid[32];
    size_t i;
    int len = sprintf(pid, "%ld\n", (long)getpid());
    for (i = 0; i < groups->count; i++) {
        ssize_t wrote = write(groups->fds[i], pid, (size_t)len);
        if (wrote != (ssize_t)len) return nll_report_errno("cannot join the worker's cgroup");
        (void)close(groups->fds[i]);
    }
    groups->count = 0;
    return 0;
}

static int nll_set_limit(int resource, const char *name, const struct nll_limit *limit) {
    struct rlimit want;
    if (!limit->set) return 0;
    want.rlim_cur = want.rlim_max = (rlim_t)limit->value;
    if (setrlimit(resource, &want) == 0) return 0;
    if (errno == EPERM) {
        /* Not root and asked above the hard limit: the hard limit is the
         * most we can give. Say so, and go on. */
        struct rlimit have;
        if (getrlimit(resource, &have) == 0 && have.rlim_max < want.rlim_max) {
            want.rlim_cur = want.rlim_max = have.rlim_max;
            if (setrlimit(resource, &want) == 0) {
                nll_report("%s: cannot raise the hard limit to %lu, using %lu", name, limit->value,
                           (unsigned long)have.rlim_max);
                return 0;
            }
        }
    }
    return nll_report_errno("cannot set %s to %lu", name, limit->value);
}

int nll_apply_rlimits(const struct nll_settings *s) {
    if (nll_set_limit(RLIMIT_NOFILE, "RLIMIT_NOFILE", &s->nofile) != 0) return -1;
    if (nll_set_limit(RLIMIT_CORE, "RLIMIT_CORE", &s->core) != 0) return -1;
    if (nll_set_limit(RLIMIT_DATA, "RLIMIT_DATA", &s->data) != 0) return -1;
    return nll_set_limit(RLIMIT_NPROC, "RLIMIT_NPROC", &s->nproc);
}

int nll_become(const struct nll_settings *s, pid_t expected_parent) {
    if (!s->run_as) return 0;
    /* Only root may set groups; a runtime that is not root can only run
     * functions as itself, which the host checked already. */
    if (geteuid() == 0 && setgroups(s->ngroups, s->groups) != 0)
        return nll_report_errno("cannot set the supplementary groups");
    if (setresgid(s->gid, s->gid, s->gid) != 0) return nll_report_errno("cannot run as gid %lu", (unsigned long)s->gid);
    if (setresuid(s->uid, s->uid, s->uid) != 0) return nll_report_errno("cannot run as uid %lu", (unsigned long)s->uid);
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) return nll_report_errno("cannot set the parent-death signal");
    if (getppid() != expected_parent) return nll_report("the host exited before the function started");
    return 0;
}

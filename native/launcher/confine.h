/*
 * confine.h - the limits every worker gets, container or not: its cgroups,
 * its rlimits and its identity (run-as). Applied in the process that execs
 * the function, in this order, while it is still root.
 */
#ifndef NLL_CONFINE_H
#define NLL_CONFINE_H

#include "settings.h"

#include <sys/types.h>

#define NLL_MAX_CGROUPS 8

struct nll_cgroups {
    size_t count;
    int fds[NLL_MAX_CGROUPS];
};

/* Opens the cgroup.procs files named in the settings. Separate from
 * joining because a container opens them while the host's /sys is still
 * in view and joins later, in the function's own process. */
int nll_open_cgroups(const struct nll_settings *s, struct nll_cgroups *groups);

/* Moves the calling process into the opened cgroups and closes them. */
int nll_enter_cgroups(struct nll_cgroups *groups);

/* Sets the rlimits of the settings (soft and hard). */
int nll_apply_rlimits(const struct nll_settings *s);

/* Switches to the run-as identity, if any, then re-arms the parent-death
 * signal (the kernel clears it on a uid or gid change) and checks that the
 * parent is still expected_parent. */
int nll_become(const struct nll_settings *s, pid_t expected_parent);

#endif /* NLL_CONFINE_H */

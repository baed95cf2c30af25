/*
 * settings.h - what the host asks of the launcher, read from NANOLAMBDA_*
 * environment variables (and then removed: the function never sees them).
 *
 *   NANOLAMBDA_CGROUP_PROCS   cgroup.procs files of the worker's cgroups, ':'-separated
 *   NANOLAMBDA_RLIMITS        "nofile=1024,core=0[,data=<bytes>][,nproc=<n>]"
 *   NANOLAMBDA_RUN_AS         "<uid>:<gid>[:<gid>,<gid>...]" (supplementary groups last)
 *   NANOLAMBDA_WORKDIR        the directory the function starts in
 *   NANOLAMBDA_CONTAINER_ROOT an empty host directory: present means
 *                             GreengrassContainer mode, the container's root is built on it
 *   NANOLAMBDA_CONTAINER_TMP_BYTES  size of the container's /tmp and /dev/shm
 *   NANOLAMBDA_CONTAINER_MOUNTS     the mount plan, one line per mount:
 *                             "bind\tro|rw\t<host path>\t<container path>"  (nosuid, nodev)
 *                             "device\tro|rw\t<host path>\t<container path>"  (a device node)
 *                             "hide\t<path>"  (an empty, unreadable directory or file over it)
 */
#ifndef NLL_SETTINGS_H
#define NLL_SETTINGS_H

#include <sys/types.h>

#define NLL_MAX_GROUPS 64

struct nll_limit {
    int set;
    unsigned long value;
};

struct nll_settings {
    char *cgroup_procs;
    struct nll_limit nofile, core, data, nproc;
    int run_as;
    uid_t uid;
    gid_t gid;
    size_t ngroups;
    gid_t groups[NLL_MAX_GROUPS];
    char *workdir;
    /* NULL for NoContainer mode. */
    char *container_root;
    unsigned long tmp_bytes;
    char *mounts;
};

/* Reads the variables into *s and removes every NANOLAMBDA_* variable but
 * the channel's two. Returns 0, or -1 after reporting a malformed value. */
int nll_read_settings(struct nll_settings *s);

#endif /* NLL_SETTINGS_H */

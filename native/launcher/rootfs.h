/*
 * rootfs.h - the filesystem a GreengrassContainer function sees:
 *
 *   /          a read-only mirror of the host's root (nosuid)
 *   /lambda    the function's code, read-only (the mount plan's bind)
 *   /tmp       private tmpfs of the configured size; /dev/shm the same
 *   /proc      the container's own pid namespace
 *   /dev       null, zero, full, random, urandom, tty, plus device resources
 *   /sys       empty, or the host's read-only with AccessSysfs
 *   hidden     the runtime's state, logs and every function's code: empty
 *              and unreadable wherever they are on the host
 *
 * Built by the container's init, in its own mount namespace, on the host's
 * empty NANOLAMBDA_CONTAINER_ROOT directory, then made the root with
 * pivot_root. Nothing of it propagates back to the host.
 */
#ifndef NLL_ROOTFS_H
#define NLL_ROOTFS_H

#include "settings.h"

/* Builds the root and moves into it. Returns 0, or -1 after reporting. */
int nll_build_rootfs(const struct nll_settings *s);

#endif /* NLL_ROOTFS_H */

/*
 * container.h - GreengrassContainer mode's processes.
 *
 *   host ── relay (the worker pid the host sees; outside the namespaces)
 *             └─ init (pid 1 of the new pid namespace; builds the root)
 *                  └─ the function (pid 2)
 *
 * The relay exists because a new pid namespace starts with a child: the
 * host cannot create one for the process it spawns. init exists because
 * the kernel protects a namespace's pid 1 from signals it has no handler
 * for: a function that was pid 1 would ignore SIGTERM, and nobody would
 * reap what it orphans. The relay forwards SIGTERM/INT/HUP/QUIT/USR1/USR2
 * to init, which forwards them to everything in the container; the
 * function's wait status travels back up, and the relay ends the same way
 * (same exit code, or the same signal), so the host sees what the function
 * did, an out-of-memory SIGKILL included. When the relay dies, init gets
 * SIGKILL (parent-death signal), and with it every process of the
 * container.
 */
#ifndef NLL_CONTAINER_H
#define NLL_CONTAINER_H

#include "confine.h"
#include "settings.h"

/* Runs argv (argv[0] a path inside the container) in a new container;
 * returns only on failure (in the relay, before anything started). The
 * function's process calls nll_exec_function. */
int nll_run_container(const struct nll_settings *s, char *const argv[]);

/* Checks that this process may create a container: prints "ok" and
 * returns 0, or prints the reason and returns non-zero. */
int nll_probe_container(void);

/* The launcher's last steps in the function's own process, container or
 * not: join the cgroups, set rlimits, become the run-as identity, enter
 * the working directory, close stray descriptors, exec. Returns only on
 * failure, with the exit status to use. */
int nll_exec_function(const struct nll_settings *s, struct nll_cgroups *groups, pid_t parent, char *const argv[]);

#endif /* NLL_CONTAINER_H */

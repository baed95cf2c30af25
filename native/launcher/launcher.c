/*
 * launcher.c - nanolambda-launcher: the small program between the host and
 * a function's executable.
 *
 *   nanolambda-launcher <executable> [args...]
 *
 * The host spawns it with the channel's memfd on fd 3 and the worker end of
 * its socket pair on fd 4 (NANOLAMBDA_SHM_FD=3, NANOLAMBDA_SOCK_FD=4 in the
 * environment). The launcher checks those descriptors, ties its lifetime to
 * the host, gives the function a clean signal state, applies isolation and
 * execs the executable in place, so the worker's pid is the launcher's.
 *
 * Exit statuses (as shells use them): 125 the launcher itself failed or
 * was misused, 126 the executable cannot be run, 127 it does not exist.
 */
#define _GNU_SOURCE
#include "isolate.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define NLL_EXIT_LAUNCHER 125
#define NLL_EXIT_CANNOT_EXEC 126
#define NLL_EXIT_NOT_FOUND 127

#define NLL_SHM_FD 3
#define NLL_SOCK_FD 4

static const char nll_name[] = "nanolambda-launcher";

/* Checks that fd is open and of the expected kind; prints why not. */
static int nll_check_fd(int fd, int want_socket, const char *role) {
    struct stat st;
    if (fstat(fd, &st) != 0) {
        fprintf(stderr, "%s: fd %d (%s) is not open: %s; start functions through the nanolambda host\n",
                nll_name, fd, role, strerror(errno));
        return -1;
    }
    if (want_socket ? !S_ISSOCK(st.st_mode) : !S_ISREG(st.st_mode)) {
        fprintf(stderr, "%s: fd %d (%s) is not a %s; start functions through the nanolambda host\n",
                nll_name, fd, role, want_socket ? "socket" : "shared memory file");
        return -1;
    }
    return 0;
}

/* Dies with the host: a worker must never outlive the runtime that owns
 * its channel. The check after prctl closes the race with a host that died
 * before the call. */
static int nll_follow_parent(void) {
    pid_t parent = getppid();
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        fprintf(stderr, "%s: cannot set the parent-death signal: %s\n", nll_name, strerror(errno));
        return -1;
    }
    if (getppid() != parent || parent == 1) {
        fprintf(stderr, "%s: the host exited before the function started\n", nll_name);
        return -1;
    }
    return 0;
}

/* Node blocks or ignores some signals in its children's inherited state
 * (SIGPIPE ignored, for one); the function must start from the defaults,
 * as it would under Greengrass. */
static int nll_reset_signals(void) {
    sigset_t none;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigemptyset(&none);
    if (sigprocmask(SIG_SETMASK, &none, NULL) != 0 || sigaction(SIGPIPE, &dfl, NULL) != 0 ||
        sigaction(SIGTERM, &dfl, NULL) != 0) {
        fprintf(stderr, "%s: cannot reset signal state: %s\n", nll_name, strerror(errno));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *executable;

    if (argc < 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s <executable> [args...]\n", nll_name);
        return NLL_EXIT_LAUNCHER;
    }
    executable = argv[1];
    if (nll_check_fd(NLL_SHM_FD, 0, "NANOLAMBDA_SHM_FD") != 0 || nll_check_fd(NLL_SOCK_FD, 1, "NANOLAMBDA_SOCK_FD") != 0)
        return NLL_EXIT_LAUNCHER;
    if (nll_follow_parent() != 0 || nll_reset_signals() != 0) return NLL_EXIT_LAUNCHER;
    if (nll_isolate(executable, argv + 1) != 0) return NLL_EXIT_LAUNCHER;

    execv(executable, argv + 1);
    {
        int err = errno;
        fprintf(stderr, "%s: cannot execute '%s': %s\n", nll_name, executable, strerror(err));
        return err == ENOENT ? NLL_EXIT_NOT_FOUND : NLL_EXIT_CANNOT_EXEC;
    }
}

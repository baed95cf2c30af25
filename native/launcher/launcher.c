/*
 * launcher.c - nanolambda-launcher: the small program between the host and
 * a function's executable.
 *
 *   nanolambda-launcher <executable> [args...]
 *   nanolambda-launcher --probe-container
 *
 * The host spawns it with the channel's memfd on fd 3 and the worker end of
 * its socket pair on fd 4 (NANOLAMBDA_SHM_FD=3, NANOLAMBDA_SOCK_FD=4 in the
 * environment) and its isolation settings in NANOLAMBDA_* variables
 * (settings.h); with NANOLAMBDA_CHANNEL=none (a runtime program speaking
 * HTTP) there is no channel, and /dev/null on both. The launcher checks those descriptors, ties its lifetime to
 * the host, gives the function a clean signal state, confines it (cgroups,
 * rlimits, run-as; confine.h) and execs the executable in place, so the
 * worker's pid is the launcher's. In GreengrassContainer mode it becomes
 * the container's relay instead (container.h), and the executable path is
 * the one inside the container.
 *
 * --probe-container tells the host whether this machine lets it create
 * containers: exit 0, or 1 with the reason on stderr.
 *
 * Exit statuses (as shells use them): 125 the launcher itself failed or
 * was misused, 126 the executable cannot be run, 127 it does not exist.
 */
#define _GNU_SOURCE
#include "confine.h"
#include "container.h"
#include "report.h"
#include "settings.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NLL_SHM_FD 3
#define NLL_SOCK_FD 4
/* Descriptors from here up are not the function's: close them before exec. */
#define NLL_FIRST_STRAY_FD 5
/* Upper bound of the fallback close loop when close_range is missing. */
#define NLL_MAX_CLOSE_FD 65536L

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

/* NANOLAMBDA_CHANNEL=none: the worker has no native channel. */
static int nll_without_channel(void) {
    const char *channel = getenv("NANOLAMBDA_CHANNEL");
    return channel != NULL && strcmp(channel, "none") == 0;
}

/* Dies with the host: a worker must never outlive the runtime that owns
 * its channel. The check after prctl closes the race with a host that died
 * before the call. */
static int nll_follow_parent(pid_t parent) {
    /* The kernel clears the parent-death signal on a uid or gid change:
     * nll_become (confine.c) arms it again after run-as. */
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

/* Closes every descriptor >= NLL_FIRST_STRAY_FD: whatever the host (or
 * whatever started it) leaked into us must not reach the function, which
 * gets exactly 0-2 and the channel on 3 and 4. close_range(2) (Linux 5.9)
 * does it in one call; without it, close up to the soft RLIMIT_NOFILE,
 * capped at NLL_MAX_CLOSE_FD. */
static void nll_close_stray_fds(void) {
    struct rlimit rl;
    long fd, last = NLL_MAX_CLOSE_FD;
#if defined(SYS_close_range) && !defined(NLL_NO_CLOSE_RANGE) /* the test builds the fallback too */
    if (syscall(SYS_close_range, (unsigned int)NLL_FIRST_STRAY_FD, ~0u, 0u) == 0) return;
#endif
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)last)
        last = (long)rl.rlim_cur;
    for (fd = NLL_FIRST_STRAY_FD; fd < last; fd++) (void)close((int)fd);
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

int nll_exec_function(const struct nll_settings *s, struct nll_cgroups *groups, pid_t parent, char *const argv[]) {
    int err;
    if (nll_enter_cgroups(groups) != 0) return NLL_EXIT_LAUNCHER;
    /* Before the rlimits: the fallback close loop is bounded by RLIMIT_NOFILE,
     * and a lower new limit would leave descriptors above it open. */
    nll_close_stray_fds();
    if (nll_apply_rlimits(s) != 0 || nll_become(s, parent) != 0) return NLL_EXIT_LAUNCHER;
    if (s->workdir != NULL && chdir(s->workdir) != 0) {
        nll_report_errno("cannot enter the working directory %s", s->workdir);
        return NLL_EXIT_LAUNCHER;
    }
    execv(argv[0], argv);
    err = errno;
    if (err == EACCES && s->run_as)
        nll_report("cannot execute '%s' as uid %lu gid %lu: %s (the file and every directory above it must be "
                   "readable and searchable by them)",
                   argv[0], (unsigned long)s->uid, (unsigned long)s->gid, strerror(err));
    else
        nll_report("cannot execute '%s': %s", argv[0], strerror(err));
    return err == ENOENT ? NLL_EXIT_NOT_FOUND : NLL_EXIT_CANNOT_EXEC;
}

int main(int argc, char **argv) {
    struct nll_settings settings;
    struct nll_cgroups groups;
    pid_t host;

    if (argc == 2 && strcmp(argv[1], "--probe-container") == 0) {
        if (nll_probe_container() != 0) return 1;
        puts("ok");
        return 0;
    }
    if (argc < 2 || argv[1][0] == '\0') {
        fprintf(stderr, "usage: %s <executable> [args...]\n", nll_name);
        return NLL_EXIT_LAUNCHER;
    }
    /* Runtime programs (Python, Node.js, a bootstrap) talk HTTP instead: the
     * host gives them /dev/null on fds 3 and 4, which stay occupied so that
     * nothing opened later lands where the container code expects them. */
    if (!nll_without_channel() &&
        (nll_check_fd(NLL_SHM_FD, 0, "NANOLAMBDA_SHM_FD") != 0 || nll_check_fd(NLL_SOCK_FD, 1, "NANOLAMBDA_SOCK_FD") != 0))
        return NLL_EXIT_LAUNCHER;
    host = getppid();
    if (nll_follow_parent(host) != 0 || nll_reset_signals() != 0 || nll_read_settings(&settings) != 0)
        return NLL_EXIT_LAUNCHER;
    if (settings.container_root != NULL) {
        (void)nll_run_container(&settings, argv + 1);
        return NLL_EXIT_LAUNCHER;
    }
    if (nll_open_cgroups(&settings, &groups) != 0) return NLL_EXIT_LAUNCHER;
    return nll_exec_function(&settings, &groups, host, argv + 1);
}

/*
 * container.c - the relay, init and function processes of a container
 * (see container.h for why there are three).
 */
#define _GNU_SOURCE
#include "container.h"

#include "report.h"
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NLL_NAMESPACES (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS)
#define NLL_SHM_FD 3
#define NLL_SOCK_FD 4

static const int nll_forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
#define NLL_FORWARDED (sizeof nll_forwarded / sizeof nll_forwarded[0])

/* The relay forwards to init's pid; init to -1, everything in its namespace. */
static volatile pid_t nll_forward_to;

static void nll_forward(int sig) {
    int saved = errno;
    if (nll_forward_to != 0) (void)kill(nll_forward_to, sig);
    errno = saved;
}

static int nll_forward_signals(pid_t to) {
    struct sigaction act;
    size_t i;
    nll_forward_to = to;
    memset(&act, 0, sizeof act);
    act.sa_handler = nll_forward;
    act.sa_flags = SA_RESTART;
    sigemptyset(&act.sa_mask);
    for (i = 0; i < NLL_FORWARDED; i++)
        if (sigaction(nll_forwarded[i], &act, NULL) != 0) return nll_report_errno("cannot forward signals");
    return 0;
}

static void nll_block_forwarded(int how) {
    sigset_t set;
    size_t i;
    sigemptyset(&set);
    for (i = 0; i < NLL_FORWARDED; i++) sigaddset(&set, nll_forwarded[i]);
    (void)sigprocmask(how, &set, NULL);
}

static void nll_default_signals(void) {
    size_t i;
    for (i = 0; i < NLL_FORWARDED; i++) (void)signal(nll_forwarded[i], SIG_DFL);
}

/* Ends this process the way the function ended. */
static void nll_end_like(int status) {
    struct rlimit no_core;
    int sig;
    if (WIFEXITED(status)) _exit(WEXITSTATUS(status));
    if (!WIFSIGNALED(status)) _exit(NLL_EXIT_LAUNCHER);
    sig = WTERMSIG(status);
    /* The function dumped its core already (if allowed); we must not. */
    no_core.rlim_cur = no_core.rlim_max = 0;
    (void)setrlimit(RLIMIT_CORE, &no_core);
    (void)signal(sig, SIG_DFL);
    {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, sig);
        (void)sigprocmask(SIG_UNBLOCK, &set, NULL);
    }
    (void)raise(sig);
    _exit(128 + sig);
}

/* pid 1: forwards signals, reaps orphans, reports the function's status. */
static void nll_init(const struct nll_settings *s, int status_fd, char *const argv[]) {
    struct nll_cgroups groups;
    struct pollfd relay;
    pid_t function;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        nll_report_errno("cannot set the parent-death signal");
        _exit(NLL_EXIT_LAUNCHER);
    }
    /* The relay holds the pipe's other end: if it is gone, so is the host. */
    relay.fd = status_fd;
    relay.events = POLLOUT;
    relay.revents = 0;
    if (poll(&relay, 1, 0) < 0 || (relay.revents & POLLERR) != 0) _exit(NLL_EXIT_LAUNCHER);
    /* Out of the relay's process group: the host signals that group, and
     * the relay forwards, so a signal reaches the function once. */
    (void)setpgid(0, 0);
    /* Opened before the host's /sys leaves our view; joined by the function. */
    if (nll_open_cgroups(s, &groups) != 0 || nll_build_rootfs(s) != 0) _exit(NLL_EXIT_LAUNCHER);

    /* The forwarded signals are still blocked (the relay blocked them). */
    if (nll_forward_signals(-1) != 0) _exit(NLL_EXIT_LAUNCHER);
    function = fork();
    if (function < 0) {
        nll_report_errno("cannot start the function");
        _exit(NLL_EXIT_LAUNCHER);
    }
    if (function == 0) {
        nll_default_signals();
        nll_block_forwarded(SIG_UNBLOCK);
        (void)close(status_fd);
        _exit(nll_exec_function(s, &groups, 1, argv));
    }
    /* The channel is the function's: the host must see it close when the
     * function ends, not when init does. */
    (void)close(NLL_SHM_FD);
    (void)close(NLL_SOCK_FD);
    while (groups.count > 0) (void)close(groups.fds[--groups.count]);
    nll_block_forwarded(SIG_UNBLOCK);
    for (;;) {
        int status;
        pid_t ended = waitpid(-1, &status, 0);
        if (ended == function) {
            ssize_t wrote = write(status_fd, &status, sizeof status);
            _exit(wrote == (ssize_t)sizeof status ? 0 : NLL_EXIT_LAUNCHER);
        }
        if (ended < 0 && errno != EINTR) _exit(NLL_EXIT_LAUNCHER);
    }
}

int nll_run_container(const struct nll_settings *s, char *const argv[]) {
    int status_pipe[2], status = 0, reported;
    pid_t init;
    ssize_t got;

    if (pipe2(status_pipe, O_CLOEXEC) != 0) return nll_report_errno("cannot create the container's status pipe");
    if (unshare(NLL_NAMESPACES) != 0)
        return nll_report_errno("cannot create the container's namespaces (GreengrassContainer mode needs root)");
    /* Blocked from before init exists until it has its handlers: the kernel
     * drops a signal sent to a namespace's pid 1 that has none, so a stop
     * while the root is being built would be lost. Blocked, it waits. */
    nll_block_forwarded(SIG_BLOCK);
    init = fork();
    if (init < 0) return nll_report_errno("cannot start the container");
    if (init == 0) {
        (void)close(status_pipe[0]);
        nll_init(s, status_pipe[1], argv);
    }
    (void)close(status_pipe[1]);
    (void)close(NLL_SHM_FD);
    (void)close(NLL_SOCK_FD);
    if (nll_forward_signals(init) != 0) {
        (void)kill(init, SIGKILL);
        return -1;
    }
    nll_block_forwarded(SIG_UNBLOCK);
    do {
        got = read(status_pipe[0], &status, sizeof status);
    } while (got < 0 && errno == EINTR);
    reported = got == (ssize_t)sizeof status;
    /* init is exiting: once reaped, its pid may be someone else's. */
    nll_forward_to = 0;
    {
        int init_status = 0;
        while (waitpid(init, &init_status, 0) < 0 && errno == EINTR) {
        }
        nll_end_like(reported ? status : init_status);
    }
    return -1;
}

/* The probe's container: pid 1 of a new pid namespace, on a tmpfs root with
 * its own /proc, as a worker's init will be. */
static void nll_probe_init(void) {
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 || mount("tmpfs", "/tmp", "tmpfs", 0, "size=65536") != 0 ||
        mkdir("/tmp/proc", 0755) != 0 || mount("proc", "/tmp/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
        nll_report_errno("cannot mount in a new mount namespace");
        _exit(1);
    }
    if (chdir("/tmp") != 0 || syscall(SYS_pivot_root, ".", ".") != 0 || umount2(".", MNT_DETACH) != 0) {
        nll_report_errno("cannot change the root with pivot_root");
        _exit(1);
    }
    _exit(0);
}

/* Forks, waits, and passes the child's failure on as ours. */
static int nll_wait_ok(pid_t child) {
    int status = 0;
    while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

int nll_probe_container(void) {
    pid_t child = fork();
    if (child < 0) return nll_report_errno("cannot fork");
    if (child == 0) {
        pid_t init;
        /* In a throwaway child: what a container's relay and init do. */
        if (unshare(NLL_NAMESPACES) != 0) {
            nll_report_errno("cannot create mount, pid, ipc and uts namespaces");
            _exit(1);
        }
        init = fork();
        if (init < 0) _exit(1);
        if (init == 0) nll_probe_init();
        _exit(nll_wait_ok(init));
    }
    return nll_wait_ok(child);
}

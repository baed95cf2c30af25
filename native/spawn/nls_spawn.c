/*
 * nls_spawn.c - posix_spawn of a worker with its descriptors, session and
 * signal state laid out as nls_spawn.h describes.
 */
#define _GNU_SOURCE
#include "nls_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#ifndef POSIX_SPAWN_SETSID
#error "nls_spawn needs POSIX_SPAWN_SETSID (glibc 2.26 or newer)"
#endif
#ifndef SYS_pidfd_open
/* Older headers lack it; the number is the same on every architecture. */
#define SYS_pidfd_open 434
#endif

/* The child's descriptors 0..4 are set by file actions in that order. */
#define NLS__CHILD_FDS 5
/* Where a source descriptor among 0..4 is copied first: well clear of them. */
#define NLS__HIGH_FD 10

static void nls__close(int fd) {
    /* EINTR still closes the descriptor on Linux: never retry. */
    if (fd >= 0) (void)close(fd);
}

/* A source descriptor among 0..4 would be overwritten by an earlier file
 * action (a pipe's write end can be 3 when the host has that number free),
 * and dup2(fd, fd) would leave it close-on-exec: work from a copy above
 * them instead. *copy gets the copy (to close after the spawn) or -1. */
static int nls__lift(int *fd, int *copy) {
    int high;

    *copy = -1;
    if (*fd >= NLS__CHILD_FDS) return 0;
    high = fcntl(*fd, F_DUPFD_CLOEXEC, NLS__HIGH_FD);
    if (high < 0) return errno;
    *fd = high;
    *copy = high;
    return 0;
}

/* Empty mask and the default action for every signal, as uv_spawn's child
 * had before its exec: Node ignores SIGPIPE, and an ignored signal stays
 * ignored across exec. The set is filled by hand because sigfillset leaves
 * out glibc's internal signals (32 and 33), and posix_spawn sets those to
 * SIG_IGN in the child unless told otherwise, which exec would keep. */
static int nls__signal_state(posix_spawnattr_t *attr) {
    sigset_t mask, defaults;
    int rc;

    sigemptyset(&mask);
    memset(&defaults, 0xff, sizeof defaults);
    rc = posix_spawnattr_setflags(attr, (short)(POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
    if (rc == 0) rc = posix_spawnattr_setsigmask(attr, &mask);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(attr, &defaults);
    return rc;
}

int nls_spawn(const char *path, char *const argv[], char *const envp[], int shm_fd, int worker_fd,
              nls_worker *out) {
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    /* Sources of the child's fds 1..4, and copies made by nls__lift. */
    int sources[NLS__CHILD_FDS - 1];
    int copies[NLS__CHILD_FDS - 1] = {-1, -1, -1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int have_actions = 0, have_attr = 0;
    pid_t pid;
    int rc, i;

    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        rc = errno;
        goto done;
    }
    sources[0] = out_pipe[1];
    sources[1] = err_pipe[1];
    sources[2] = shm_fd;
    sources[3] = worker_fd;
    for (i = 0; i < NLS__CHILD_FDS - 1; i++) {
        if ((rc = nls__lift(&sources[i], &copies[i])) != 0) goto done;
    }

    if ((rc = posix_spawn_file_actions_init(&actions)) != 0) goto done;
    have_actions = 1;
    rc = posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    for (i = 0; rc == 0 && i < NLS__CHILD_FDS - 1; i++) {
        rc = posix_spawn_file_actions_adddup2(&actions, sources[i], i + 1);
    }
    if (rc != 0) goto done;
    if ((rc = posix_spawnattr_init(&attr)) != 0) goto done;
    have_attr = 1;
    if ((rc = nls__signal_state(&attr)) != 0) goto done;

    if ((rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)) != 0) goto done;
    out->pid = (int)pid;
    out->stdout_fd = out_pipe[0];
    out->stderr_fd = err_pipe[0];
    out_pipe[0] = -1;
    err_pipe[0] = -1;
    /* Any failure (ENOSYS, EPERM under seccomp, EMFILE) only means the
     * caller polls waitpid: the child runs and must be watched either way. */
    out->pidfd = (int)syscall(SYS_pidfd_open, pid, 0u);
    if (out->pidfd < 0) out->pidfd = -1;

done:
    if (have_attr) posix_spawnattr_destroy(&attr);
    if (have_actions) posix_spawn_file_actions_destroy(&actions);
    for (i = 0; i < NLS__CHILD_FDS - 1; i++) nls__close(copies[i]);
    /* The child has its write ends (or never will): only EOF is ours now. */
    nls__close(out_pipe[0]);
    nls__close(out_pipe[1]);
    nls__close(err_pipe[0]);
    nls__close(err_pipe[1]);
    return rc;
}

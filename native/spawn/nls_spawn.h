/*
 * nls_spawn.h - starts a worker process (the launcher) with posix_spawn.
 *
 * Why not libuv's uv_spawn (Node's child_process): on Linux it fork()s the
 * whole runtime, copying the page tables of a ~100 MB process only to throw
 * them away at exec, which costs several milliseconds per worker. glibc's
 * posix_spawn uses clone(CLONE_VM | CLONE_VFORK): the child borrows our
 * memory until it execs, at a fraction of the cost.
 *
 * The child gets exactly what child_process.spawn(path, argv, { stdio:
 * ['ignore', 'pipe', 'pipe', shm_fd, worker_fd], env, detached: true })
 * gave it:
 *   fd 0  /dev/null (read-only)
 *   fd 1  the write end of a new pipe; the host reads the other end
 *   fd 2  likewise, a pipe of its own
 *   fd 3  shm_fd (the channel's memfd)
 *   fd 4  worker_fd (the worker end of the channel's socket pair)
 *   its own session and process group (setsid), so the host can signal the
 *   worker and everything it forks as one group;
 *   an empty signal mask and the default action for every signal (Node
 *   ignores SIGPIPE, and ignored signals survive exec);
 *   envp as its whole environment.
 * Other descriptors follow their close-on-exec flag, as with uv_spawn.
 *
 * C89; Linux with glibc >= 2.26 (POSIX_SPAWN_SETSID). Thread-safe as far as
 * posix_spawn is; no globals.
 */
#ifndef NLS_SPAWN_H
#define NLS_SPAWN_H

/* What nls_spawn hands back. The caller owns every descriptor in it. */
typedef struct nls_worker {
    int pid;
    /* Read ends of the child's stdout and stderr pipes (close-on-exec,
     * blocking; the caller may make them non-blocking: the child's ends
     * are separate open files and keep their own flags). */
    int stdout_fd;
    int stderr_fd;
    /* A pidfd for pid (close-on-exec; readable once the child exited), or
     * -1 when the kernel refused one (ENOSYS before Linux 5.3, or a
     * seccomp policy): the caller then has to poll waitpid instead. */
    int pidfd;
} nls_worker;

/*
 * Starts path with argv (NULL-terminated, argv[0] included) and envp
 * (NULL-terminated "NAME=value" strings). shm_fd and worker_fd are borrowed:
 * the child gets copies, the caller keeps (and later closes) its own.
 * path is used as given: no PATH search.
 *
 * Returns 0 and fills *out, or an errno value (positive) and leaves nothing
 * open and no child behind. Failures of the exec itself (ENOENT, EACCES,
 * ENOEXEC, ...) come back here too: glibc's posix_spawn reports them and
 * reaps the child.
 */
int nls_spawn(const char *path, char *const argv[], char *const envp[], int shm_fd, int worker_fd,
              nls_worker *out);

#endif

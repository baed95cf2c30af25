/*
 * inside.c - symlink-proof opening inside the container's root (inside.h).
 */
#define _GNU_SOURCE
#include "inside.h"

#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NLL_PATH 4096

void nll_fd_path(char *out, int fd) {
    sprintf(out, "/proc/self/fd/%d", fd);
}

/* Opens one directory component below dir, creating it when asked. */
static int nll_step_directory(int dir, const char *name, int create) {
    int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0 || errno != ENOENT || !create) return fd;
    if (mkdirat(dir, name, 0755) != 0 && errno != EEXIST) return -1;
    return openat(dir, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
}

/* Opens the last component as a file (not a directory, not a symlink),
 * creating an empty one when missing. */
static int nll_step_file(int dir, const char *name) {
    struct stat st;
    int fd = openat(dir, name, O_RDONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd >= 0) (void)close(fd);
    else if (errno != EEXIST) return -1;
    fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    if (fstat(fd, &st) != 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
        (void)close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : ELOOP;
        return -1;
    }
    return fd;
}

int nll_open_inside(const char *root, const char *path, enum nll_kind kind, const char *shown) {
    char copy[NLL_PATH];
    char *name, *next, *save = NULL;
    int dir;

    if (path[0] != '/' || strlen(path) >= sizeof copy) return nll_report("expected an absolute path, found %s", shown);
    strcpy(copy, path);
    dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return nll_report_errno("cannot open the container's root %s", root);
    for (name = strtok_r(copy, "/", &save); name != NULL; name = next) {
        int fd;
        next = strtok_r(NULL, "/", &save);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
            (void)close(dir);
            return nll_report("%s: \".\" and \"..\" are not allowed in container paths", shown);
        }
        if (next == NULL && kind == NLL_FILE) fd = nll_step_file(dir, name);
        else if (next == NULL && kind == NLL_EXISTING) fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        else fd = nll_step_directory(dir, name, kind != NLL_EXISTING);
        if (fd < 0) {
            int err = errno;
            (void)close(dir);
            if (kind == NLL_EXISTING && (err == ENOENT || err == ENOTDIR || err == ELOOP)) return -2;
            errno = err;
            if (err == EROFS)
                return nll_report("cannot create %s in the container: its parent is a read-only directory of the host "
                                  "(create it on the gateway, or choose a path outside the host's directories)",
                                  shown);
            if (err == ELOOP || err == ENOTDIR)
                return nll_report("cannot use %s in the container: \"%s\" on the way is a symlink or not a directory",
                                  shown, name);
            return nll_report_errno("cannot open %s in the container", shown);
        }
        (void)close(dir);
        dir = fd;
    }
    return dir;
}

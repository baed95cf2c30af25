/*
 * rootfs.c - builds a container's root filesystem (see rootfs.h).
 */
#define _GNU_SOURCE
#include "rootfs.h"

#include "inside.h"
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/types.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_RDONLY
#define MOUNT_ATTR_RDONLY 0x00000001
#endif
#ifndef MOUNT_ATTR_NOSUID
#define MOUNT_ATTR_NOSUID 0x00000002
#endif
#ifndef MOUNT_ATTR_NODEV
#define MOUNT_ATTR_NODEV 0x00000004
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

#define NLL_PATH 4096
/* Where hidden files are covered from: an empty file nobody may open. */
#define NLL_EMPTY_FILE "/dev/.nanolambda-empty"

/* struct mount_attr of mount_setattr(2), spelled out: older C libraries lack it. */
struct nll_mount_attr {
    __u64 attr_set;
    __u64 attr_clr;
    __u64 propagation;
    __u64 userns_fd;
};

/* Host directories the container gets its own version of. */
static const char *const nll_own_top[] = {"proc", "sys", "dev", "tmp", "lambda", NULL};
/* Device nodes every function gets, bound from the host's /dev. */
static const char *const nll_basic_devices[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};

static int nll_in_root(char *out, const char *root, const char *path) {
    if ((size_t)snprintf(out, NLL_PATH, "%s%s%s", root, path[0] == '/' ? "" : "/", path) >= NLL_PATH)
        return nll_report("path too long: %s%s", root, path);
    return 0;
}

/* The per-mount flags a remount must keep (it replaces them all). */
static unsigned long nll_kept_flags(const char *target) {
    struct statvfs st;
    unsigned long flags = 0;
    if (statvfs(target, &st) != 0) return 0;
    if (st.f_flag & ST_NODEV) flags |= MS_NODEV;
    if (st.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    if (st.f_flag & ST_NOATIME) flags |= MS_NOATIME;
    if (st.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
    if (st.f_flag & ST_RELATIME) flags |= MS_RELATIME;
    return flags;
}

/* Unescapes mountinfo's octal escapes (\040 for a space) in place. */
static void nll_unescape(char *s) {
    char *out = s;
    while (*s != '\0') {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
            s += 4;
        } else {
            *out++ = *s++;
        }
    }
    *out = '\0';
}

/* Without mount_setattr (Linux < 5.12): remount the mount at target and
 * each one below it, as /proc/self/mountinfo lists them. */
static int nll_remount_tree(const char *target, unsigned long flags) {
    char line[2 * NLL_PATH];
    size_t len = strlen(target);
    FILE *info = fopen("/proc/self/mountinfo", "re");
    if (info == NULL) return nll_report_errno("cannot read /proc/self/mountinfo");
    while (fgets(line, sizeof line, info) != NULL) {
        char *point, *save = NULL;
        int field;
        point = strtok_r(line, " ", &save);
        for (field = 1; field < 5 && point != NULL; field++) point = strtok_r(NULL, " ", &save);
        if (point == NULL) continue;
        nll_unescape(point);
        if (strncmp(point, target, len) != 0 || (point[len] != '\0' && point[len] != '/')) continue;
        if (mount(NULL, point, NULL, MS_REMOUNT | MS_BIND | flags | nll_kept_flags(point), NULL) != 0) {
            nll_report_errno("cannot make %s read-only", point);
            (void)fclose(info);
            return -1;
        }
    }
    (void)fclose(info);
    return 0;
}

/* Makes the mount now at `path` inside root, and everything below it,
 * nosuid (nodev too unless it holds device nodes), and read-only when asked. */
static int nll_restrict(const char *root, const char *path, int readonly, int devices) {
    struct nll_mount_attr attr;
    char target[NLL_PATH], fd_path[32];
    int fd = nll_open_inside(root, path, NLL_EXISTING, path), failed;
    if (fd == -2) return nll_report("the mount at %s in the container is gone", path);
    if (fd < 0) return -1;
    memset(&attr, 0, sizeof attr);
    attr.attr_set = MOUNT_ATTR_NOSUID | (devices ? 0 : MOUNT_ATTR_NODEV) | (readonly ? MOUNT_ATTR_RDONLY : 0);
#ifdef SYS_mount_setattr
    if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) == 0) {
        (void)close(fd);
        return 0;
    }
    if (errno != ENOSYS) {
        (void)close(fd);
        return nll_report_errno("cannot restrict the mount at %s in the container", path);
    }
#endif
    /* Linux < 5.12: the mount itself through its descriptor, then the
     * mounts below it by the names mountinfo gives them. */
    nll_fd_path(fd_path, fd);
    failed = mount(NULL, fd_path, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | (devices ? 0UL : MS_NODEV) |
                                             (readonly ? MS_RDONLY : 0UL) | nll_kept_flags(fd_path), NULL);
    (void)close(fd);
    if (failed) return nll_report_errno("cannot restrict the mount at %s in the container", path);
    if (nll_in_root(target, root, path) != 0) return -1;
    return nll_remount_tree(target, MS_NOSUID | (devices ? 0UL : MS_NODEV) | (readonly ? MS_RDONLY : 0UL));
}

/* Binds the host's `source` at `path` inside root. The source is opened
 * without following symlinks too: the runtime passes real paths, and a
 * symlink there now was planted since. */
static int nll_bind(const char *root, const char *source, const char *path, int readonly, int devices) {
    struct stat st;
    char from[32], to[32];
    int src, dst, failed;
    src = nll_open_inside("/", source, NLL_EXISTING, source);
    if (src == -2) return nll_report("cannot mount %s at %s: it does not exist, or a symlink is on its path", source, path);
    if (src < 0) return -1;
    if (fstat(src, &st) != 0 || S_ISLNK(st.st_mode)) {
        (void)close(src);
        return nll_report("cannot mount %s at %s: it is a symlink", source, path);
    }
    dst = nll_open_inside(root, path, S_ISDIR(st.st_mode) ? NLL_DIRECTORY : NLL_FILE, path);
    if (dst < 0) {
        (void)close(src);
        return -1;
    }
    nll_fd_path(from, src);
    nll_fd_path(to, dst);
    failed = mount(from, to, NULL, MS_BIND | MS_REC, NULL);
    if (failed) nll_report_errno("cannot mount %s at %s", source, path);
    (void)close(src);
    (void)close(dst);
    return failed ? -1 : nll_restrict(root, path, readonly, devices);
}

static int nll_tmpfs(const char *root, const char *path, const char *options, unsigned long flags) {
    char to[32];
    int dst = nll_open_inside(root, path, NLL_DIRECTORY, path), failed;
    if (dst < 0) return -1;
    nll_fd_path(to, dst);
    failed = mount("tmpfs", to, "tmpfs", MS_NOSUID | MS_NODEV | flags, options);
    (void)close(dst);
    return failed ? nll_report_errno("cannot mount a tmpfs at %s in the container", path) : 0;
}

static int nll_is_own_top(const char *name) {
    const char *const *own;
    for (own = nll_own_top; *own != NULL; own++)
        if (strcmp(*own, name) == 0) return 1;
    return 0;
}

/* The host's top-level entries, read-only; symlinks (merged /usr's /bin)
 * copied as they are. */
static int nll_mirror_host(const char *root) {
    DIR *top = opendir("/");
    struct dirent *entry;
    char host[NLL_PATH], target[NLL_PATH];
    if (top == NULL) return nll_report_errno("cannot list /");
    while ((entry = readdir(top)) != NULL) {
        struct stat st;
        const char *name = entry->d_name;
        int failed = 0;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || nll_is_own_top(name)) continue;
        sprintf(host, "/%.*s", NLL_PATH - 2, name);
        if (nll_in_root(target, root, host) != 0 || lstat(host, &st) != 0) continue;
        if (S_ISLNK(st.st_mode)) {
            char link[NLL_PATH];
            ssize_t len = readlink(host, link, sizeof link - 1);
            if (len < 0) continue;
            link[len] = '\0';
            failed = symlink(link, target) != 0 ? nll_report_errno("cannot copy the symlink %s", host) : 0;
        } else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
            failed = nll_bind(root, host, host, 1, 0);
        }
        if (failed) {
            (void)closedir(top);
            return -1;
        }
    }
    (void)closedir(top);
    return 0;
}

static int nll_build_dev(const char *root, unsigned long tmp_bytes) {
    char target[NLL_PATH], host[NLL_PATH], options[64];
    const char *const *name;
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"}};
    size_t i;
    int fd;
    if (nll_tmpfs(root, "/dev", "mode=0755,size=65536", MS_NOEXEC) != 0) return -1;
    for (name = nll_basic_devices; *name != NULL; name++) {
        sprintf(host, "/dev/%s", *name);
        if (access(host, F_OK) != 0) continue;
        if (nll_bind(root, host, host, 0, 1) != 0) return -1;
    }
    for (i = 0; i < sizeof links / sizeof links[0]; i++) {
        sprintf(host, "/dev/%s", links[i][0]);
        if (nll_in_root(target, root, host) != 0) return -1;
        if (symlink(links[i][1], target) != 0) return nll_report_errno("cannot create %s in the container", host);
    }
    fd = nll_open_inside(root, NLL_EMPTY_FILE, NLL_FILE, NLL_EMPTY_FILE);
    if (fd < 0) return -1;
    (void)close(fd);
    sprintf(options, "mode=1777,size=%lu", tmp_bytes);
    return nll_tmpfs(root, "/dev/shm", options, 0);
}

/* Covers a path with something empty: a read-only, mode 000 tmpfs over a
 * directory, the empty file over anything else. A path that is absent, or
 * reached through a symlink, is left alone: the runtime sends the real path
 * of everything it hides as well. */
static int nll_hide(const char *root, const char *path) {
    struct stat st;
    char to[32], empty[32];
    int target = nll_open_inside(root, path, NLL_EXISTING, path), source, failed;
    if (target == -2) return 0;
    if (target < 0) return -1;
    if (fstat(target, &st) != 0 || S_ISLNK(st.st_mode)) {
        (void)close(target);
        return 0;
    }
    nll_fd_path(to, target);
    if (S_ISDIR(st.st_mode)) {
        failed = mount("tmpfs", to, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=000,size=4096");
        (void)close(target);
        return failed ? nll_report_errno("cannot hide %s from the container", path) : 0;
    }
    source = nll_open_inside(root, NLL_EMPTY_FILE, NLL_EXISTING, NLL_EMPTY_FILE);
    if (source < 0) {
        (void)close(target);
        return nll_report("cannot hide %s from the container: %s is missing", path, NLL_EMPTY_FILE);
    }
    nll_fd_path(empty, source);
    failed = mount(empty, to, NULL, MS_BIND, NULL);
    (void)close(source);
    (void)close(target);
    if (failed) return nll_report_errno("cannot hide %s from the container", path);
    return nll_restrict(root, path, 1, 0);
}

/* Runs the host's mount plan (settings.h) in its order. */
static int nll_run_plan(const char *root, char *plan) {
    char *line, *save = NULL;
    if (plan == NULL) return 0;
    for (line = strtok_r(plan, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *fields[5], *field_save = NULL;
        int n = 0, failed;
        for (fields[n] = strtok_r(line, "\t", &field_save); fields[n] != NULL && n < 4;)
            fields[++n] = strtok_r(NULL, "\t", &field_save);
        if (n == 2 && strcmp(fields[0], "hide") == 0) {
            failed = nll_hide(root, fields[1]);
        } else if (n == 4 && strcmp(fields[0], "bind") == 0 && (strcmp(fields[1], "ro") == 0 || strcmp(fields[1], "rw") == 0)) {
            failed = nll_bind(root, fields[2], fields[3], fields[1][1] == 'o', 0);
        } else if (n == 4 && strcmp(fields[0], "device") == 0 && (strcmp(fields[1], "ro") == 0 || strcmp(fields[1], "rw") == 0)) {
            failed = nll_bind(root, fields[2], fields[3], fields[1][1] == 'o', 1);
        } else {
            return nll_report("NANOLAMBDA_CONTAINER_MOUNTS: cannot read the line \"%s\"", line);
        }
        if (failed) return -1;
    }
    return 0;
}

int nll_build_rootfs(const struct nll_settings *s) {
    const char *root = s->container_root;
    char to[32], options[64];
    int proc, dev, failed;

    /* Our copies of the host's mounts must not propagate back to it. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) return nll_report_errno("cannot make the mounts private");
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=65536") != 0)
        return nll_report_errno("cannot mount the container's root on %s", root);
    /* Unbindable: binding the host's directories must not copy the root
     * being built into itself (it lives somewhere under them). */
    if (mount(NULL, root, NULL, MS_UNBINDABLE, NULL) != 0) return nll_report_errno("cannot make %s unbindable", root);
    if (nll_mirror_host(root) != 0) return -1;

    proc = nll_open_inside(root, "/proc", NLL_DIRECTORY, "/proc");
    if (proc < 0) return -1;
    nll_fd_path(to, proc);
    failed = mount("proc", to, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    (void)close(proc);
    if (failed) return nll_report_errno("cannot mount /proc in the container");
    if (nll_build_dev(root, s->tmp_bytes) != 0) return -1;
    sprintf(options, "mode=1777,size=%lu", s->tmp_bytes);
    if (nll_tmpfs(root, "/tmp", options, 0) != 0) return -1;
    proc = nll_open_inside(root, "/sys", NLL_DIRECTORY, "/sys");
    if (proc < 0) return -1;
    (void)close(proc);
    if (nll_run_plan(root, s->mounts) != 0) return -1;

    /* Nothing more is created: the skeleton and /dev become read-only. */
    dev = nll_open_inside(root, "/dev", NLL_EXISTING, "/dev");
    if (dev < 0) return nll_report("the container's /dev is gone");
    nll_fd_path(to, dev);
    failed = mount(NULL, to, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0 ||
             mount(NULL, root, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0;
    (void)close(dev);
    if (failed) return nll_report_errno("cannot make the container's root read-only");

    if (chdir(root) != 0) return nll_report_errno("cannot enter %s", root);
    if (syscall(SYS_pivot_root, ".", ".") != 0) return nll_report_errno("cannot make %s the root (pivot_root)", root);
    /* The old root is stacked under the new one: detach it, so nothing of
     * the host is reachable but what was bound. */
    if (umount2(".", MNT_DETACH) != 0) return nll_report_errno("cannot detach the host's root");
    if (chdir("/") != 0) return nll_report_errno("cannot enter the container's root");
    return 0;
}

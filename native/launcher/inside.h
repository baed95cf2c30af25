/*
 * inside.h - opening a path inside the container's root being built, one
 * component at a time, never following a symlink.
 *
 * Why: before pivot_root, "<root>/data/sub" is resolved by root against the
 * host. Part of the tree under <root> is bound from directories a function
 * may write (its read-write volumes), so a function could plant a symlink
 * there between two starts and have the launcher mount, create or hide
 * something on the host. Every step here holds a directory descriptor and
 * opens the next component with O_NOFOLLOW, so what is opened is what is
 * inside. The result is an O_PATH descriptor; mounts go through its
 * /proc/self/fd/<n> name, which the kernel resolves to that very file.
 */
#ifndef NLL_INSIDE_H
#define NLL_INSIDE_H

enum nll_kind { NLL_DIRECTORY, NLL_FILE, NLL_EXISTING };

/* Opens `path` (absolute, "." and ".." refused) under the directory `root`.
 * NLL_DIRECTORY and NLL_FILE create what is missing (directories 0755, an
 * empty file 0444); NLL_EXISTING creates nothing. Returns an O_PATH fd,
 * -2 when an NLL_EXISTING path or one of its directories is absent or a
 * symlink, or -1 after reporting (`shown` names the path). */
int nll_open_inside(const char *root, const char *path, enum nll_kind kind, const char *shown);

/* Writes "/proc/self/fd/<fd>" into out (at least 32 bytes). */
void nll_fd_path(char *out, int fd);

#endif /* NLL_INSIDE_H */

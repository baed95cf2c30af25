/*
 * settings.c - parses the host's NANOLAMBDA_* variables (see settings.h).
 * The host writes them, so a malformed one is a bug worth a clear line,
 * not a guess.
 */
#define _GNU_SOURCE
#include "settings.h"

#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* Variables the function keeps: csdk finds its channel through them. */
static const char *const nll_kept[] = {"NANOLAMBDA_SHM_FD=", "NANOLAMBDA_SOCK_FD="};

/* A copy of the variable's value in *out (NULL when unset). Out of memory
 * is an error, never "unset": that would run the function unconfined. */
static int nll_copy_env(const char *name, char **out) {
    const char *value = getenv(name);
    *out = value == NULL ? NULL : strdup(value);
    if (value != NULL && *out == NULL) return nll_report("out of memory reading %s", name);
    return 0;
}

/* Parses a whole decimal number; *end must be one of the accepted stops. */
static int nll_number(const char *text, const char *stops, unsigned long *out, const char **end) {
    char *after;
    if (*text < '0' || *text > '9') return -1;
    errno = 0;
    *out = strtoul(text, &after, 10);
    if (errno != 0 || (*after != '\0' && strchr(stops, *after) == NULL)) return -1;
    *end = after;
    return 0;
}

static int nll_parse_rlimits(const char *text, struct nll_settings *s) {
    const char *p = text;
    while (*p != '\0') {
        struct nll_limit *limit;
        const char *eq = strchr(p, '=');
        size_t len = eq == NULL ? 0 : (size_t)(eq - p);
        if (len == 6 && strncmp(p, "nofile", len) == 0) limit = &s->nofile;
        else if (len == 4 && strncmp(p, "core", len) == 0) limit = &s->core;
        else if (len == 4 && strncmp(p, "data", len) == 0) limit = &s->data;
        else if (len == 5 && strncmp(p, "nproc", len) == 0) limit = &s->nproc;
        else return nll_report("NANOLAMBDA_RLIMITS: unknown limit at \"%s\" (expected nofile, core, data or nproc)", p);
        if (nll_number(eq + 1, ",", &limit->value, &p) != 0)
            return nll_report("NANOLAMBDA_RLIMITS: expected a number after \"%.*s=\" in \"%s\"", (int)len, p, text);
        limit->set = 1;
        if (*p == ',') p++;
    }
    return 0;
}

static int nll_parse_run_as(const char *text, struct nll_settings *s) {
    unsigned long uid, gid, group;
    const char *p;
    if (nll_number(text, ":", &uid, &p) != 0 || *p != ':' || nll_number(p + 1, ":", &gid, &p) != 0)
        return nll_report("NANOLAMBDA_RUN_AS: expected <uid>:<gid>[:<gid>,...], found \"%s\"", text);
    s->run_as = 1;
    s->uid = (uid_t)uid;
    s->gid = (gid_t)gid;
    if (*p == '\0') return 0;
    p++;
    while (*p != '\0') {
        if (s->ngroups == NLL_MAX_GROUPS) return nll_report("NANOLAMBDA_RUN_AS: more than %d groups", NLL_MAX_GROUPS);
        if (nll_number(p, ",", &group, &p) != 0)
            return nll_report("NANOLAMBDA_RUN_AS: expected a group id at \"%s\"", p);
        s->groups[s->ngroups++] = (gid_t)group;
        if (*p == ',') p++;
    }
    return 0;
}

/* Removes NANOLAMBDA_* but the kept ones. Restarts after each removal:
 * unsetenv shifts environ. */
static int nll_scrub_environment(void) {
    int again = 1;
    while (again) {
        char **e;
        again = 0;
        for (e = environ; *e != NULL; e++) {
            char name[128];
            const char *eq;
            size_t len;
            if (strncmp(*e, "NANOLAMBDA_", 11) != 0) continue;
            if (strncmp(*e, nll_kept[0], strlen(nll_kept[0])) == 0 || strncmp(*e, nll_kept[1], strlen(nll_kept[1])) == 0)
                continue;
            eq = strchr(*e, '=');
            len = eq == NULL ? strlen(*e) : (size_t)(eq - *e);
            if (len >= sizeof name) return nll_report("environment variable name too long: %.40s...", *e);
            memcpy(name, *e, len);
            name[len] = '\0';
            if (unsetenv(name) != 0) return nll_report_errno("cannot remove %s from the environment", name);
            again = 1;
            break;
        }
    }
    return 0;
}

int nll_read_settings(struct nll_settings *s) {
    const char *text;
    memset(s, 0, sizeof *s);
    if (nll_copy_env("NANOLAMBDA_CGROUP_PROCS", &s->cgroup_procs) != 0 || nll_copy_env("NANOLAMBDA_WORKDIR", &s->workdir) != 0 ||
        nll_copy_env("NANOLAMBDA_CONTAINER_ROOT", &s->container_root) != 0 ||
        nll_copy_env("NANOLAMBDA_CONTAINER_MOUNTS", &s->mounts) != 0)
        return -1;
    if ((text = getenv("NANOLAMBDA_RLIMITS")) != NULL && nll_parse_rlimits(text, s) != 0) return -1;
    if ((text = getenv("NANOLAMBDA_RUN_AS")) != NULL && nll_parse_run_as(text, s) != 0) return -1;
    if ((text = getenv("NANOLAMBDA_CONTAINER_TMP_BYTES")) != NULL) {
        const char *end;
        if (nll_number(text, "", &s->tmp_bytes, &end) != 0 || s->tmp_bytes == 0)
            return nll_report("NANOLAMBDA_CONTAINER_TMP_BYTES: expected a positive number, found \"%s\"", text);
    }
    if (s->container_root != NULL && s->tmp_bytes == 0)
        return nll_report("NANOLAMBDA_CONTAINER_ROOT is set without NANOLAMBDA_CONTAINER_TMP_BYTES");
    return nll_scrub_environment();
}

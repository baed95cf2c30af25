/*
 * host_harness.c - a scriptable stand-in for the nanolambda host, for
 * end-to-end tests of the SDK. It spawns one worker the way the host does
 * (fd 3 = region, fd 4 = socket), then takes commands on stdin and reports
 * events on stdout as JSON lines. Unlike the floor benchmark it never spins:
 * it arms the result ring and waits for Doorbell frames, so the worker's
 * doorbell path is what gets exercised. It also answers the worker's
 * Requests:
 *   publish: status $HARNESS_PUBLISH_STATUS (default 0); AGAIN (4) under
 *            ALL_OR_ERROR when $HARNESS_QUEUE_FULL=1; empty payload
 *   invoke:  status $HARNESS_INVOKE_STATUS (default 0), payload
 *            "invoked <arn> event=<0|1>: <payload>"
 *   shadow, secret: UNHANDLED (2) with a JSON error document
 *
 *   host_harness [--lib DIR] [--log FILE] EXE [ARGS...]
 *
 * Commands (one per line):
 *   invoke CTX PAYLOAD   CTX "-" for none; PAYLOAD is the rest of the line
 *   invokelen CTX N      payload of N bytes (i*7+3 pattern); result reported
 *                        as a length and a match flag instead of the bytes
 *   sleep MS             pause MS milliseconds (lets a worker's threads run)
 *   ctxsw                report the worker's voluntary context switches per
 *                        thread (/proc/PID/task/TID/status)
 *   shutdown | sigterm | kill | close | wait
 * $HARNESS_RESULT_TIMEOUT_MS bounds the wait for a result (default 5000).
 * Events: hello, request, result {id,status,len,payload,doorbells}, timeout
 *   {busy_id}, ctxsw {pid,threads:[{tid,voluntary}]}, exit {code,signal,ms}
 *   (ms: from the last shutdown/sigterm/kill/close command to the reaped
 *   exit, -1 when none was given).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nlw_channel.h"
#include "nlw_control.h"


static nlw_channel ch;
static int sock = -1;
static pid_t child = -1;
static unsigned doorbells;
static struct timespec stop_sent; /* when the last stop command was sent */
static int stop_pending;
static unsigned char frame_buf[NLW_MAX_FRAME_BYTES];

static void fail(const char *why)
{
    printf("{\"event\":\"error\",\"message\":\"%s\"}\n", why);
    fflush(stdout);
    if (child > 0)
        kill(child, SIGKILL);
    exit(1);
}

static void put_json_bytes(const unsigned char *p, size_t n)
{
    size_t i;
    putchar('"');
    for (i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar((int)c);
    }
    putchar('"');
}

static int env_int(const char *name, int dflt)
{
    const char *s = getenv(name);
    return s != NULL ? atoi(s) : dflt;
}

static void send_frame(const nlw_frame *f)
{
    size_t body = nlw_frame_encoded_size(f);
    unsigned char *buf = malloc(4 + body);
    size_t off = 0;
    if (buf == NULL)
        fail("out of memory");
    nlw_frame_prefix(buf, (uint32_t)body);
    nlw_frame_encode(f, buf + 4);
    while (off < 4 + body) {
        ssize_t n = send(sock, buf + off, 4 + body - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break; /* the worker is gone; its exit is reported elsewhere */
        off += (size_t)n;
    }
    free(buf);
}

static void reply(uint32_t id, uint32_t status, const void *p, size_t n)
{
    nlw_frame f;
    memset(&f, 0, sizeof f);
    f.body = NLW_FRAME_REPLY;
    f.reply.id = id;
    f.reply.status = status;
    f.reply.payload.data = p;
    f.reply.payload.len = n;
    send_frame(&f);
}

static void answer_request(const nlw_request *r)
{
    static char text[NLW_MAX_FRAME_BYTES / 2];
    static const char unavailable[] =
        "{\"errorMessage\":\"service not available in the harness\","
        "\"errorType\":\"ServiceUnavailable\"}";
    uint32_t status;
    int n;

    printf("{\"event\":\"request\",\"id\":%u,\"call\":", r->id);
    switch (r->call) {
    case NLW_CALL_PUBLISH:
        printf("\"publish\",\"topic\":");
        put_json_bytes(r->publish.topic.data, r->publish.topic.len);
        printf(",\"policy\":%u,\"payload\":", r->publish.policy);
        put_json_bytes(r->publish.payload.data, r->publish.payload.len);
        printf("}\n");
        status = (uint32_t)env_int("HARNESS_PUBLISH_STATUS", 0);
        if (r->publish.policy == NLW_POLICY_ALL_OR_ERROR &&
            env_int("HARNESS_QUEUE_FULL", 0))
            status = 4;
        reply(r->id, status, NULL, 0);
        break;
    case NLW_CALL_INVOKE:
        printf("\"invoke\",\"arn\":");
        put_json_bytes(r->invoke.function_arn.data, r->invoke.function_arn.len);
        printf(",\"qualifier\":");
        put_json_bytes(r->invoke.qualifier.data, r->invoke.qualifier.len);
        printf(",\"context\":");
        put_json_bytes(r->invoke.client_context.data,
                       r->invoke.client_context.len);
        printf(",\"event_type\":%d,\"payload\":", r->invoke.event);
        put_json_bytes(r->invoke.payload.data, r->invoke.payload.len);
        printf("}\n");
        n = snprintf(text, sizeof text, "invoked %.*s event=%d: %.*s",
                     (int)r->invoke.function_arn.len,
                     (const char *)r->invoke.function_arn.data,
                     r->invoke.event, (int)r->invoke.payload.len,
                     (const char *)r->invoke.payload.data);
        reply(r->id, (uint32_t)env_int("HARNESS_INVOKE_STATUS", 0), text,
              (size_t)n);
        break;
    case NLW_CALL_SHADOW:
        printf("\"shadow\",\"op\":%u,\"thing\":", r->shadow.op);
        put_json_bytes(r->shadow.thing_name.data, r->shadow.thing_name.len);
        printf(",\"payload\":");
        put_json_bytes(r->shadow.payload.data, r->shadow.payload.len);
        printf("}\n");
        reply(r->id, 2, unavailable, sizeof unavailable - 1);
        break;
    case NLW_CALL_SECRET:
        printf("\"secret\",\"secret_id\":");
        put_json_bytes(r->secret.secret_id.data, r->secret.secret_id.len);
        printf(",\"version_id\":");
        put_json_bytes(r->secret.version_id.data, r->secret.version_id.len);
        printf(",\"version_stage\":");
        put_json_bytes(r->secret.version_stage.data,
                       r->secret.version_stage.len);
        printf("}\n");
        reply(r->id, 2, unavailable, sizeof unavailable - 1);
        break;
    default:
        printf("\"unknown\"}\n");
        reply(r->id, 3, NULL, 0);
    }
    fflush(stdout);
}

static int read_exact(unsigned char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = read(sock, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Read and handle one frame. Returns -1 on EOF. */
static int handle_frame(void)
{
    unsigned char prefix[4];
    uint32_t len;
    nlw_frame f;

    if (read_exact(prefix, 4) != 0)
        return -1;
    if (nlw_frame_prefix_read(prefix, &len) != NLW_OK)
        fail("bad frame prefix from the worker");
    if (read_exact(frame_buf, len) != 0)
        return -1;
    if (nlw_frame_decode(frame_buf, len, &f) != NLW_OK)
        fail("undecodable frame from the worker");
    switch (f.body) {
    case NLW_FRAME_HELLO:
        printf("{\"event\":\"hello\",\"pid\":%u,\"state\":%u,\"sdk_version\":",
               f.hello.pid, ch.hdr->worker_state);
        put_json_bytes(f.hello.sdk_version.data, f.hello.sdk_version.len);
        printf("}\n");
        fflush(stdout);
        break;
    case NLW_FRAME_DOORBELL:
        doorbells++;
        break;
    case NLW_FRAME_REQUEST:
        answer_request(&f.request);
        break;
    default:
        fail("unexpected frame kind from the worker");
    }
    return 0;
}

static void mark_stop(void)
{
    clock_gettime(CLOCK_MONOTONIC, &stop_sent);
    stop_pending = 1;
}

static void report_exit(void)
{
    int status;
    double ms = -1.0;
    if (child <= 0)
        return;
    if (waitpid(child, &status, 0) != child)
        fail("waitpid");
    child = -1;
    if (stop_pending) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = (double)(now.tv_sec - stop_sent.tv_sec) * 1e3 +
             (double)(now.tv_nsec - stop_sent.tv_nsec) / 1e6;
    }
    printf("{\"event\":\"exit\",\"code\":%d,\"signal\":%d,\"ms\":%.3f}\n",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1,
           WIFSIGNALED(status) ? WTERMSIG(status) : 0, ms);
    fflush(stdout);
}

/* Wait for the result of id using the doorbell path. */
static void await_result(uint32_t id, const unsigned char *expect, size_t elen,
                         int pattern)
{
    nlw_record res;
    const nlw_record *rec;
    int rc, waited = 0;
    int timeout_ms = env_int("HARNESS_RESULT_TIMEOUT_MS", 5000);
    unsigned before = doorbells;

    for (;;) {
        rc = nlw_ring_peek_copy(&ch.hdr->result, ch.result_data, ch.ring_bytes,
                                &res, &rec);
        if (rc == NLW_OK)
            break;
        if (rc != NLW_E_AGAIN)
            fail("corrupt result ring");
        if (nlw_ring_arm(&ch.hdr->result))
            continue;
        {
            struct pollfd p;
            p.fd = sock;
            p.events = POLLIN;
            p.revents = 0;
            rc = poll(&p, 1, 100);
            if (rc == 1 && handle_frame() != 0) {
                nlw_ring_disarm(&ch.hdr->result);
                printf("{\"event\":\"eof\",\"busy_id\":%u}\n", ch.hdr->busy_id);
                fflush(stdout);
                close(sock);
                sock = -1;
                report_exit();
                return;
            }
            if (rc == 0 && (waited += 100) >= timeout_ms) {
                nlw_ring_disarm(&ch.hdr->result);
                printf("{\"event\":\"timeout\",\"busy_id\":%u}\n",
                       ch.hdr->busy_id);
                fflush(stdout);
                return;
            }
        }
    }
    nlw_ring_disarm(&ch.hdr->result);
    {
        const unsigned char *p = nlw_record_payload(rec, res.ctx_len);
        printf("{\"event\":\"result\",\"id\":%u,\"expected_id\":%u,"
               "\"status\":%u,\"len\":%u,\"doorbells\":%u,",
               res.id, id, res.status, res.payload_len, doorbells - before);
        if (pattern)
            printf("\"match\":%s}\n",
                   res.payload_len == elen && memcmp(p, expect, elen) == 0
                       ? "true" : "false");
        else {
            printf("\"payload\":");
            put_json_bytes(p, res.payload_len);
            printf("}\n");
        }
    }
    fflush(stdout);
    nlw_ring_consume_bytes(&ch.hdr->result, res.size);
}

static void invoke(uint32_t id, const char *ctx, const unsigned char *payload,
                   size_t len, int pattern)
{
    nlw_record *req;
    uint32_t size;
    size_t clen = strcmp(ctx, "-") == 0 ? 0 : strlen(ctx);
    int rc = nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes,
                              (uint32_t)clen, (uint32_t)len, &req, &size);
    if (rc != NLW_OK)
        fail("cannot reserve a request record");
    req->kind = NLW_REC_INVOKE;
    req->id = id;
    req->status = 0;
    req->flags = 0;
    req->duration_ns = 0;
    memcpy(nlw_record_ctx_mut(req), ctx, clen);
    memcpy(nlw_record_payload_mut(req, (uint32_t)clen), payload, len);
    if (nlw_ring_publish(&ch.hdr->request, size))
        nlw_futex_wake_armed(&ch.hdr->request);
    await_result(id, payload, len, pattern);
}

/* One line per worker thread: its voluntary context switches so far. A
 * thread asleep in the kernel without being woken keeps its count. */
static void report_ctxsw(void)
{
    char path[320], line[256];
    DIR *d;
    struct dirent *e;
    int first = 1;

    if (child <= 0)
        fail("ctxsw: no worker");
    snprintf(path, sizeof path, "/proc/%d/task", (int)child);
    d = opendir(path);
    if (d == NULL)
        fail("ctxsw: cannot open /proc/PID/task");
    printf("{\"event\":\"ctxsw\",\"pid\":%d,\"threads\":[", (int)child);
    while ((e = readdir(d)) != NULL) {
        FILE *f;
        long vol = -1;
        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/status", (int)child,
                 e->d_name);
        f = fopen(path, "r");
        if (f == NULL)
            continue; /* the thread just ended */
        while (fgets(line, sizeof line, f) != NULL)
            if (sscanf(line, "voluntary_ctxt_switches: %ld", &vol) == 1)
                break;
        fclose(f);
        printf("%s{\"tid\":%s,\"voluntary\":%ld}", first ? "" : ",",
               e->d_name, vol);
        first = 0;
    }
    closedir(d);
    printf("]}\n");
    fflush(stdout);
}

static void spawn(char **argv, const char *libdir, const char *log, int memfd,
                  int wsock)
{
    child = fork();
    if (child < 0)
        fail("fork");
    if (child == 0) {
        int m = fcntl(memfd, F_DUPFD_CLOEXEC, 10);
        int s = fcntl(wsock, F_DUPFD_CLOEXEC, 10);
        if (m < 0 || s < 0 || dup2(m, 3) != 3 || dup2(s, 4) != 4)
            _exit(127);
        if (log != NULL) {
            int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
            if (fd < 0 || dup2(fd, 1) != 1 || dup2(fd, 2) != 2)
                _exit(127);
        }
        setenv("NANOLAMBDA_SHM_FD", "3", 1);
        setenv("NANOLAMBDA_SOCK_FD", "4", 1);
        setenv("MY_FUNCTION_ARN",
               getenv("MY_FUNCTION_ARN") != NULL
                   ? getenv("MY_FUNCTION_ARN")
                   : "arn:aws:lambda:local:000000000000:function:harness:1",
               1);
        if (libdir != NULL)
            setenv("LD_LIBRARY_PATH", libdir, 1);
        execv(argv[0], argv);
        _exit(127);
    }
}

int main(int argc, char **argv)
{
    const char *libdir = NULL, *log = NULL;
    static char line[1 << 20];
    static unsigned char big[NLW_DEFAULT_RING_BYTES / 2];
    int a = 1, memfd, sv[2];
    uint32_t id = 0;

    while (a + 1 < argc && argv[a][0] == '-') {
        if (strcmp(argv[a], "--lib") == 0)
            libdir = argv[a + 1];
        else if (strcmp(argv[a], "--log") == 0)
            log = argv[a + 1];
        else
            break;
        a += 2;
    }
    if (a >= argc) {
        fprintf(stderr, "usage: host_harness [--lib DIR] [--log FILE] EXE [ARGS]\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (nlw_channel_create(&ch, NLW_DEFAULT_RING_BYTES, &memfd) != NLW_OK)
        fail("nlw_channel_create");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        fail("socketpair");
    sock = sv[0];
    spawn(argv + a, libdir, log, memfd, sv[1]);
    close(sv[1]);
    close(memfd);

    for (;;) {
        struct pollfd p[2];
        p[0].fd = 0;
        p[0].events = POLLIN;
        p[1].fd = sock;
        p[1].events = POLLIN;
        p[0].revents = p[1].revents = 0;
        if (poll(p, sock >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            fail("poll");
        }
        if (sock >= 0 && (p[1].revents & (POLLIN | POLLHUP)) != 0) {
            if (handle_frame() != 0) {
                printf("{\"event\":\"eof\",\"busy_id\":%u}\n", ch.hdr->busy_id);
                fflush(stdout);
                close(sock);
                sock = -1;
                report_exit();
            }
            continue;
        }
        if ((p[0].revents & (POLLIN | POLLHUP)) == 0)
            continue;
        if (fgets(line, sizeof line, stdin) == NULL)
            break;
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "invoke ", 7) == 0 || strncmp(line, "invokelen ", 10) == 0) {
            int pattern = line[6] == 'l';
            char *ctx = line + (pattern ? 10 : 7);
            char *rest = strchr(ctx, ' ');
            if (rest != NULL)
                *rest++ = '\0';
            else
                rest = ctx + strlen(ctx);
            if (pattern) {
                size_t n = strtoul(rest, NULL, 10), i;
                if (n > sizeof big - 8192)
                    fail("invokelen: too big");
                for (i = 0; i < n; i++)
                    big[i] = (unsigned char)(i * 7u + 3u);
                invoke(++id, ctx, big, n, 1);
            } else {
                invoke(++id, ctx, (const unsigned char *)rest, strlen(rest), 0);
            }
        } else if (strcmp(line, "shutdown") == 0) {
            nlw_frame f;
            memset(&f, 0, sizeof f);
            f.body = NLW_FRAME_SHUTDOWN;
            mark_stop();
            send_frame(&f);
            report_exit();
        } else if (strcmp(line, "sigterm") == 0) {
            mark_stop();
            if (child > 0)
                kill(child, SIGTERM);
            report_exit();
        } else if (strcmp(line, "kill") == 0) {
            mark_stop();
            if (child > 0)
                kill(child, SIGKILL);
            report_exit();
        } else if (strcmp(line, "close") == 0) {
            mark_stop();
            close(sock);
            sock = -1;
            report_exit();
        } else if (strncmp(line, "sleep ", 6) == 0) {
            long ms = strtol(line + 6, NULL, 10);
            struct timespec ts;
            ts.tv_sec = ms / 1000;
            ts.tv_nsec = (ms % 1000) * 1000000L;
            (void)nanosleep(&ts, NULL);
        } else if (strcmp(line, "ctxsw") == 0) {
            report_ctxsw();
        } else if (strcmp(line, "wait") == 0) {
            report_exit();
        }
    }
    if (child > 0) {
        kill(child, SIGKILL);
        report_exit();
    }
    return 0;
}

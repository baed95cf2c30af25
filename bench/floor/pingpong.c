/*
 * pingpong.c - the C floor of invocation latency: a minimal host built
 * directly on native/wire that drives one worker (normally the echo example)
 * with one invocation in flight, spinning on the result ring. No Node, no
 * scheduler: what is left is the channel itself and the SDK's runtime loop,
 * so the TypeScript host's numbers can be read against it.
 *
 *   pingpong [--iterations N] [--warmup N] [--lib DIR] [--sizes a,b,..]
 *            [--windows w,w,..] ECHO
 *
 * Prints one JSON line per payload size:
 *   {"case":"c-floor","bytes":64,"in_flight":1,"iterations":..,"p50_us":..,
 *    "p99_us":..,"p999_us":..,"ops_per_s":..}
 * and, with --windows (one window per size, in the order of --sizes), a
 * second line per size with that many invocations kept in flight (the host
 * publishes until the window or the ring is full, then reaps results):
 *   {"case":"c-floor-many-in-flight","bytes":64,"in_flight":256,...}
 * A window's latency runs from publishing a request to reaping its result,
 * as the TypeScript host's many-in-flight figures do.
 * Every response is compared with its request (outside the timed part), and
 * the worker must exit 0 on SIGTERM at the end; any failure exits non-zero,
 * so the program doubles as an end-to-end smoke test of the SDK.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nlw_channel.h"
#include "nlw_control.h"

#define MAX_SIZES 16
#define TIMEOUT_NS (10ull * 1000000000ull)
/* Bytes moved per size are capped so the 1 MiB case stays around a second. */
#define BYTES_BUDGET (2ull * 1024ull * 1024ull * 1024ull)

static nlw_channel ch;
static int sock = -1;
static pid_t child = -1;

static void die(const char *what)
{
    fprintf(stderr, "pingpong: %s\n", what);
    if (child > 0)
        kill(child, SIGKILL);
    exit(1);
}

static void put_fd(int fd, int target)
{
    if (fd == target) {
        if (fcntl(fd, F_SETFD, 0) != 0)
            _exit(127);
    } else if (dup2(fd, target) != target) {
        _exit(127);
    }
}

static void spawn(const char *exe, const char *libdir, int memfd, int worker_sock)
{
    child = fork();
    if (child < 0)
        die("fork failed");
    if (child == 0) {
        /* Move both out of the way first so that dup2 to 3 and 4 cannot
         * clobber the other. */
        int m = fcntl(memfd, F_DUPFD_CLOEXEC, 10);
        int s = fcntl(worker_sock, F_DUPFD_CLOEXEC, 10);
        if (m < 0 || s < 0)
            _exit(127);
        put_fd(m, 3);
        put_fd(s, 4);
        setenv("NANOLAMBDA_SHM_FD", "3", 1);
        setenv("NANOLAMBDA_SOCK_FD", "4", 1);
        setenv("MY_FUNCTION_ARN",
               "arn:aws:lambda:local:000000000000:function:echo:1", 1);
        setenv("AWS_LAMBDA_FUNCTION_NAME", "echo", 1);
        if (libdir != NULL)
            setenv("LD_LIBRARY_PATH", libdir, 1);
        execl(exe, exe, (char *)NULL);
        _exit(127);
    }
}

static void read_exact(unsigned char *buf, size_t len, int timeout_ms)
{
    struct pollfd p;
    p.fd = sock;
    p.events = POLLIN;
    while (len > 0) {
        ssize_t n;
        p.revents = 0;
        if (poll(&p, 1, timeout_ms) != 1)
            die("no control frame from the worker (did it start?)");
        n = read(sock, buf, len);
        if (n <= 0)
            die("worker closed the control socket");
        buf += n;
        len -= (size_t)n;
    }
}

/* Read one control frame (blocking, with a timeout). Returns its kind. */
static uint32_t read_frame(int timeout_ms)
{
    static unsigned char buf[65536];
    unsigned char prefix[4];
    uint32_t len;
    nlw_frame f;

    read_exact(prefix, 4, timeout_ms);
    if (nlw_frame_prefix_read(prefix, &len) != NLW_OK || len > sizeof buf)
        die("bad frame length from the worker");
    read_exact(buf, len, timeout_ms);
    if (nlw_frame_decode(buf, len, &f) != NLW_OK)
        die("undecodable frame from the worker");
    return f.body;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)(n - 1) + 0.5);
    return (double)sorted[i] / 1000.0;
}

/* One round trip; returns its latency in ns. */
static uint64_t round_trip(uint32_t id, const unsigned char *payload,
                           uint32_t len, unsigned char *check)
{
    nlw_record *req;
    nlw_record res;
    const nlw_record *rec;
    uint32_t size;
    uint64_t t0, t1;
    int rc;

    t0 = nlw_now_ns();
    while ((rc = nlw_ring_reserve(&ch.hdr->request, ch.request_data,
                                  ch.ring_bytes, 0, len, &req, &size)) == NLW_E_AGAIN)
        nlw_cpu_relax();
    if (rc != NLW_OK)
        die(nlw_strerror(rc));
    req->kind = NLW_REC_INVOKE;
    req->id = id;
    req->status = 0;
    req->flags = 0;
    req->duration_ns = 0;
    memcpy(nlw_record_payload_mut(req, 0), payload, len);
    if (nlw_ring_publish(&ch.hdr->request, size))
        nlw_futex_wake_armed(&ch.hdr->request);

    for (;;) {
        rc = nlw_ring_peek_copy(&ch.hdr->result, ch.result_data, ch.ring_bytes,
                                &res, &rec);
        if (rc == NLW_OK)
            break;
        if (rc != NLW_E_AGAIN)
            die(nlw_strerror(rc));
        nlw_cpu_relax();
        if (nlw_now_ns() - t0 > TIMEOUT_NS)
            die("no result within 10 s");
    }
    t1 = nlw_now_ns();
    if (res.kind != NLW_REC_RESULT || res.id != id ||
        res.status != NLW_STATUS_SUCCESS || res.payload_len != len)
        die("wrong result record (id, status or length)");
    memcpy(check, nlw_record_payload(rec, res.ctx_len), len);
    nlw_ring_consume_bytes(&ch.hdr->result, res.size);
    if (memcmp(check, payload, len) != 0)
        die("response differs from the payload");
    return t1 - t0;
}

/*
 * Keep up to `window` invocations of `len` bytes in flight until n have
 * completed, writing each one's latency (publish to reaped result) into lat.
 * The host copies every result out of the ring, as the TypeScript host
 * does; it compares the first two with the payload in full (comparing
 * megabytes on every result would time memcmp, not the channel) and checks
 * every result's id, status and length.
 */
static void pipelined(uint32_t *id, const unsigned char *payload, uint32_t len,
                      unsigned char *check, unsigned long n,
                      unsigned long window, uint64_t *lat)
{
    uint64_t *sent_at = (uint64_t *)malloc(window * sizeof *sent_at);
    uint32_t first = *id + 1u;
    unsigned long sent = 0, done = 0;
    uint64_t progress = nlw_now_ns();

    if (sent_at == NULL)
        die("out of memory");
    while (done < n) {
        nlw_record res;
        const nlw_record *rec;
        int rc;

        while (sent < n && sent - done < window) {
            nlw_record *req;
            uint32_t size;
            rc = nlw_ring_reserve(&ch.hdr->request, ch.request_data,
                                  ch.ring_bytes, 0, len, &req, &size);
            if (rc == NLW_E_AGAIN)
                break; /* the ring is full: reap results first */
            if (rc != NLW_OK)
                die(nlw_strerror(rc));
            req->kind = NLW_REC_INVOKE;
            req->id = first + (uint32_t)sent;
            req->status = 0;
            req->flags = 0;
            req->duration_ns = 0;
            memcpy(nlw_record_payload_mut(req, 0), payload, len);
            sent_at[sent % window] = nlw_now_ns();
            if (nlw_ring_publish(&ch.hdr->request, size))
                nlw_futex_wake_armed(&ch.hdr->request);
            sent++;
        }
        rc = nlw_ring_peek_copy(&ch.hdr->result, ch.result_data, ch.ring_bytes,
                                &res, &rec);
        if (rc == NLW_E_AGAIN) {
            nlw_cpu_relax();
            if (nlw_now_ns() - progress > TIMEOUT_NS)
                die("no result within 10 s");
            continue;
        }
        if (rc != NLW_OK)
            die(nlw_strerror(rc));
        progress = nlw_now_ns();
        lat[done] = progress - sent_at[done % window];
        if (res.kind != NLW_REC_RESULT || res.id != first + (uint32_t)done ||
            res.status != NLW_STATUS_SUCCESS || res.payload_len != len)
            die("wrong result record (id, status or length)");
        memcpy(check, nlw_record_payload(rec, res.ctx_len), len);
        nlw_ring_consume_bytes(&ch.hdr->result, res.size);
        if (done < 2 && memcmp(check, payload, len) != 0)
            die("response differs from the payload");
        done++;
    }
    *id = first + (uint32_t)n - 1u;
    free(sent_at);
}

static void print_row(const char *name, unsigned long bytes,
                      unsigned long window, uint64_t *lat, unsigned long n,
                      uint64_t total_ns)
{
    qsort(lat, n, sizeof *lat, cmp_u64);
    printf("{\"case\":\"%s\",\"bytes\":%lu,\"in_flight\":%lu,"
           "\"iterations\":%lu,\"p50_us\":%.3f,\"p99_us\":%.3f,"
           "\"p999_us\":%.3f,\"ops_per_s\":%.0f}\n",
           name, bytes, window, n, pct_us(lat, n, 0.50), pct_us(lat, n, 0.99),
           pct_us(lat, n, 0.999), (double)n * 1e9 / (double)total_ns);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    unsigned long sizes[MAX_SIZES] = { 0, 64, 4096, 65536, 1048576 };
    unsigned long windows[MAX_SIZES] = { 0 };
    size_t nsizes = 5, nwindows = 0, s, i;
    unsigned long iterations = 20000, warmup = 1000;
    const char *libdir = NULL, *exe = NULL;
    unsigned char *payload, *check;
    uint64_t *lat;
    int memfd, sv[2], a, status;
    uint32_t id = 0;

    for (a = 1; a < argc; a++) {
        if (strcmp(argv[a], "--iterations") == 0 && a + 1 < argc) {
            iterations = strtoul(argv[++a], NULL, 10);
        } else if (strcmp(argv[a], "--warmup") == 0 && a + 1 < argc) {
            warmup = strtoul(argv[++a], NULL, 10);
        } else if (strcmp(argv[a], "--lib") == 0 && a + 1 < argc) {
            libdir = argv[++a];
        } else if (strcmp(argv[a], "--sizes") == 0 && a + 1 < argc) {
            char *p = argv[++a];
            nsizes = 0;
            while (*p != '\0' && nsizes < MAX_SIZES) {
                sizes[nsizes++] = strtoul(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else if (strcmp(argv[a], "--windows") == 0 && a + 1 < argc) {
            char *p = argv[++a];
            while (*p != '\0' && nwindows < MAX_SIZES) {
                windows[nwindows++] = strtoul(p, &p, 10);
                if (*p == ',')
                    p++;
            }
        } else if (argv[a][0] != '-' && exe == NULL) {
            exe = argv[a];
        } else {
            fprintf(stderr, "usage: pingpong [--iterations N] [--warmup N] "
                            "[--lib DIR] [--sizes a,b,..] [--windows w,w,..] "
                            "ECHO_EXECUTABLE\n");
            return 2;
        }
    }
    if (exe == NULL || iterations == 0)
        die("usage: pingpong [options] ECHO_EXECUTABLE");
    if (nwindows != 0 && nwindows != nsizes)
        die("--windows needs one window per size of --sizes");
    for (s = 0; s < nsizes; s++) {
        /* A record may use half the ring; bigger payloads can never be sent. */
        if (sizes[s] + NLW_RECORD_HEADER_BYTES > NLW_MAX_RECORD_BYTES(NLW_DEFAULT_RING_BYTES))
            die("a size of --sizes does not fit in half the ring");
    }

    if (nlw_channel_create(&ch, NLW_DEFAULT_RING_BYTES, &memfd) != NLW_OK)
        die("cannot create the channel");
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        die("socketpair failed");
    sock = sv[0];
    spawn(exe, libdir, memfd, sv[1]);
    close(sv[1]);
    close(memfd);
    if (read_frame(10000) != NLW_FRAME_HELLO)
        die("the worker's first frame is not Hello");
    if (ch.hdr->worker_state != NLW_WORKER_READY)
        die("the worker is not READY after Hello");

    for (s = 0; s < nsizes; s++) {
        uint32_t len = (uint32_t)sizes[s];
        unsigned long n = iterations;
        uint64_t start, total;

        if (len > 0 && (uint64_t)len * n > BYTES_BUDGET)
            n = (unsigned long)(BYTES_BUDGET / len);
        if (n < 100)
            n = 100;
        payload = (unsigned char *)malloc(len + 1u);
        check = (unsigned char *)malloc(len + 1u);
        lat = (uint64_t *)malloc(n * sizeof *lat);
        if (payload == NULL || check == NULL || lat == NULL)
            die("out of memory");
        for (i = 0; i < len; i++)
            payload[i] = (unsigned char)(i * 31u + 7u + s);

        for (i = 0; i < warmup && i < n; i++)
            (void)round_trip(++id, payload, len, check);
        start = nlw_now_ns();
        for (i = 0; i < n; i++)
            lat[i] = round_trip(++id, payload, len, check);
        total = nlw_now_ns() - start;

        print_row("c-floor", sizes[s], 1, lat, n, total);

        if (nwindows != 0 && windows[s] > 1) {
            pipelined(&id, payload, len, check, warmup < n ? warmup : n,
                      windows[s], lat);
            start = nlw_now_ns();
            pipelined(&id, payload, len, check, n, windows[s], lat);
            total = nlw_now_ns() - start;
            print_row("c-floor-many-in-flight", sizes[s], windows[s], lat, n,
                      total);
        }
        free(payload);
        free(check);
        free(lat);
    }

    /* The SDK must turn SIGTERM into a clean exit 0 between invocations. */
    kill(child, SIGTERM);
    if (waitpid(child, &status, 0) != child)
        die("waitpid failed");
    child = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "pingpong: worker did not exit 0 on SIGTERM "
                        "(status 0x%x)\n", (unsigned)status);
        return 1;
    }
    return 0;
}

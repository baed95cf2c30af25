/*
 * runtime_api_echo.c - the bootstrap of a `provided` function for the
 * entry-path benchmark (bench/paths.js): a custom runtime that answers every
 * invocation with its event, byte for byte, through the Lambda Runtime API.
 * Plain C89 and POSIX sockets, one HTTP/1.1 keep-alive connection to
 * AWS_LAMBDA_RUNTIME_API ("host:port"), no libcurl: what is timed is the
 * Runtime API path, not an HTTP library.
 *
 * Loop: GET /2018-06-01/runtime/invocation/next -> event and request id;
 * POST /2018-06-01/runtime/invocation/<id>/response with the event.
 * Bodies are bounded (EVENT_CAP) and every header line is bounded
 * (LINE_CAP); anything the API answers that is not what it documents ends
 * the process with a message on stderr, which the runtime reports.
 */
#define _POSIX_C_SOURCE 200112L
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Lambda's synchronous limit is 6 MiB; the cap leaves room for more. */
#define EVENT_CAP (16ul * 1024ul * 1024ul)
#define LINE_CAP 8192
#define ID_CAP 256
#define READ_CHUNK 65536

static int conn = -1;
static char api_host[256];
static char api_port[16];

/* What the socket delivered but nobody has consumed yet. */
static unsigned char rbuf[READ_CHUNK];
static size_t rpos, rlen;

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "runtime_api_echo: %s%s%s\n", what,
            detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void connect_api(void)
{
    struct addrinfo hints, *res, *ai;
    int one = 1, rc;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    rc = getaddrinfo(api_host, api_port, &hints, &res);
    if (rc != 0)
        die("cannot resolve AWS_LAMBDA_RUNTIME_API", gai_strerror(rc));
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        conn = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
        if (conn < 0)
            continue;
        if (connect(conn, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        close(conn);
        conn = -1;
    }
    freeaddrinfo(res);
    if (conn < 0)
        die("cannot connect to AWS_LAMBDA_RUNTIME_API", strerror(errno));
    /* Headers and small bodies go out at once, not after a delayed ACK. */
    setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rpos = rlen = 0;
}

static void write_all(struct iovec *iov, int count)
{
    while (count > 0) {
        ssize_t n = writev(conn, iov, count);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("cannot write to the Runtime API", strerror(errno));
        }
        while (count > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            count--;
        }
        if (count > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
}

static void fill(void)
{
    ssize_t n;
    do {
        n = read(conn, rbuf, sizeof rbuf);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        die("cannot read from the Runtime API", strerror(errno));
    if (n == 0)
        die("the Runtime API closed the connection", NULL);
    rpos = 0;
    rlen = (size_t)n;
}

/* One header line without its CRLF, NUL-terminated; refuses longer ones. */
static void read_line(char *line)
{
    size_t len = 0;
    for (;;) {
        unsigned char c;
        if (rpos == rlen)
            fill();
        c = rbuf[rpos++];
        if (c == '\n')
            break;
        if (len + 1 >= LINE_CAP)
            die("a header line longer than the cap", NULL);
        line[len++] = (char)c;
    }
    if (len > 0 && line[len - 1] == '\r')
        len--;
    line[len] = '\0';
}

static void read_exact(unsigned char *dst, size_t len)
{
    while (len > 0) {
        size_t take;
        if (rpos == rlen) {
            /* Large bodies go straight to their buffer, not through rbuf. */
            if (len >= sizeof rbuf) {
                ssize_t n = read(conn, dst, len);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    die("the Runtime API closed the connection mid-body", NULL);
                dst += n;
                len -= (size_t)n;
                continue;
            }
            fill();
        }
        take = rlen - rpos < len ? rlen - rpos : len;
        memcpy(dst, rbuf + rpos, take);
        rpos += take;
        dst += take;
        len -= take;
    }
}

/* Case-insensitive "Name:" prefix test; returns the value after blanks. */
static const char *header_value(const char *line, const char *name)
{
    size_t i;
    for (i = 0; name[i] != '\0'; i++) {
        char a = line[i], b = name[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return NULL;
    }
    if (line[i] != ':')
        return NULL;
    i++;
    while (line[i] == ' ' || line[i] == '\t')
        i++;
    return line + i;
}

/*
 * Read one response: its status, its body into *body (grown as needed,
 * capacity *cap), its request id header (if any) into id. Returns the
 * body's length; sets *close_after when the server will close.
 */
static size_t read_response(int *status, unsigned char **body, size_t *cap,
                            char *id, int *close_after)
{
    static char line[LINE_CAP];
    unsigned long length = 0;
    int have_length = 0;

    read_line(line);
    if (strncmp(line, "HTTP/1.1 ", 9) != 0 && strncmp(line, "HTTP/1.0 ", 9) != 0)
        die("not an HTTP response", line);
    *status = atoi(line + 9);
    *close_after = strncmp(line, "HTTP/1.0 ", 9) == 0;
    if (id != NULL)
        id[0] = '\0';
    for (;;) {
        const char *v;
        read_line(line);
        if (line[0] == '\0')
            break;
        if ((v = header_value(line, "Content-Length")) != NULL) {
            char *end;
            length = strtoul(v, &end, 10);
            if (*end != '\0' || length > EVENT_CAP)
                die("a Content-Length that is not a number under the cap", v);
            have_length = 1;
        } else if ((v = header_value(line, "Transfer-Encoding")) != NULL) {
            die("a chunked response (the Runtime API sends Content-Length)", v);
        } else if ((v = header_value(line, "Connection")) != NULL) {
            if (strstr(v, "close") != NULL)
                *close_after = 1;
        } else if (id != NULL && (v = header_value(line, "Lambda-Runtime-Aws-Request-Id")) != NULL) {
            if (strlen(v) >= ID_CAP)
                die("a request id longer than the cap", NULL);
            strcpy(id, v);
        }
    }
    if (!have_length)
        die("a response without Content-Length", NULL);
    if (length + 1 > *cap) {
        unsigned char *p = (unsigned char *)realloc(*body, length + 1);
        if (p == NULL)
            die("out of memory for an event", NULL);
        *body = p;
        *cap = length + 1;
    }
    read_exact(*body, length);
    (*body)[length] = '\0'; /* so an error body can be printed */
    return length;
}

int main(void)
{
    const char *api = getenv("AWS_LAMBDA_RUNTIME_API");
    const char *colon;
    unsigned char *event = NULL, *reply = NULL;
    size_t event_cap = 0, reply_cap = 0;
    char id[ID_CAP];
    static char head[LINE_CAP];

    if (api == NULL || (colon = strrchr(api, ':')) == NULL ||
        (size_t)(colon - api) >= sizeof api_host || strlen(colon + 1) >= sizeof api_port)
        die("AWS_LAMBDA_RUNTIME_API is not host:port", api);
    memcpy(api_host, api, (size_t)(colon - api));
    api_host[colon - api] = '\0';
    strcpy(api_port, colon + 1);
    connect_api();

    for (;;) {
        struct iovec iov[2];
        size_t len;
        int status, close_after, n;

        n = sprintf(head, "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\n"
                          "Host: %s:%s\r\n\r\n", api_host, api_port);
        iov[0].iov_base = head;
        iov[0].iov_len = (size_t)n;
        write_all(iov, 1);
        len = read_response(&status, &event, &event_cap, id, &close_after);
        if (status != 200 || id[0] == '\0')
            die("invocation/next did not answer 200 with a request id", NULL);
        if (close_after) {
            close(conn);
            connect_api();
        }

        /* Bounded: id < ID_CAP, host and port by their arrays. */
        n = sprintf(head, "POST /2018-06-01/runtime/invocation/%s/response HTTP/1.1\r\n"
                          "Host: %s:%s\r\nContent-Type: application/octet-stream\r\n"
                          "Content-Length: %lu\r\n\r\n", id, api_host, api_port,
                    (unsigned long)len);
        iov[0].iov_base = head;
        iov[0].iov_len = (size_t)n;
        iov[1].iov_base = (char *)event;
        iov[1].iov_len = len;
        write_all(iov, 2);
        (void)read_response(&status, &reply, &reply_cap, NULL, &close_after);
        if (status != 202)
            die("the response post was not accepted", (char *)reply);
        if (close_after) {
            close(conn);
            connect_api();
        }
    }
}

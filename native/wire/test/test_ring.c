/*
 * test_ring.c - the record rings of nlw_channel.h: single-process cases
 * (wrap, pad, early wrap, full, too big, corrupt records, the wait
 * handshake, the futex sleep on the waiting flag across processes, the spin
 * budget, attach), then two processes over a real memfd exchanging 100k
 * records of random sizes, first spinning, then with a zero spin budget so
 * the futex sleep/wake path (with no timeout) carries every record.
 * Exit status 0 when every check passed.
 */
#define _GNU_SOURCE
#include "../nlw_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;

#define CHECK(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); failures++; } } while (0)
#define CHECK_EQ(a, b) do { long a_ = (long)(a), b_ = (long)(b); if (a_ != b_) { fprintf(stderr, "%s:%d: %s == %ld, expected %s == %ld\n", __FILE__, __LINE__, #a, a_, #b, b_); failures++; } } while (0)

/* Deterministic content: byte i of record id. */
static unsigned char pattern(uint32_t id, uint32_t i) { return (unsigned char)((id * 31u + i * 7u + (i >> 8)) & 0xFFu); }

static void fill(unsigned char *p, uint32_t id, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) p[i] = pattern(id, i);
}

static int matches(const unsigned char *p, uint32_t id, uint32_t n) {
    uint32_t i;
    for (i = 0; i < n; i++) if (p[i] != pattern(id, i)) return 0;
    return 1;
}

static uint32_t offset_of(const nlw_channel *ch, const void *rec) {
    return (uint32_t)((const unsigned char *)rec - ch->request_data);
}

/* Produce one record of payload_len bytes (ctx_len of context) or fail. */
static int put(nlw_channel *ch, uint32_t id, uint32_t ctx_len, uint32_t payload_len) {
    nlw_record *rec;
    uint32_t size;
    int rc = nlw_ring_reserve(&ch->hdr->request, ch->request_data, ch->ring_bytes, ctx_len, payload_len, &rec, &size);
    if (rc != NLW_OK) return rc;
    CHECK_EQ(size, (32u + ctx_len + payload_len + 31u) & ~31u);
    rec->kind = NLW_REC_INVOKE;
    rec->id = id;
    fill(nlw_record_ctx_mut(rec), id ^ 0x5555u, ctx_len);
    fill(nlw_record_payload_mut(rec, ctx_len), id, payload_len);
    rec->size = 0xFFFFFFE0u; /* the consumer sees garbage: publish must not use it */
    nlw_ring_publish(&ch->hdr->request, size);
    rec->size = size;
    return NLW_OK;
}

/* Consume one record and check it is id with the given sizes. */
static void take(nlw_channel *ch, uint32_t id, uint32_t ctx_len, uint32_t payload_len) {
    const nlw_record *rec;
    nlw_record hdr;
    int rc = nlw_ring_peek_copy(&ch->hdr->request, ch->request_data, ch->ring_bytes, &hdr, &rec);
    CHECK_EQ(rc, NLW_OK);
    if (rc != NLW_OK) return;
    CHECK_EQ(hdr.id, id);
    CHECK_EQ(hdr.kind, NLW_REC_INVOKE);
    CHECK_EQ(hdr.ctx_len, ctx_len);
    CHECK_EQ(hdr.payload_len, payload_len);
    CHECK(matches(nlw_record_ctx(rec), id ^ 0x5555u, ctx_len));
    CHECK(matches(nlw_record_payload(rec, hdr.ctx_len), id, payload_len));
    nlw_ring_consume_bytes(&ch->hdr->request, hdr.size);
}

static int peek_rc(nlw_channel *ch) {
    const nlw_record *rec;
    nlw_record hdr;
    return nlw_ring_peek_copy(&ch->hdr->request, ch->request_data, ch->ring_bytes, &hdr, &rec);
}

static void open_channel(nlw_channel *ch, uint32_t ring_bytes, int *fd) {
    int rc = nlw_channel_create(ch, ring_bytes, fd);
    if (rc != NLW_OK) {
        fprintf(stderr, "nlw_channel_create: %s (%s)\n", nlw_strerror(rc), strerror(errno));
        exit(2);
    }
}

static void close_channel(nlw_channel *ch, int fd) {
    nlw_channel_detach(ch);
    close(fd);
}

static void test_round_trip_and_empty(void) {
    nlw_channel ch;
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    CHECK_EQ(peek_rc(&ch), NLW_E_AGAIN);
    CHECK_EQ(put(&ch, 1u, 0u, 0u), NLW_OK);
    CHECK_EQ(put(&ch, 2u, 17u, 100u), NLW_OK);
    take(&ch, 1u, 0u, 0u);
    take(&ch, 2u, 17u, 100u);
    CHECK_EQ(peek_rc(&ch), NLW_E_AGAIN);
    CHECK_EQ(ch.hdr->request.head, 32u + 160u); /* 32 + align32(32 + 117) */
    close_channel(&ch, fd);
}

static void test_too_big(void) {
    nlw_channel ch;
    nlw_record *rec;
    uint32_t size;
    uint32_t half = NLW_MAX_RECORD_BYTES(NLW_MIN_RING_BYTES);
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, half - 31u, &rec, &size), NLW_E_TOO_BIG);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 10u, half - 32u, &rec, &size), NLW_E_TOO_BIG);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, NLW_MAX_CONTEXT_BYTES + 1u, 0u, &rec, &size), NLW_E_TOO_BIG);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 0xFFFFFFFFu, &rec, &size), NLW_E_TOO_BIG);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, NLW_MAX_CONTEXT_BYTES, 0xFFFFFFF0u, &rec, &size), NLW_E_TOO_BIG);
    /* Exactly half the ring is the largest record. */
    CHECK_EQ(put(&ch, 3u, 32u, half - 64u), NLW_OK);
    take(&ch, 3u, 32u, half - 64u);
    close_channel(&ch, fd);
}

static void test_full_then_room(void) {
    nlw_channel ch;
    uint32_t id = 1u, next_take = 1u;
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    /* 1000-byte payloads: 1056-byte records; 62 fit in 64 KiB. */
    while (put(&ch, id, 0u, 1000u) == NLW_OK) id++;
    CHECK_EQ(id - 1u, NLW_MIN_RING_BYTES / 1056u);
    CHECK_EQ(put(&ch, id, 0u, 1000u), NLW_E_AGAIN);
    take(&ch, next_take++, 0u, 1000u);
    /* The freed record makes room at offset 0: a pad fills the 64 bytes
     * left at the end and the record lands at 0, then the ring is full. */
    CHECK_EQ(put(&ch, id, 0u, 1000u), NLW_OK);
    CHECK_EQ(put(&ch, id + 1u, 0u, 1000u), NLW_E_AGAIN);
    CHECK_EQ(put(&ch, id + 1u, 0u, 0u), NLW_E_AGAIN); /* not even a header */
    while (next_take <= id) take(&ch, next_take++, 0u, 1000u);
    CHECK_EQ(peek_rc(&ch), NLW_E_AGAIN);
    close_channel(&ch, fd);
}

static void test_wrap_with_pad(void) {
    nlw_channel ch;
    nlw_record *rec;
    uint32_t size;
    uint32_t i;
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    /* Walk the ring with records that never divide it evenly, keeping one
     * record in flight so early wrap (empty ring) does not apply. */
    CHECK_EQ(put(&ch, 1u, 0u, 3000u), NLW_OK);
    for (i = 2u; i < 200u; i++) {
        CHECK_EQ(put(&ch, i, 5u, 3000u), NLW_OK);
        take(&ch, i - 1u, i == 2u ? 0u : 5u, 3000u);
    }
    take(&ch, 199u, 5u, 3000u);
    /* Walk to 64 bytes before the end with 64-byte records, one always in
     * flight (so early wrap never applies); the last one exactly fits, and
     * a record that cannot fit before the end lands at offset 0. */
    ch.hdr->request.head = ch.hdr->request.tail = 5u * NLW_MIN_RING_BYTES;
    CHECK_EQ(put(&ch, 300u, 0u, 32u), NLW_OK);
    for (i = 301u; i < 300u + NLW_MIN_RING_BYTES / 64u - 1u; i++) {
        CHECK_EQ(put(&ch, i, 0u, 32u), NLW_OK);
        take(&ch, i - 1u, 0u, 32u);
    }
    CHECK_EQ(put(&ch, 500u, 0u, 32u), NLW_OK); /* 64 bytes: exactly fits */
    take(&ch, i - 1u, 0u, 32u);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 100u, &rec, &size), NLW_OK);
    CHECK_EQ(offset_of(&ch, rec), 0u);
    rec->kind = NLW_REC_INVOKE;
    rec->id = 501u;
    fill(nlw_record_ctx_mut(rec), 501u ^ 0x5555u, 0u);
    fill(nlw_record_payload_mut(rec, 0u), 501u, 100u);
    nlw_ring_publish(&ch.hdr->request, size);
    take(&ch, 500u, 0u, 32u);
    take(&ch, 501u, 0u, 100u);
    CHECK_EQ(peek_rc(&ch), NLW_E_AGAIN);
    close_channel(&ch, fd);
}

static void test_early_wrap(void) {
    nlw_channel ch;
    nlw_record *rec;
    uint32_t size;
    uint32_t i;
    int fd;
    open_channel(&ch, 4u * NLW_MIN_RING_BYTES, &fd);
    /* Sequential small invocations: the write offset never passes the
     * early-wrap point by more than one record. */
    for (i = 1u; i < 2000u; i++) {
        CHECK_EQ(put(&ch, i, 0u, 1000u), NLW_OK);
        take(&ch, i, 0u, 1000u);
        CHECK((ch.hdr->request.head & (ch.ring_bytes - 1u)) <= NLW_EARLY_WRAP_BYTES + 1056u);
    }
    /* A ring that is not empty does not wrap early; an empty one does. */
    ch.hdr->request.head = ch.hdr->request.tail = 7u * ch.ring_bytes + NLW_EARLY_WRAP_BYTES - 32u;
    CHECK_EQ(put(&ch, 1u, 0u, 10u), NLW_OK); /* below the point: no wrap */
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 10u, &rec, &size), NLW_OK);
    CHECK_EQ(offset_of(&ch, rec), NLW_EARLY_WRAP_BYTES + 32u);
    take(&ch, 1u, 0u, 10u);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 10u, &rec, &size), NLW_OK);
    CHECK_EQ(offset_of(&ch, rec), 0u);
    close_channel(&ch, fd);
}

/* Writes a raw record header at the consumer's position and publishes it. */
static void forge(nlw_channel *ch, uint32_t size, uint32_t kind, uint32_t ctx_len, uint32_t payload_len, uint32_t advance) {
    nlw_ring_ctl *ctl = &ch->hdr->request;
    nlw_record *rec = (nlw_record *)(void *)(ch->request_data + (ctl->tail & (ch->ring_bytes - 1u)));
    memset(rec, 0, sizeof(*rec));
    rec->size = size;
    rec->kind = kind;
    rec->id = 9u;
    rec->ctx_len = ctx_len;
    rec->payload_len = payload_len;
    ctl->head = ctl->tail + advance;
}

static void test_corrupt_records(void) {
    nlw_channel ch;
    nlw_record *rec;
    uint32_t size;
    uint32_t ring, half;
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    ring = ch.ring_bytes;
    half = ring / 2u;
    forge(&ch, 0u, NLW_REC_INVOKE, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 48u, NLW_REC_INVOKE, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 128u, NLW_REC_INVOKE, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT); /* past head */
    forge(&ch, half + 32u, NLW_REC_INVOKE, 0u, 0u, half + 32u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_INVOKE, 16u, 17u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_INVOKE, 0xFFFFFFF0u, 0x40u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_INVOKE, 8u, 0xFFFFFFFFu, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    /* ctx_len past the record: size - 32 - ctx_len must not wrap into a
     * huge payload bound (a host copying ~2 GB past the mapping). */
    forge(&ch, 32u, NLW_REC_RESULT, 4096u, 0x7FF00000u, 32u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 32u, NLW_REC_INVOKE, 4096u, 0u, 32u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_RESULT, 33u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_RESULT, 32u, 1u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 4160u, NLW_REC_RESULT, 4096u, 0x7FF00000u, 4160u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 0xFFFFFFE0u, NLW_REC_RESULT, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 0xFFFFFFE0u, NLW_REC_PAD, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    /* The boundaries themselves are valid: context filling the record, and
     * context plus payload filling it. */
    forge(&ch, 64u, NLW_REC_RESULT, 32u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_OK);
    forge(&ch, 4160u, NLW_REC_RESULT, 4096u, 32u, 4160u); CHECK_EQ(peek_rc(&ch), NLW_OK);
    forge(&ch, 64u, 7u, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    forge(&ch, 64u, NLW_REC_PAD, 0u, 0u, 64u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT); /* pad short of the end */
    forge(&ch, 64u, NLW_REC_INVOKE, 0u, 32u, 40u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT); /* unaligned head */
    forge(&ch, 64u, NLW_REC_INVOKE, 0u, 32u, ring + 32u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT); /* more than a ring */
    /* Past the ring end, at a valid position near the end. */
    ch.hdr->request.tail = ring - 64u;
    forge(&ch, 128u, NLW_REC_INVOKE, 0u, 0u, 128u); CHECK_EQ(peek_rc(&ch), NLW_E_CORRUPT);
    /* A well-formed record is still accepted at the same place. */
    forge(&ch, 64u, NLW_REC_INVOKE, 0u, 32u, 64u); CHECK_EQ(peek_rc(&ch), NLW_OK);
    /* The producer refuses a tail that the consumer could not have written. */
    ch.hdr->request.head = 0u;
    ch.hdr->request.tail = 32u; /* ahead of head */
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ring, 0u, 0u, &rec, &size), NLW_E_CORRUPT);
    ch.hdr->request.tail = 0u;
    ch.hdr->request.head = 3u;
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ring, 0u, 0u, &rec, &size), NLW_E_CORRUPT);
    close_channel(&ch, fd);
}

static void test_handshake(void) {
    nlw_channel ch;
    nlw_record *rec;
    uint32_t size;
    int fd;
    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    CHECK_EQ(nlw_ring_arm(&ch.hdr->request), 0);
    CHECK_EQ(ch.hdr->request.waiting, 1u);
    CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 0u, &rec, &size), NLW_OK);
    rec->kind = NLW_REC_INVOKE;
    CHECK_EQ(nlw_ring_publish(&ch.hdr->request, size), 1); /* consumer must be woken */
    CHECK_EQ(ch.hdr->request.waiting, 0u);
    CHECK_EQ(nlw_ring_arm(&ch.hdr->request), 1); /* a record is there: do not block */
    CHECK_EQ(ch.hdr->request.waiting, 0u);
    CHECK_EQ(put(&ch, 2u, 0u, 0u), NLW_OK);
    CHECK_EQ(nlw_ring_arm(&ch.hdr->request), 1);
    nlw_ring_disarm(&ch.hdr->request);
    /* Futex on the waiting flag: a flag cleared before the wait returns at
     * once (the kernel compares it), a flag still set times out. */
    CHECK_EQ(ch.hdr->request.waiting, 0u);
    CHECK_EQ(nlw_futex_wait_armed(&ch.hdr->request, -1), NLW_OK);
    CHECK_EQ(nlw_ring_arm(&ch.hdr->request), 1); /* records still there */
    take(&ch, 0u, 0u, 0u); /* the reserved record above kept id 0 */
    take(&ch, 2u, 0u, 0u);
    CHECK_EQ(nlw_ring_arm(&ch.hdr->request), 0);
    CHECK_EQ(nlw_futex_wait_armed(&ch.hdr->request, 10), NLW_E_AGAIN);
    CHECK_EQ(ch.hdr->request.waiting, 1u);
    __atomic_store_n(&ch.hdr->request.waiting, 0u, __ATOMIC_SEQ_CST); /* a clear before the wait */
    {
        uint64_t t0 = nlw_now_ns();
        CHECK_EQ(nlw_futex_wait_armed(&ch.hdr->request, 5000), NLW_OK);
        CHECK(nlw_now_ns() - t0 < 1000000000u);
    }
    nlw_futex_wake_armed(&ch.hdr->request); /* nobody asleep: harmless */
    close_channel(&ch, fd);
}

/* ---- The sleep across processes ---------------------------------------- */

/* How the sleeper in sleeper() is ended. */
#define END_PUBLISH 0   /* the producer publishes a record */
#define END_TERMINATE 1 /* another process sets "terminate" and clears waiting */
#define END_SIGNAL 2    /* a SA_RESTART handler on the sleeping thread does */

static nlw_ring_ctl *sig_ctl;
static volatile uint32_t *sig_terminate;

/* What the SDK's nls_request_terminate does: the flag, then the clear. */
static void request_terminate(nlw_ring_ctl *ctl, volatile uint32_t *terminate) {
    __atomic_store_n(terminate, 1u, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&ctl->waiting, __ATOMIC_SEQ_CST) == 1u &&
        __atomic_exchange_n(&ctl->waiting, 0u, __ATOMIC_SEQ_CST) == 1u)
        nlw_futex_wake_armed(ctl);
}

static void on_usr1(int sig) {
    (void)sig;
    request_terminate(sig_ctl, sig_terminate);
}

/* The consumer as the SDK runs it: arm, check terminate, sleep with no
 * timeout (a lost wake hangs until the alarm kills it). Exit status 0 when
 * it woke for the reason expected. */
static void sleeper(nlw_channel *ch, volatile uint32_t *terminate, int how) {
    nlw_ring_ctl *ctl = &ch->hdr->request;
    int rc;
    alarm(10);
    if (how == END_SIGNAL) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_usr1;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESTART; /* the wait is re-entered after the handler */
        sig_ctl = ctl;
        sig_terminate = terminate;
        if (sigaction(SIGUSR1, &sa, NULL) != 0) _exit(20);
    }
    if (peek_rc(ch) != NLW_E_AGAIN) _exit(21);
    if (nlw_ring_arm(ctl) != 0) _exit(22);
    if (__atomic_load_n(terminate, __ATOMIC_SEQ_CST) != 0u) _exit(23); /* not yet */
    do rc = nlw_futex_wait_armed(ctl, -1);
    while (rc == NLW_OK && __atomic_load_n(&ctl->waiting, __ATOMIC_SEQ_CST) == 1u); /* spurious */
    if (rc != NLW_OK) _exit(24);
    nlw_ring_disarm(ctl);
    if (how == END_PUBLISH) {
        if (peek_rc(ch) != NLW_OK) _exit(25);
    } else if (__atomic_load_n(terminate, __ATOMIC_SEQ_CST) != 1u) {
        _exit(26);
    }
    _exit(0);
}

/* State letter of a process from /proc/PID/stat ('S': asleep), or '?'. */
static char proc_state(pid_t pid) {
    char path[64], buf[512], *p;
    FILE *f;
    size_t n;
    sprintf(path, "/proc/%d/stat", (int)pid);
    f = fopen(path, "r");
    if (f == NULL) return '?';
    n = fread(buf, 1, sizeof(buf) - 1u, f);
    fclose(f);
    buf[n] = '\0';
    p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' ? p[2] : '?';
}

static void test_sleep_wake(int how) {
    static const char *names[] = {"publish", "terminate", "signal"};
    nlw_channel ch;
    volatile uint32_t *terminate;
    uint64_t t0;
    int fd, status, asleep = 0;
    pid_t pid;

    open_channel(&ch, NLW_MIN_RING_BYTES, &fd);
    terminate = (volatile uint32_t *)mmap(NULL, 4096u, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if ((void *)terminate == MAP_FAILED) exit(2);
    *terminate = 0u;
    pid = fork();
    if (pid < 0) exit(2);
    if (pid == 0) sleeper(&ch, terminate, how);

    /* Wait until the child has armed and is asleep in the kernel. */
    t0 = nlw_now_ns();
    while (nlw_now_ns() - t0 < (uint64_t)5000u * 1000000u) {
        if (__atomic_load_n(&ch.hdr->request.waiting, __ATOMIC_SEQ_CST) == 1u && proc_state(pid) == 'S') {
            asleep = 1;
            break;
        }
        usleep(1000);
    }
    CHECK(asleep);
    usleep(20000); /* and stays asleep: no timeout, no busy loop */
    CHECK_EQ(proc_state(pid), 'S');
    CHECK_EQ(ch.hdr->request.waiting, 1u);

    if (how == END_PUBLISH) {
        nlw_record *rec;
        uint32_t size;
        CHECK_EQ(nlw_ring_reserve(&ch.hdr->request, ch.request_data, ch.ring_bytes, 0u, 8u, &rec, &size), NLW_OK);
        rec->kind = NLW_REC_INVOKE;
        rec->id = 1u;
        CHECK_EQ(nlw_ring_publish(&ch.hdr->request, size), 1); /* it cleared waiting */
        nlw_futex_wake_armed(&ch.hdr->request);
    } else if (how == END_TERMINATE) {
        request_terminate(&ch.hdr->request, terminate);
    } else {
        CHECK_EQ(kill(pid, SIGUSR1), 0);
    }
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "sleeper (%s) ended with status 0x%x\n", names[how], (unsigned)status);
        failures++;
    }
    CHECK_EQ(ch.hdr->request.waiting, 0u);
    munmap((void *)terminate, 4096u);
    close_channel(&ch, fd);
}

static void test_spin_budget(void) {
    nlw_spin_budget b;
    int i;
    nlw_spin_budget_init(&b, 500u, 30000u);
    CHECK_EQ(nlw_spin_budget_ns(&b), 500);
    for (i = 0; i < 100; i++) nlw_spin_budget_observe(&b, 4000u);
    CHECK(nlw_spin_budget_ns(&b) > 7000u && nlw_spin_budget_ns(&b) <= 8000u);
    for (i = 0; i < 100; i++) nlw_spin_budget_observe(&b, 20000u);
    CHECK_EQ(nlw_spin_budget_ns(&b), 30000); /* clamped to max */
    for (i = 0; i < 100; i++) nlw_spin_budget_observe(&b, 1000000000u);
    CHECK_EQ(nlw_spin_budget_ns(&b), 500); /* slow event: stop spinning */
    CHECK(b.avg_ns <= 4u * 30000u);         /* observations are capped */
    for (i = 0; i < 30; i++) nlw_spin_budget_observe(&b, 1000u);
    CHECK(nlw_spin_budget_ns(&b) > 500u && nlw_spin_budget_ns(&b) <= 30000u); /* recovers fast */
}

static void test_attach(void) {
    nlw_channel host, worker;
    char path[] = "/tmp/nlw-test-XXXXXX";
    int fd, bad;
    open_channel(&host, NLW_MIN_RING_BYTES, &fd);
    CHECK_EQ(nlw_channel_attach(&worker, fd), NLW_OK);
    CHECK_EQ(worker.ring_bytes, NLW_MIN_RING_BYTES);
    host.hdr->worker_pid = 1234u;
    CHECK_EQ(worker.hdr->worker_pid, 1234u); /* same memory */
    nlw_channel_detach(&worker);
    host.hdr->ring_bytes = 2u * NLW_MIN_RING_BYTES; /* lies about its size */
    CHECK_EQ(nlw_channel_attach(&worker, fd), NLW_E_INVALID);
    host.hdr->ring_bytes = NLW_MIN_RING_BYTES;
    host.hdr->version = NLW_VERSION + 1u; /* a runtime of another release */
    CHECK_EQ(nlw_channel_attach(&worker, fd), NLW_E_VERSION);
    host.hdr->version = NLW_VERSION;
    host.hdr->magic = 0u;
    CHECK_EQ(nlw_channel_attach(&worker, fd), NLW_E_INVALID);
    /* The region's size is sealed: the worker holds the fd and must not
     * be able to shrink it under the host's mapping (SIGBUS) or grow it. */
    errno = 0;
    CHECK_EQ(ftruncate(fd, 0), -1);
    CHECK_EQ(errno, EPERM);
    errno = 0;
    CHECK_EQ(ftruncate(fd, (off_t)(2u * host.map_bytes)), -1);
    CHECK_EQ(errno, EPERM);
    CHECK_EQ(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE), -1); /* sealed for good */
    host.hdr->worker_pid = 5u; /* still mapped, still writable */
    close_channel(&host, fd);
    /* A region of the right shape whose size is not sealed is refused. */
    fd = (int)syscall(SYS_memfd_create, "nlw-unsealed", 0u);
    CHECK(fd >= 0);
    CHECK_EQ(ftruncate(fd, (off_t)(NLW_PAGE + 2u * NLW_MIN_RING_BYTES)), 0);
    {
        nlw_region_header h;
        memset(&h, 0, sizeof(h));
        h.magic = NLW_MAGIC;
        h.version = NLW_VERSION;
        h.ring_bytes = NLW_MIN_RING_BYTES;
        h.header_bytes = NLW_PAGE;
        CHECK_EQ(pwrite(fd, &h, sizeof(h), 0), (long)sizeof(h));
    }
    CHECK_EQ(nlw_channel_attach(&worker, fd), NLW_E_INVALID);
    close(fd);
    bad = mkstemp(path);
    CHECK(bad >= 0);
    unlink(path);
    CHECK_EQ(nlw_channel_attach(&worker, bad), NLW_E_INVALID); /* empty file */
    close(bad);
    CHECK_EQ(nlw_channel_attach(&worker, 12345), NLW_E_SYSTEM);
    CHECK_EQ(nlw_channel_create(&worker, 3u * NLW_MIN_RING_BYTES, &fd), NLW_E_INVALID);
}

/* ---- Two processes ------------------------------------------------------ */

#define RECORDS 100000u
#define MAX_PAYLOAD 20000u

/* Waits until the ring has a record: spin for spin_ns, then sleep. Counts
 * the futex sleeps in *sleeps. */
static const nlw_record *wait_record(nlw_ring_ctl *ctl, const unsigned char *data, uint32_t ring_bytes,
                                     uint64_t spin_ns, nlw_record *hdr, unsigned long *sleeps) {
    const nlw_record *rec;
    uint64_t until = nlw_now_ns() + spin_ns;
    int rc;
    for (;;) {
        rc = nlw_ring_peek_copy(ctl, data, ring_bytes, hdr, &rec);
        if (rc == NLW_OK) return rec;
        if (rc != NLW_E_AGAIN) { fprintf(stderr, "peek: %s\n", nlw_strerror(rc)); exit(3); }
        if (nlw_now_ns() < until) { nlw_cpu_relax(); continue; }
        if (nlw_ring_arm(ctl)) continue;
        (*sleeps)++;
        nlw_futex_wait_armed(ctl, -1); /* no timeout: a lost wake hangs (alarm) */
        nlw_ring_disarm(ctl);
    }
}

/* Producer side: wait for room by polling (the design has no wake for
 * room), then publish and wake the consumer if it sleeps. */
static void send_record(nlw_ring_ctl *ctl, unsigned char *data, uint32_t ring_bytes, uint32_t kind, uint32_t id,
                        uint32_t status, const unsigned char *ctx, uint32_t ctx_len, const unsigned char *payload,
                        uint32_t payload_len, unsigned long *wakes) {
    nlw_record *rec;
    uint32_t size;
    int rc;
    while ((rc = nlw_ring_reserve(ctl, data, ring_bytes, ctx_len, payload_len, &rec, &size)) == NLW_E_AGAIN) usleep(50);
    if (rc != NLW_OK) { fprintf(stderr, "reserve: %s\n", nlw_strerror(rc)); exit(3); }
    rec->kind = kind;
    rec->id = id;
    rec->status = status;
    memcpy(nlw_record_ctx_mut(rec), ctx, ctx_len);
    memcpy(nlw_record_payload_mut(rec, ctx_len), payload, payload_len);
    if (nlw_ring_publish(ctl, size)) {
        (*wakes)++;
        nlw_futex_wake_armed(ctl);
    }
}

/* The worker: echoes each request back, checking its content first. */
static void echo_worker(int fd, uint64_t spin_ns, int report_fd) {
    nlw_channel ch;
    nlw_record hdr;
    unsigned long sleeps = 0, wakes = 0;
    uint32_t n;
    if (nlw_channel_attach(&ch, fd) != NLW_OK) _exit(4);
    for (n = 0; n < RECORDS; n++) {
        const nlw_record *rec = wait_record(&ch.hdr->request, ch.request_data, ch.ring_bytes, spin_ns, &hdr, &sleeps);
        if (hdr.id != n + 1u || !matches(nlw_record_payload(rec, hdr.ctx_len), hdr.id, hdr.payload_len)) _exit(5);
        send_record(&ch.hdr->result, ch.result_data, ch.ring_bytes, NLW_REC_RESULT, hdr.id, hdr.payload_len & 1u,
                    nlw_record_ctx(rec), hdr.ctx_len, nlw_record_payload(rec, hdr.ctx_len), hdr.payload_len, &wakes);
        nlw_ring_consume_bytes(&ch.hdr->request, hdr.size);
    }
    if (write(report_fd, &sleeps, sizeof(sleeps)) != (ssize_t)sizeof(sleeps)) _exit(6);
    _exit(0);
}

/* The host: keeps a random window of requests in flight, checks results. */
static void ping_pong(uint64_t spin_ns, int pause_sometimes) {
    static unsigned char buf[MAX_PAYLOAD];
    nlw_channel ch;
    nlw_record hdr;
    unsigned long sleeps = 0, wakes = 0, worker_sleeps = 0;
    uint32_t sent = 0, got = 0;
    uint32_t sizes[64];
    int fd, report[2], status;
    pid_t pid;

    open_channel(&ch, 256u * 1024u, &fd);
    if (pipe(report) != 0) exit(2);
    pid = fork();
    if (pid == 0) {
        nlw_channel_detach(&ch); /* attach through the fd, as a worker does */
        echo_worker(fd, spin_ns, report[1]);
    }
    srand(12345u);
    while (got < RECORDS) {
        uint32_t window = (uint32_t)(rand() % 8) + 1u;
        while (sent < RECORDS && sent - got < window) {
            uint32_t len = (uint32_t)rand() % 4u == 0u ? (uint32_t)rand() % MAX_PAYLOAD : (uint32_t)rand() % 200u;
            sent++;
            sizes[sent % 64u] = len;
            fill(buf, sent, len);
            send_record(&ch.hdr->request, ch.request_data, ch.ring_bytes, NLW_REC_INVOKE, sent, 0u,
                        buf, (uint32_t)rand() % 40u, buf, len, &wakes);
        }
        if (pause_sometimes && rand() % 500 == 0) usleep(2000); /* let the worker fall asleep */
        {
            const nlw_record *rec = wait_record(&ch.hdr->result, ch.result_data, ch.ring_bytes, spin_ns, &hdr, &sleeps);
            got++;
            if (hdr.id != got || hdr.kind != NLW_REC_RESULT || hdr.payload_len != sizes[got % 64u] ||
                hdr.status != (hdr.payload_len & 1u) || !matches(nlw_record_payload(rec, hdr.ctx_len), got, hdr.payload_len)) {
                fprintf(stderr, "result %u is wrong (id %u, %u bytes)\n", got, hdr.id, hdr.payload_len);
                failures++;
                break;
            }
            nlw_ring_consume_bytes(&ch.hdr->result, hdr.size);
        }
    }
    if (failures) kill(pid, SIGKILL);
    CHECK_EQ(waitpid(pid, &status, 0), pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "worker ended with status 0x%x\n", (unsigned)status);
        failures++;
    }
    CHECK_EQ(read(report[0], &worker_sleeps, sizeof(worker_sleeps)), (long)sizeof(worker_sleeps));
    fprintf(stderr, "ping-pong spin=%luns: %u records, host sleeps %lu, worker sleeps %lu, wakes sent %lu\n",
            (unsigned long)spin_ns, got, sleeps, worker_sleeps, wakes);
    if (spin_ns == 0u) CHECK(worker_sleeps > 1000u && sleeps > 1000u); /* the futex path carried them */
    close(report[0]);
    close(report[1]);
    close_channel(&ch, fd);
}

int main(void) {
    alarm(120); /* a hang is a failure, not a stuck test run */
    test_round_trip_and_empty();
    test_too_big();
    test_full_then_room();
    test_wrap_with_pad();
    test_early_wrap();
    test_corrupt_records();
    test_handshake();
    test_sleep_wake(END_PUBLISH);
    test_sleep_wake(END_TERMINATE);
    test_sleep_wake(END_SIGNAL);
    test_spin_budget();
    test_attach();
    ping_pong(20000u, 0);
    ping_pong(0u, 1);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    fprintf(stderr, "all ring checks passed\n");
    return 0;
}

/*
 * fuzz_control.c - fuzz target for everything in native/wire that reads
 * bytes written by the other side: nlw_frame_decode (control frames),
 * nlw_frame_prefix_read, and the ring record validation of
 * nlw_ring_peek_copy (raw ring bytes, and forged record headers with
 * boundary values in size, ctx_len and payload_len).
 *
 * libFuzzer:   clang -fsanitize=fuzzer,address,undefined fuzz_control.c ../nlw_*.c
 * Without it:  gcc -DNLW_FUZZ_MAIN -fsanitize=address,undefined fuzz_control.c ../nlw_*.c
 *              ./a.out [-seconds N] [-seed S] [file...]
 *   replays each file once, then, with -seconds, mutates them (or random
 *   bytes when none are given) for N seconds.
 */
#define _GNU_SOURCE
#include "../nlw_channel.h"
#include "../nlw_control.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_frame(const uint8_t *data, size_t size) {
    nlw_frame f, again;
    unsigned char *buf, *buf2;
    size_t n, n2;

    if (nlw_frame_decode(data, size, &f) != NLW_OK) return;
    /* Whatever decodes must re-encode to a canonical form that decodes to
     * the same canonical bytes. */
    n = nlw_frame_encoded_size(&f);
    buf = (unsigned char *)malloc(n + 1u);
    if (buf == NULL) abort();
    if (nlw_frame_encode(&f, buf) != n) abort();
    if (n > size + 16u) abort(); /* canonical form never grows beyond tiny tags */
    if (nlw_frame_decode(buf, n, &again) != NLW_OK) abort();
    n2 = nlw_frame_encoded_size(&again);
    buf2 = (unsigned char *)malloc(n2 + 1u);
    if (buf2 == NULL) abort();
    if (nlw_frame_encode(&again, buf2) != n2 || n2 != n || memcmp(buf, buf2, n) != 0) abort();
    free(buf);
    free(buf2);
}

/* Lays the input out as a ring written by a hostile producer: 8 bytes of
 * head and tail, the rest as ring contents, and consumes what validates. */
static void fuzz_ring(const uint8_t *data, size_t size) {
    const uint32_t ring_bytes = NLW_MIN_RING_BYTES;
    nlw_ring_ctl ctl;
    unsigned char *ring;
    const nlw_record *rec;
    nlw_record hdr;
    unsigned sum = 0u;
    int i;

    if (size < 8u) return;
    ring = (unsigned char *)calloc(1u, ring_bytes); /* exact size: ASan sees any overrun */
    if (ring == NULL) abort();
    memset(&ctl, 0, sizeof(ctl));
    memcpy((void *)&ctl.head, data, 4u);
    memcpy((void *)&ctl.tail, data + 4u, 4u);
    /* Aligned positions reach the record checks more often. */
    if (data[0] & 1u) { ctl.head &= ~31u; ctl.tail &= ~31u; }
    if (size - 8u <= ring_bytes) {
        memcpy(ring + (ctl.tail & (ring_bytes - 1u) & ~31u), data + 8u,
               size - 8u < ring_bytes - (ctl.tail & (ring_bytes - 1u) & ~31u) ? size - 8u
                                                                            : ring_bytes - (ctl.tail & (ring_bytes - 1u) & ~31u));
    }
    for (i = 0; i < 64; i++) {
        size_t k, end;
        if (nlw_ring_peek_copy(&ctl, ring, ring_bytes, &hdr, &rec) != NLW_OK) break;
        end = (size_t)((const unsigned char *)rec - ring) + hdr.size;
        if (end > ring_bytes || hdr.kind == NLW_REC_PAD ||
            32u + (uint64_t)hdr.ctx_len + hdr.payload_len > hdr.size)
            abort();
        /* Read every byte the record claims, as a consumer would. */
        for (k = 0; k < hdr.ctx_len; k++) sum += nlw_record_ctx(rec)[k];
        for (k = 0; k < hdr.payload_len; k++) sum += nlw_record_ctx(rec)[hdr.ctx_len + k];
        nlw_ring_consume_bytes(&ctl, hdr.size);
    }
    free(ring);
    if (sum == 0xFFFFFFFFu) fputc('\n', stderr); /* keep the reads alive */
}

/* One 32-bit field of a hostile header: byte sel picks a boundary value
 * relative to the record (where wrapping arithmetic bites) or the raw
 * input word. Random bytes almost never hit these by themselves. */
static uint32_t pick(uint8_t sel, uint32_t raw, uint32_t size, uint32_t ctx_len) {
    uint32_t body = size - 32u; /* wraps on purpose when size < 32 */
    switch (sel % 16u) {
    case 0: return 0u;
    case 1: return 1u;
    case 2: return 32u;
    case 3: return NLW_MAX_CONTEXT_BYTES;
    case 4: return NLW_MAX_CONTEXT_BYTES + 1u;
    case 5: return body;
    case 6: return body + 1u;
    case 7: return body - ctx_len;
    case 8: return body - ctx_len + 1u;
    case 9: return 0x7FF00000u;
    case 10: return 0x80000000u;
    case 11: return 0xFFFFFFFFu;
    case 12: return 0xFFFFFFE0u;
    case 13: return raw & 0xFFFFu;
    case 14: return raw & ~31u;
    default: return raw;
    }
}

/* A single record header forged from the input with boundary values in
 * size, ctx_len and payload_len (e.g. size 32, ctx_len 4096, payload_len
 * 0x7FF00000), at a chosen place in the ring and with a chosen number of
 * published bytes. Whatever peek accepts must lie inside the ring; ASan
 * sees any byte read past it. */
static void fuzz_record(const uint8_t *data, size_t size) {
    const uint32_t ring_bytes = NLW_MIN_RING_BYTES;
    nlw_ring_ctl ctl;
    unsigned char *ring;
    nlw_record forged, hdr;
    const nlw_record *rec;
    uint32_t w[5], off, avail, k, sum = 0u;
    static const uint32_t sizes[8] = { 0u, 32u, 64u, 4128u, 4160u, NLW_MIN_RING_BYTES / 2u,
                                       NLW_MIN_RING_BYTES / 2u + 32u, 0xFFFFFFE0u };
    int i;

    if (size < 28u) return;
    for (i = 0; i < 5; i++) memcpy(&w[i], data + 8u + 4u * (size_t)i, 4u);
    memset(&forged, 0, sizeof(forged));
    forged.size = data[0] & 8u ? sizes[data[0] % 8u] : w[0];
    forged.kind = data[1] % 4u; /* PAD, INVOKE, RESULT and a bad kind */
    forged.ctx_len = pick(data[2], w[1], forged.size, 0u);
    forged.payload_len = pick(data[3], w[2], forged.size, forged.ctx_len);
    off = (data[4] & 1u ? ring_bytes - (w[3] & 0xFFFu) : w[3]) & (ring_bytes - 1u) & ~31u;
    avail = data[5] & 1u ? (forged.size + 31u) & ~31u : pick(data[6], w[4], ring_bytes, 0u) & ~31u;

    ring = (unsigned char *)calloc(1u, ring_bytes); /* exact size: ASan sees any overrun */
    if (ring == NULL) abort();
    memset(&ctl, 0, sizeof(ctl));
    ctl.tail = (uint32_t)data[7] * ring_bytes + off;
    ctl.head = ctl.tail + avail;
    memcpy(ring + off, &forged, sizeof(forged));
    if (nlw_ring_peek_copy(&ctl, ring, ring_bytes, &hdr, &rec) == NLW_OK) {
        size_t at = (size_t)((const unsigned char *)rec - ring);
        /* An independent 64-bit oracle of what peek promised. */
        if (hdr.kind == NLW_REC_PAD || hdr.size < 32u || at + hdr.size > ring_bytes ||
            32u + (uint64_t)hdr.ctx_len + hdr.payload_len > hdr.size || hdr.ctx_len > NLW_MAX_CONTEXT_BYTES)
            abort();
        for (k = 0; k < hdr.ctx_len; k++) sum += nlw_record_ctx(rec)[k];
        for (k = 0; k < hdr.payload_len; k++) sum += nlw_record_payload(rec, hdr.ctx_len)[k];
    }
    free(ring);
    if (sum == 0xFFFFFFFFu) fputc('\n', stderr); /* keep the reads alive */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint32_t len;
    fuzz_frame(data, size);
    if (size >= 4u && nlw_frame_prefix_read(data, &len) == NLW_OK && (len == 0u || len > NLW_MAX_FRAME_BYTES)) abort();
    fuzz_ring(data, size);
    fuzz_record(data, size);
    return 0;
}

#ifdef NLW_FUZZ_MAIN
#include <time.h>

#define MAX_INPUT 4096u

static size_t read_file(const char *path, unsigned char *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n;
    if (f == NULL) { perror(path); exit(2); }
    n = fread(buf, 1u, cap, f);
    fclose(f);
    return n;
}

/* One random edit: flip, overwrite, insert, delete or truncate. */
static size_t mutate(unsigned char *buf, size_t n, size_t cap) {
    size_t at = n > 0u ? (size_t)rand() % n : 0u;
    switch (rand() % 6) {
    case 0: if (n > 0u) buf[at] = (unsigned char)(buf[at] ^ (1u << (rand() % 8))); break;
    case 1: if (n > 0u) buf[at] = (unsigned char)rand(); break;
    case 2:
        if (n < cap) { memmove(buf + at + 1u, buf + at, n - at); buf[at] = (unsigned char)rand(); n++; }
        break;
    case 3: if (n > 0u) { memmove(buf + at, buf + at + 1u, n - at - 1u); n--; } break;
    case 4: n = at; break;
    default: if (n > 0u) buf[at] = (unsigned char)(rand() % 2 ? 0x80 | rand() : 0xFF); break;
    }
    return n;
}

int main(int argc, char **argv) {
    static unsigned char seeds[64][MAX_INPUT];
    static size_t seed_len[64];
    static unsigned char buf[MAX_INPUT];
    int nseeds = 0, i;
    double seconds = 0.0;
    unsigned seed = (unsigned)time(NULL);
    unsigned long runs = 0;
    time_t start;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-seconds") == 0 && i + 1 < argc) seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "-seed") == 0 && i + 1 < argc) seed = (unsigned)strtoul(argv[++i], NULL, 10);
        else {
            size_t n = read_file(argv[i], buf, MAX_INPUT);
            LLVMFuzzerTestOneInput(buf, n);
            runs++;
            if (nseeds < 64) { memcpy(seeds[nseeds], buf, n); seed_len[nseeds++] = n; }
        }
    }
    srand(seed);
    start = time(NULL);
    while (difftime(time(NULL), start) < seconds) {
        size_t n;
        int edits, e;
        if (nseeds > 0) {
            int s = rand() % nseeds;
            n = seed_len[s];
            memcpy(buf, seeds[s], n);
        } else {
            n = (size_t)rand() % 256u;
            for (e = 0; e < (int)n; e++) buf[e] = (unsigned char)rand();
        }
        edits = 1 + rand() % 4;
        for (e = 0; e < edits; e++) n = mutate(buf, n, MAX_INPUT);
        LLVMFuzzerTestOneInput(buf, n);
        runs++;
    }
    fprintf(stderr, "fuzz_control: %lu inputs, seed %u, no crash\n", runs, seed);
    return 0;
}
#endif

/*
 * fuzz_control.c - fuzz target for everything in native/wire that reads
 * bytes written by the other side: nlw_frame_decode (control frames),
 * nlw_frame_prefix_read, and the ring record validation of nlw_ring_peek.
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
        if (end > ring_bytes || hdr.kind == NLW_REC_PAD) abort();
        /* Read every byte the record claims, as a consumer would. */
        for (k = 0; k < hdr.ctx_len; k++) sum += nlw_record_ctx(rec)[k];
        for (k = 0; k < hdr.payload_len; k++) sum += nlw_record_ctx(rec)[hdr.ctx_len + k];
        nlw_ring_consume_bytes(&ctl, hdr.size);
    }
    free(ring);
    if (sum == 0xFFFFFFFFu) fputc('\n', stderr); /* keep the reads alive */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint32_t len;
    fuzz_frame(data, size);
    if (size >= 4u && nlw_frame_prefix_read(data, &len) == NLW_OK && (len == 0u || len > NLW_MAX_FRAME_BYTES)) abort();
    fuzz_ring(data, size);
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

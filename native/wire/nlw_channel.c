/*
 * nlw_channel.c - creating, attaching and unmapping a channel region.
 * The ring operations are in nlw_ring.c, waiting and timing in nlw_wait.c.
 */
#define _GNU_SOURCE
#include "nlw_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MFD_CLOEXEC
#define MFD_CLOEXEC 0x0001u
#endif
#ifndef MFD_ALLOW_SEALING
#define MFD_ALLOW_SEALING 0x0002u
#endif
/* File sealing (Linux 3.17, with memfd_create); old C headers lack it. */
#ifndef F_ADD_SEALS
#define F_ADD_SEALS 1033 /* F_LINUX_SPECIFIC_BASE + 9 */
#endif
#ifndef F_GET_SEALS
#define F_GET_SEALS 1034 /* F_LINUX_SPECIFIC_BASE + 10 */
#endif
#ifndef F_SEAL_SEAL
#define F_SEAL_SEAL 0x0001
#endif
#ifndef F_SEAL_SHRINK
#define F_SEAL_SHRINK 0x0002
#endif
#ifndef F_SEAL_GROW
#define F_SEAL_GROW 0x0004
#endif

/* The worker holds the memfd: without these seals it could ftruncate the
 * region to 0 and the host's next access would die of SIGBUS. SEAL_SEAL
 * stops it adding seals of its own (F_SEAL_WRITE would break the host's
 * writes). Content stays writable; every record is validated anyway. */
#define NLW__SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
#define NLW__SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)

/* The header must fit in its page; fail the build otherwise. */
typedef char nlw__header_fits_in_page[sizeof(nlw_region_header) <= NLW_PAGE ? 1 : -1];
typedef char nlw__record_is_32_bytes[sizeof(nlw_record) == NLW_RECORD_HEADER_BYTES ? 1 : -1];

const char *nlw_strerror(int code) {
    switch (code) {
    case NLW_OK: return "success";
    case NLW_E_AGAIN: return "ring full or empty, try again";
    case NLW_E_TOO_BIG: return "record larger than half the ring";
    case NLW_E_CORRUPT: return "the other side wrote an impossible record or position";
    case NLW_E_SYSTEM: return "a system call failed";
    case NLW_E_INVALID: return "invalid argument or foreign region";
    case NLW_E_VERSION:
        return "the runtime speaks another wire version than this SDK library: "
               "use the libaws-greengrass-core-sdk-c.so installed with the runtime";
    default: return "unknown nlw error";
    }
}

static int nlw__ring_bytes_valid(uint32_t ring_bytes) {
    return ring_bytes >= NLW_MIN_RING_BYTES && ring_bytes <= NLW_MAX_RING_BYTES &&
           (ring_bytes & (ring_bytes - 1u)) == 0u;
}

/* memfd_create through syscall(2): older C libraries (glibc < 2.27, many
 * gateway images) lack the wrapper although the kernel has the call. */
static int nlw__memfd(const char *name) {
    long fd = syscall(SYS_memfd_create, name, (unsigned int)(MFD_CLOEXEC | MFD_ALLOW_SEALING));
    return (int)fd;
}

static void nlw__set_views(nlw_channel *ch, void *base, size_t map_bytes, uint32_t ring_bytes) {
    ch->hdr = (nlw_region_header *)base;
    ch->request_data = (unsigned char *)base + NLW_PAGE;
    ch->result_data = ch->request_data + ring_bytes;
    ch->map_bytes = map_bytes;
    ch->ring_bytes = ring_bytes;
}

int nlw_channel_create(nlw_channel *ch, uint32_t ring_bytes, int *out_fd) {
    size_t map_bytes;
    void *base;
    int fd;
    int saved;

    if (ch == NULL || out_fd == NULL || !nlw__ring_bytes_valid(ring_bytes)) return NLW_E_INVALID;
    memset(ch, 0, sizeof(*ch));
    map_bytes = (size_t)NLW_PAGE + 2u * (size_t)ring_bytes;

    fd = nlw__memfd("nanolambda-channel");
    if (fd < 0) return NLW_E_SYSTEM;
    if (ftruncate(fd, (off_t)map_bytes) != 0) goto fail;
    if (fcntl(fd, F_ADD_SEALS, NLW__SEALS) != 0) goto fail;
    base = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) goto fail;

    /* A fresh memfd reads as zeros: positions, flags and states start at 0. */
    nlw__set_views(ch, base, map_bytes, ring_bytes);
    ch->hdr->version = NLW_VERSION;
    ch->hdr->ring_bytes = ring_bytes;
    ch->hdr->header_bytes = NLW_PAGE;
    ch->hdr->worker_state = NLW_WORKER_STARTING;
    __atomic_store_n(&ch->hdr->magic, NLW_MAGIC, __ATOMIC_RELEASE);
    *out_fd = fd;
    return NLW_OK;

fail:
    saved = errno;
    close(fd);
    errno = saved;
    return NLW_E_SYSTEM;
}

int nlw_channel_attach(nlw_channel *ch, int fd) {
    struct stat st;
    nlw_region_header *hdr;
    uint32_t ring_bytes;
    size_t map_bytes;
    void *base;
    int seals;

    if (ch == NULL || fd < 0) return NLW_E_INVALID;
    memset(ch, 0, sizeof(*ch));
    if (fstat(fd, &st) != 0) return NLW_E_SYSTEM;
    if (!S_ISREG(st.st_mode) || st.st_size < (off_t)NLW_PAGE ||
        st.st_size > (off_t)NLW_PAGE + 2 * (off_t)NLW_MAX_RING_BYTES)
        return NLW_E_INVALID;
    /* Only a region whose size nobody can change is safe to map: an
     * unsealed file (not made by nlw_channel_create) is refused. */
    seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & NLW__SIZE_SEALS) != NLW__SIZE_SEALS) return NLW_E_INVALID;
    map_bytes = (size_t)st.st_size;

    base = mmap(NULL, map_bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (base == MAP_FAILED) return NLW_E_SYSTEM;
    hdr = (nlw_region_header *)base;

    /* Read ring_bytes once: every later bound uses this private copy, so a
     * header rewritten after attach cannot move our views. */
    ring_bytes = hdr->ring_bytes;
    if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) == NLW_MAGIC && hdr->version != NLW_VERSION) {
        /* Ours, but another release of the wire: say so, it is fixable. */
        munmap(base, map_bytes);
        return NLW_E_VERSION;
    }
    if (__atomic_load_n(&hdr->magic, __ATOMIC_ACQUIRE) != NLW_MAGIC ||
        hdr->header_bytes != NLW_PAGE || !nlw__ring_bytes_valid(ring_bytes) ||
        map_bytes != (size_t)NLW_PAGE + 2u * (size_t)ring_bytes) {
        munmap(base, map_bytes);
        return NLW_E_INVALID;
    }
    nlw__set_views(ch, base, map_bytes, ring_bytes);
    return NLW_OK;
}

void nlw_channel_detach(nlw_channel *ch) {
    if (ch == NULL || ch->hdr == NULL) return;
    munmap((void *)ch->hdr, ch->map_bytes);
    memset(ch, 0, sizeof(*ch));
}

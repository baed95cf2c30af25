/*
 * nlw_wait.c - blocking on a ring (futex), time, the spin-loop hint and the
 * adaptive spin budget.
 */
#define _GNU_SOURCE
#include "nlw_channel.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Non-private futex operations: the word lives in a MAP_SHARED mapping seen
 * by two processes, which the *_PRIVATE variants would not match. The word
 * is the consumer's waiting flag: the kernel sleeps only while it is still
 * 1, so a clear that comes first (even from a signal handler on this very
 * thread, after which SA_RESTART re-enters the wait) makes it return. */
int nlw_futex_wait_armed(nlw_ring_ctl *ctl, long timeout_ms) {
    struct timespec ts;
    struct timespec *tsp = NULL;
    long rc;

    if (timeout_ms >= 0) {
        ts.tv_sec = (time_t)(timeout_ms / 1000);
        ts.tv_nsec = (timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    rc = syscall(SYS_futex, (uint32_t *)&ctl->waiting, FUTEX_WAIT, 1u, tsp, NULL, 0);
    if (rc == 0) return NLW_OK;
    if (errno == EAGAIN) return NLW_OK; /* already cleared */
    if (errno == ETIMEDOUT || errno == EINTR) return NLW_E_AGAIN;
    return NLW_E_SYSTEM;
}

void nlw_futex_wake_armed(nlw_ring_ctl *ctl) {
    int saved = errno; /* callable from a signal handler */
    syscall(SYS_futex, (uint32_t *)&ctl->waiting, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
    errno = saved;
}

uint64_t nlw_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * (uint64_t)1000000000L + (uint64_t)ts.tv_nsec;
}

void nlw_cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__) || (defined(__arm__) && defined(__ARM_ARCH) && __ARM_ARCH >= 7)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Weight of a new observation in the average: 1/2^NLW__EWMA_SHIFT. */
#define NLW__EWMA_SHIFT 3
/* Observations are capped at this multiple of max_ns: one stall of seconds
 * must not keep spinning disabled for hundreds of fast invocations. */
#define NLW__OBSERVE_CAP 4u

void nlw_spin_budget_init(nlw_spin_budget *b, uint64_t min_ns, uint64_t max_ns) {
    b->min_ns = min_ns;
    b->max_ns = max_ns < min_ns ? min_ns : max_ns;
    b->avg_ns = 0u; /* nothing learned yet: spin the minimum */
}

uint64_t nlw_spin_budget_ns(const nlw_spin_budget *b) {
    uint64_t want;
    if (b->avg_ns > b->max_ns) return b->min_ns; /* the event is slow: do not burn CPU */
    want = 2u * b->avg_ns;
    if (want < b->min_ns) return b->min_ns;
    if (want > b->max_ns) return b->max_ns;
    return want;
}

void nlw_spin_budget_observe(nlw_spin_budget *b, uint64_t waited_ns) {
    uint64_t cap = NLW__OBSERVE_CAP * b->max_ns;
    if (waited_ns > cap) waited_ns = cap;
    if (waited_ns >= b->avg_ns)
        b->avg_ns += (waited_ns - b->avg_ns) >> NLW__EWMA_SHIFT;
    else
        b->avg_ns -= (b->avg_ns - waited_ns) >> NLW__EWMA_SHIFT;
}

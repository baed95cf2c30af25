/*
 * isolate.h - the isolation step of nanolambda-launcher, run after the
 * descriptor checks and before exec.
 */
#ifndef NLL_ISOLATE_H
#define NLL_ISOLATE_H

/* Applies the function's isolation to this process. Returns 0 on success;
 * on failure prints the reason to stderr and returns non-zero, and the
 * launcher exits with status 125 without running the function. */
int nll_isolate(const char *executable, char *const argv[]);

#endif /* NLL_ISOLATE_H */

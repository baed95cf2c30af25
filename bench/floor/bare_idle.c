/* The "bare executable" of the memory benchmark: linked against the SDK
 * like a function, initialised, but never a worker (no channel, no runtime
 * loop). What a worker's RSS adds beyond this is the cost of nanolambda. */
#include <unistd.h>
#include "greengrasssdk.h"

int main(void)
{
    gg_global_init(0);
    for (;;)
        pause();
}

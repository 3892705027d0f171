/* Shared by the workload-class guest programs (experiments/workload_classes.py):
 * a deterministic xorshift generator and argument parsing. Each program
 * prints one result line that the host checks against the same program
 * compiled for the host. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline uint64_t xorshift64(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static inline uint64_t arg(int argc, char **argv, int i, uint64_t fallback)
{
    return argc > i ? strtoull(argv[i], NULL, 0) : fallback;
}

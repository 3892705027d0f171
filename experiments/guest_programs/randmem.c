/* randmem MIB UPDATES: read-modify-write of UPDATES xorshift-chosen 64-bit
 * words of a MIB MiB array (a working set of thousands of pages, a TLB refill
 * every few accesses); prints a checksum of the array. */
#include "common.h"

int main(int argc, char **argv)
{
    uint64_t mib = arg(argc, argv, 1, 64), updates = arg(argc, argv, 2, 1 << 24), s = 88172645463325252ull;
    uint64_t words = mib << 17, mask = words - 1;  /* a power of two */
    uint64_t *a = malloc(words * sizeof *a);
    if (!a || (words & mask))
        return 1;
    for (uint64_t i = 0; i < words; i++)
        a[i] = i;
    for (uint64_t i = 0; i < updates; i++) {
        uint64_t r = xorshift64(&s);
        a[r & mask] = a[r & mask] * 6364136223846793005ull + (r >> 32);
    }
    uint64_t sum = 0;
    for (uint64_t i = 0; i < words; i++)
        sum = sum * 31 + a[i];
    printf("randmem %llu MiB %llu updates %016llx\n", (unsigned long long)mib, (unsigned long long)updates,
           (unsigned long long)sum);
    return 0;
}

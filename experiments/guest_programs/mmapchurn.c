/* mmapchurn ROUNDS KIB: ROUNDS times, mmap KIB KiB of anonymous memory, write
 * one word in each 4 KiB page (a page fault each), munmap; prints a sum. */
#include <sys/mman.h>
#include "common.h"

int main(int argc, char **argv)
{
    uint64_t rounds = arg(argc, argv, 1, 2000), kib = arg(argc, argv, 2, 1024), sum = 0;
    size_t len = kib << 10;
    for (uint64_t r = 0; r < rounds; r++) {
        volatile uint64_t *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED)
            return 1;
        for (size_t off = 0; off < len / 8; off += 512)
            p[off] = r + off;
        for (size_t off = 0; off < len / 8; off += 512)
            sum += p[off];
        if (munmap((void *)p, len))
            return 1;
    }
    printf("mmapchurn %llu rounds %llu KiB sum %llu\n", (unsigned long long)rounds, (unsigned long long)kib,
           (unsigned long long)sum);
    return 0;
}

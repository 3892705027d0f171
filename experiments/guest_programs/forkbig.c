/* forkbig MIB FORKS: a MIB MiB heap, every page touched, then FORKS times
 * fork + wait; each child writes to 64 of the pages (copy-on-write faults)
 * and exits with a byte of what it read. Prints the sum of exit codes. */
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    uint64_t mib = arg(argc, argv, 1, 64), forks = arg(argc, argv, 2, 100), sum = 0;
    size_t words = mib << 17;
    uint64_t *a = malloc(words * sizeof *a);
    if (!a)
        return 1;
    for (size_t i = 0; i < words; i += 512)
        a[i] = i;
    for (uint64_t f = 0; f < forks; f++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            uint64_t s = f + 1, x = 0;
            for (int k = 0; k < 64; k++) {
                size_t i = (xorshift64(&s) % (words / 512)) * 512;
                a[i] += k;
                x += a[i];
            }
            _exit((int)(x & 0x7f));
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
            return 1;
        sum += WEXITSTATUS(status);
    }
    printf("forkbig %llu MiB %llu forks sum %llu\n", (unsigned long long)mib, (unsigned long long)forks,
           (unsigned long long)sum);
    return 0;
}

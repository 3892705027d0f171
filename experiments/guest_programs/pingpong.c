/* pingpong ROUNDS: a parent and a child pass a counter back and forth over
 * two pipes ROUNDS times (two context switches per round); prints it. */
#include <sys/wait.h>
#include <unistd.h>
#include "common.h"

int main(int argc, char **argv)
{
    uint64_t rounds = arg(argc, argv, 1, 20000), v = 0;
    int down[2], up[2];
    if (pipe(down) || pipe(up))
        return 1;
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        uint64_t x;
        close(down[1]);
        close(up[0]);
        while (read(down[0], &x, sizeof x) == sizeof x) {
            x = x * 3 + 1;
            if (write(up[1], &x, sizeof x) != sizeof x)
                _exit(1);
        }
        _exit(0);
    }
    close(down[0]);
    close(up[1]);
    for (uint64_t r = 0; r < rounds; r++) {
        if (write(down[1], &v, sizeof v) != sizeof v || read(up[0], &v, sizeof v) != sizeof v)
            return 1;
        v &= 0xffffffffffull;
    }
    close(down[1]);
    int status;
    waitpid(pid, &status, 0);
    printf("pingpong %llu rounds %llu\n", (unsigned long long)rounds, (unsigned long long)v);
    return 0;
}

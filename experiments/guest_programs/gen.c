/* gen BYTES [SEED]: BYTES of pseudo-random but compressible text lines
 * (words from a small dictionary and numbers), the input of the compress,
 * integer, sort, disk classes. */
#include <string.h>
#include "common.h"

static const char *words[] = {
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliett", "kilo", "lima", "mike", "november", "oscar", "papa",
    "quebec", "romeo", "sierra", "tango", "uniform", "victor", "whiskey", "xray",
    "yankee", "zulu", "mips", "kernel", "page", "table", "vector", "cache",
};

int main(int argc, char **argv)
{
    uint64_t left = arg(argc, argv, 1, 1 << 20), s = arg(argc, argv, 2, 0x9e3779b97f4a7c15ull);
    static char buf[1 << 16];
    size_t n = 0;
    while (left > 0) {
        char line[160];
        uint64_t r = xorshift64(&s);
        int len = snprintf(line, sizeof line, "%s %s %s %llu %05x\n", words[r & 31], words[(r >> 5) & 31],
                           words[(r >> 10) & 31], (unsigned long long)((r >> 15) % 100000), (unsigned)(r >> 40) & 0xfffff);
        if ((uint64_t)len > left)
            len = (int)left;
        if (n + len > sizeof buf) {
            fwrite(buf, 1, n, stdout);
            n = 0;
        }
        memcpy(buf + n, line, len);
        n += len;
        left -= len;
    }
    fwrite(buf, 1, n, stdout);
    return 0;
}

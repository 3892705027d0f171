/* udptool: a tiny UDP echo server and client for the Linux guest's network
 * tests (busybox's nc has no UDP). Built static for the guest with
 * mips64el-linux-gnuabi64-gcc by experiments/nets.py and fetched by the
 * guest over HTTP.
 *
 *   udptool echo PORT             echo every datagram to its sender, forever
 *   udptool ping HOST PORT COUNT  send COUNT datagrams (sizes 1..1400, a
 *                                 pattern), check each echo; prints
 *                                 "udptool: N/COUNT echoed" and exits 0
 *                                 when all came back intact
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

static int usage(void) {
    fprintf(stderr, "usage: udptool echo PORT | udptool ping HOST PORT COUNT\n");
    return 2;
}

int main(int argc, char **argv) {
    static unsigned char buf[65536], want[2048];
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) return perror("socket"), 1;
    if (argc == 3 && strcmp(argv[1], "echo") == 0) {
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
        if (bind(s, (struct sockaddr *)&a, sizeof a)) return perror("bind"), 1;
        printf("udptool: echoing on port %s\n", argv[2]);
        fflush(stdout);
        for (;;) {
            struct sockaddr_in from;
            socklen_t len = sizeof from;
            ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
            if (n < 0) return perror("recvfrom"), 1;
            sendto(s, buf, n, 0, (struct sockaddr *)&from, len);
        }
    }
    if (argc != 5 || strcmp(argv[1], "ping") != 0) return usage();
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[3]))};
    if (inet_aton(argv[2], &to.sin_addr) == 0) return usage();
    if (connect(s, (struct sockaddr *)&to, sizeof to)) return perror("connect"), 1;
    struct timeval tv = {.tv_sec = 3};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int count = atoi(argv[4]), good = 0;
    for (int i = 0; i < count; i++) {
        size_t size = 1 + (size_t)i * 1399 / (count > 1 ? count - 1 : 1);
        for (size_t k = 0; k < size; k++) want[k] = (unsigned char)(i * 31 + k * 7);
        if (send(s, want, size, 0) != (ssize_t)size) {
            perror("send");
            continue;
        }
        ssize_t n = recv(s, buf, sizeof buf, 0);
        if (n == (ssize_t)size && memcmp(buf, want, size) == 0)
            good++;
        else
            printf("udptool: datagram %d (%zu bytes): got %zd bytes back\n", i, size, n);
    }
    printf("udptool: %d/%d echoed\n", good, count);
    return good == count ? 0 : 1;
}

/* Console output and exit through MIPS UHI semihosting (SDBBP 1). */
#ifndef GUEST_UHI_H
#define GUEST_UHI_H
#include "types.h"

#define UHI_EXIT 1
#define UHI_OPEN 2
#define UHI_CLOSE 3
#define UHI_READ 4
#define UHI_WRITE 5
#define UHI_ARGC 9
#define UHI_ARGNLEN 10
#define UHI_ARGN 11
#define UHI_PLOG 13

long uhi_call(long op, long a0, long a1, long a2);
long uhi_write(int fd, const void *buf, unsigned long len);
__attribute__((noreturn)) void uhi_exit(int code);

/* Buffered output on fd 1 (flushed at each newline and before exit). */
void put_char(char c);
void put_str(const char *s);
void put_flush(void);
/* printf subset: %s %c %d %i %u %x %X %p %%, flags '0' '-', width, 'l'/'ll'. */
void tprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif

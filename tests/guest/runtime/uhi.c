/*
 * UHI semihosting: operation number in $25, arguments in $4..$6, then
 * "sdbbp 1"; the result comes back in $2 (errno in $3).  All console output
 * goes to fd 1, line-buffered, so that one UHI call is made per line.
 */
#include <stdarg.h>
#include "uhi.h"

long uhi_call(long op, long a0, long a1, long a2)
{
	register long r_op __asm__("$25") = op;
	register long r_a0 __asm__("$4") = a0;
	register long r_a1 __asm__("$5") = a1;
	register long r_a2 __asm__("$6") = a2;
	register long r_v0 __asm__("$2");
	register long r_v1 __asm__("$3");
	__asm__ volatile("sdbbp 1"
			 : "=r"(r_v0), "=r"(r_v1), "+r"(r_a0)
			 : "r"(r_op), "r"(r_a1), "r"(r_a2)
			 : "memory");
	(void)r_v1;
	return r_v0;
}

long uhi_write(int fd, const void *buf, unsigned long len)
{
	return uhi_call(UHI_WRITE, fd, (long)buf, (long)len);
}

static char out_buf[256];
static unsigned out_len;

void put_flush(void)
{
	if (out_len) {
		uhi_write(1, out_buf, out_len);
		out_len = 0;
	}
}

void put_char(char c)
{
	out_buf[out_len++] = c;
	if (c == '\n' || out_len == sizeof(out_buf))
		put_flush();
}

void put_str(const char *s)
{
	while (*s)
		put_char(*s++);
}

void uhi_exit(int code)
{
	put_flush();
	for (;;)
		uhi_call(UHI_EXIT, code, 0, 0);
}

static void put_num(u64 v, unsigned base, int neg, int width, char pad,
		    int left, int upper)
{
	char tmp[24];
	int n = 0;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	if (!left)
		for (int i = n; i < width; i++)
			put_char(pad);
	while (n)
		put_char(tmp[--n]);
	if (left)
		for (int i = 0; i < width; i++)
			put_char(' ');
}

void tprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			put_char(*fmt);
			continue;
		}
		fmt++;
		int left = 0, width = 0, lng = 0;
		char pad = ' ';
		if (*fmt == '-') {
			left = 1;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			int len = 0;
			while (s[len])
				len++;
			if (!left)
				for (int i = len; i < width; i++)
					put_char(' ');
			put_str(s);
			if (left)
				for (int i = len; i < width; i++)
					put_char(' ');
			break;
		}
		case 'c':
			put_char((char)va_arg(ap, int));
			break;
		case 'd':
		case 'i': {
			s64 v = lng ? va_arg(ap, s64) : va_arg(ap, int);
			put_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad,
				left, 0);
			break;
		}
		case 'u':
			put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 10,
				0, width, pad, left, 0);
			break;
		case 'x':
		case 'X':
			put_num(lng ? va_arg(ap, u64) : va_arg(ap, unsigned), 16,
				0, width, pad, left, *fmt == 'X');
			break;
		case 'p':
			put_str("0x");
			put_num((u64)va_arg(ap, void *), 16, 0, 16, '0', 0, 0);
			break;
		case '%':
			put_char('%');
			break;
		default:
			put_char('?');
			break;
		}
	}
	va_end(ap);
}

/*
 * Compiled-code workload 1 (-O2): pseudo-random data, three sorting
 * algorithms that must agree, CRC-32 (IEEE 802.3, reflected) including the
 * standard check value, and 64/128-bit integer arithmetic (modular
 * exponentiation with a 128-bit product, signed/unsigned division, shifts).
 * Prints checksums; expected values were computed by running the same
 * algorithms on another machine.
 */
#include "check.h"

#define N 1500

static u64 rng_state = 0x9e3779b97f4a7c15ul;
static u64 xorshift64(void)
{
	u64 x = rng_state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static u32 a[N], b[N], c[N];

static void quicksort(u32 *v, long lo, long hi)
{
	while (lo < hi) {
		u32 p = v[(lo + hi) / 2];
		long i = lo, j = hi;
		while (i <= j) {
			while (v[i] < p)
				i++;
			while (v[j] > p)
				j--;
			if (i <= j) {
				u32 t = v[i];
				v[i++] = v[j];
				v[j--] = t;
			}
		}
		if (j - lo < hi - i) {
			quicksort(v, lo, j);
			lo = i;
		} else {
			quicksort(v, i, hi);
			hi = j;
		}
	}
}

static void sift(u32 *v, long start, long end)
{
	long root = start;
	while (2 * root + 1 <= end) {
		long child = 2 * root + 1;
		if (child + 1 <= end && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		u32 t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void heapsort(u32 *v, long n)
{
	for (long s = (n - 2) / 2; s >= 0; s--)
		sift(v, s, n - 1);
	for (long end = n - 1; end > 0; end--) {
		u32 t = v[0];
		v[0] = v[end];
		v[end] = t;
		sift(v, 0, end - 1);
	}
}

static void insertion_sort(u32 *v, long n)
{
	for (long i = 1; i < n; i++) {
		u32 x = v[i];
		long j = i - 1;
		while (j >= 0 && v[j] > x) {
			v[j + 1] = v[j];
			j--;
		}
		v[j + 1] = x;
	}
}

static u32 crc_table[256];
static void crc_init(void)
{
	for (u32 i = 0; i < 256; i++) {
		u32 c = i;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
}
static u32 crc32(const void *p, size_t n)
{
	const u8 *s = p;
	u32 c = 0xffffffffu;
	while (n--)
		c = crc_table[(c ^ *s++) & 0xff] ^ (c >> 8);
	return c ^ 0xffffffffu;
}

/* (x * y) mod m with a 128-bit product (DMULTU) and bitwise reduction */
static u64 mulmod(u64 x, u64 y, u64 m)
{
	unsigned __int128 p = (unsigned __int128)x * y;
	u64 hi = (u64)(p >> 64), lo = (u64)p;
	u64 r = hi % m;
	for (int i = 63; i >= 0; i--) {
		u64 carry = r >> 63;
		r = (r << 1) | (lo >> i & 1);
		if (carry || r >= m)
			r -= m;
	}
	return r;
}
static u64 powmod(u64 b, u64 e, u64 m)
{
	u64 r = 1;
	b %= m;
	while (e) {
		if (e & 1)
			r = mulmod(r, b, m);
		b = mulmod(b, b, m);
		e >>= 1;
	}
	return r;
}

void test_main(void)
{
	for (int i = 0; i < N; i++)
		a[i] = b[i] = c[i] = (u32)(xorshift64() >> 16);
	quicksort(a, 0, N - 1);
	heapsort(b, N);
	insertion_sort(c, N);
	int sorted = 1, same = 1;
	u64 weighted = 0;
	for (int i = 0; i < N; i++) {
		if (i && a[i - 1] > a[i])
			sorted = 0;
		if (a[i] != b[i] || a[i] != c[i])
			same = 0;
		weighted += (u64)a[i] * (u64)(i + 1);
	}
	CHECK_TRUE("quicksort output sorted", sorted);
	CHECK_TRUE("quicksort == heapsort == insertion sort", same);
	CHECK_EQ("sorted weighted sum", weighted, 0x000b9ee9b35d9871ul);

	crc_init();
	CHECK_EQ("crc32(\"123456789\")", crc32("123456789", 9), 0xcbf43926);
	CHECK_EQ("crc32(sorted data)", crc32(a, sizeof(a)), 0x03863218);

	/* 64-bit and 128-bit arithmetic */
	const u64 p = 0xffffffff00000001ul; /* prime */
	CHECK_EQ("3^(p-1) mod p (Fermat)", powmod(3, p - 1, p), 1);
	CHECK_EQ("7^12345678901 mod p", powmod(7, 12345678901ul, p),
		 0x5424c86e73d9fd3aul);
	u64 acc = 0;
	s64 sacc = 0;
	for (s64 i = 1; i < 2000; i++) {
		s64 x = (s64)xorshift64();
		sacc += x / (i * 7 - 6000) + x % (i + 3);
		acc ^= ((u64)x >> (i & 63)) + ((u64)x << (i % 61)) +
		       (u64)x / (u64)(i * 0x1234567);
	}
	CHECK_EQ("signed div/mod accumulator", (u64)sacc, 0xd38c931d2e8d82b7ul);
	CHECK_EQ("unsigned shift/div accumulator", acc, 0x6d7b5cae3fdb98bful);
}

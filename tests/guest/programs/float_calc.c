/*
 * Compiled-code workload 3 (-O2, hard float): Mandelbrot iteration counts,
 * a Simpson-rule integral, Newton square roots, float<->double<->integer
 * conversions and a small matrix product.  Uses only + - * / and
 * comparisons in round-to-nearest, so results are exactly determined by
 * IEEE 754 (MADD.fmt is not fused in Release 2, so contraction by the
 * compiler does not change results).  Expected values were computed on
 * another machine with floating-point contraction disabled.
 */
#include "check.h"

static u64 bits(double d)
{
	union { double d; u64 u; } x = {.d = d};
	return x.u;
}
static u32 fbits(float f)
{
	union { float f; u32 u; } x = {.f = f};
	return x.u;
}

static u64 mandelbrot(void)
{
	u64 sum = 0;
	for (int py = 0; py < 24; py++) {
		for (int px = 0; px < 64; px++) {
			double x0 = -2.2 + px * (3.0 / 64), y0 = -1.2 + py * (2.4 / 24);
			double x = 0, y = 0;
			int it = 0;
			while (it < 200 && x * x + y * y <= 4.0) {
				double t = x * x - y * y + x0;
				y = 2 * x * y + y0;
				x = t;
				it++;
			}
			sum = sum * 31 + (u64)it;
		}
	}
	return sum;
}

static double simpson(double a, double b, int n)
{
	double h = (b - a) / n, s = 0;
	for (int i = 0; i <= n; i++) {
		double x = a + i * h;
		double fx = 1.0 / (1.0 + x * x);
		s += (i == 0 || i == n) ? fx : (i & 1) ? 4 * fx : 2 * fx;
	}
	return s * h / 3;
}

static double newton_sqrt(double v)
{
	double x = v > 1 ? v : 1;
	for (int i = 0; i < 60; i++)
		x = 0.5 * (x + v / x);
	return x;
}

void test_main(void)
{
	CHECK_EQ("mandelbrot 64x24 checksum", mandelbrot(), 0x46d598a8fb5d024eul);
	CHECK_EQ("4*simpson(1/(1+x^2), 0..1, 1000) (~pi)",
		 bits(4 * simpson(0, 1, 1000)), 0x400921fb54442d14ul);
	/* Newton settles one ulp below the correctly rounded sqrt(2) */
	CHECK_EQ("newton sqrt(2)", bits(newton_sqrt(2)), 0x3ff6a09e667f3bccul);
	CHECK_EQ("newton sqrt(1e10)", bits(newton_sqrt(1e10)), 0x40f86a0000000000ul);

	/* conversions */
	volatile double d = 123456789.987654321;
	volatile float f = (float)d;
	CHECK_EQ("(float)123456789.98765", fbits(f), 0x4ceb79a3);
	CHECK_EQ("(double)(float)", bits((double)f), 0x419d6f3460000000ul);
	CHECK_EQ("(long)-1e18", (u64)(long)(-1e18 + d), 0xf21f494c5ff7cd00ul);
	CHECK_EQ("(int)(1e9/7)", (u64)(long)(int)(1e9 / 7), 142857142);
	volatile long big = 0x123456789abcdefl;
	CHECK_EQ("(double)0x123456789abcdef", bits((double)big), 0x43723456789abcdful);
	CHECK_EQ("(float)0x123456789abcdef", fbits((float)big), 0x5b91a2b4);
	volatile unsigned long ubig = 0xfedcba9876543210ul;
	CHECK_EQ("(double)0xfedcba9876543210u", bits((double)ubig), 0x43efdb97530eca86ul);
	CHECK_EQ("(unsigned long)1.5e19", (u64)(unsigned long)(1.5e19 + d * 0),
		 15000000000000000000ul);

	/* 4x4 single-precision matrix product, summed */
	float m[4][4], r[4][4];
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			m[i][j] = (float)(i + 1) / (float)(j + 3);
	float acc = 0;
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++) {
			float s = 0;
			for (int k = 0; k < 4; k++)
				s += m[i][k] * m[k][j];
			r[i][j] = s;
			acc += s;
		}
	CHECK_EQ("4x4 float matrix product sum", fbits(acc), 0x419f999a);
	CHECK_EQ("r[3][0]", fbits(r[3][0]), 0x40333334);
}

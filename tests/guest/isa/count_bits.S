/* Leading zero/one counts: CLZ CLO (32-bit, word inputs) and DCLZ DCLO. */
#include "test.inc"

	.macro	CNT op, val, want, name
	dli	$s0, \val
	\op	$s2, $s0
	CHECK	$s2, \want, "\name"
	.endm

TEST_BEGIN
	CNT	clz, 0, 32, "clz 0"
	CNT	clz, 1, 31, "clz 1"
	CNT	clz, 0xffffffff80000000, 0, "clz 0x80000000"
	CNT	clz, 0x8000, 16, "clz 0x8000"
	CNT	clz, 0x7fffffff, 1, "clz 0x7fffffff"
	CNT	clo, 0xffffffffffffffff, 32, "clo 0xffffffff"
	CNT	clo, 0xfffffffff0000000, 4, "clo 0xf0000000"
	CNT	clo, 0, 0, "clo 0"
	CNT	clo, 0x7fffffff, 0, "clo 0x7fffffff"
	CNT	clo, 0xfffffffffffffffe, 31, "clo 0xfffffffe"
	CNT	dclz, 0, 64, "dclz 0"
	CNT	dclz, 1, 63, "dclz 1"
	CNT	dclz, 0xffffffff, 32, "dclz 0xffffffff"
	CNT	dclz, 0x8000000000000000, 0, "dclz 2^63"
	CNT	dclz, 0x0000800000000000, 16, "dclz 2^47"
	CNT	dclo, 0xffffffffffffffff, 64, "dclo -1"
	CNT	dclo, 0xff00000000000000, 8, "dclo 0xff00..."
	CNT	dclo, 0xfffffffeffffffff, 31, "dclo 0xfffffffeffffffff"
	CNT	dclo, 0x7fffffffffffffff, 0, "dclo INT64_MAX"
TEST_END

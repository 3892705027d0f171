/*
 * Byte/halfword rearrangement and sign extension: WSBH DSBH DSHD SEB SEH.
 * WSBH is a 32-bit operation (sign-extended result).
 */
#include "test.inc"

TEST_BEGIN
	LIW	$s0, 0x11223344
	wsbh	$s2, $s0
	CHECK	$s2, 0x22114433, "wsbh"
	LIW	$s0, 0x80ff0011
	wsbh	$s2, $s0
	CHECK	$s2, 0xffffffffff801100, "wsbh negative result"
	LIW	$s0, 0x00800000
	wsbh	$s2, $s0
	CHECK	$s2, 0xffffffff80000000, "wsbh sets bit 31"
	LIW	$s0, 0x80000000
	wsbh	$s2, $s0
	CHECK	$s2, 0x00800000, "wsbh clears bit 31"

	dli	$s0, 0x0011223344556677
	dsbh	$s2, $s0
	CHECK	$s2, 0x1100332255447766, "dsbh"
	dshd	$s2, $s0
	CHECK	$s2, 0x6677445522330011, "dshd"
	dsbh	$s2, $s0
	dshd	$s2, $s2
	CHECK	$s2, 0x7766554433221100, "dsbh+dshd byte reverse"
	LIW	$s0, 0x11223344
	wsbh	$s2, $s0
	rotr	$s2, $s2, 16
	CHECK	$s2, 0x44332211, "wsbh+rotr word byte reverse"

	li	$s0, 0x80
	seb	$s2, $s0
	CHECK	$s2, 0xffffffffffffff80, "seb 0x80"
	li	$s0, 0x17f
	seb	$s2, $s0
	CHECK	$s2, 0x7f, "seb 0x17f"
	li	$s0, 0x8000
	seh	$s2, $s0
	CHECK	$s2, 0xffffffffffff8000, "seh 0x8000"
	LIW	$s0, 0x12347fff
	seh	$s2, $s0
	CHECK	$s2, 0x7fff, "seh 0x12347fff"
	LIW	$s0, 0xffffff00
	seb	$s2, $s0
	CHECK	$s2, 0, "seb 0xffffff00"
TEST_END

/* Architectural constants shared by C and assembly guest code (MIPS64 R2). */
#ifndef GUEST_MIPS_H
#define GUEST_MIPS_H

/* CP0 Status */
#define ST_CU1 (1 << 29)
#define ST_CU0 (1 << 28)
#define ST_FR (1 << 26)
#define ST_BEV (1 << 22)
#define ST_IM(n) (1 << (8 + (n)))
#define ST_KX (1 << 7)
#define ST_SX (1 << 6)
#define ST_UX (1 << 5)
#define ST_KSU_MASK (3 << 3)
#define ST_KSU_USER (2 << 3)
#define ST_ERL (1 << 2)
#define ST_EXL (1 << 1)
#define ST_IE 1

/*
 * Status used by every test: FPU usable with 64-bit FPRs, 64-bit addressing
 * in all segments, BEV=ERL=EXL=IE=0, kernel mode, all interrupts masked.
 * CU0 stays clear so that CP0 instructions are privileged in user mode.
 */
#define ST_DEFAULT (ST_CU1 | ST_FR | ST_KX | ST_SX | ST_UX)

/* CP0 Cause */
#define CA_BD (1 << 31)
#define CA_TI (1 << 30)
#define CA_CE_SHIFT 28
#define CA_IV (1 << 23)
#define CA_IP(n) (1 << (8 + (n)))
#define CA_EXC_SHIFT 2

/* Cause.ExcCode values */
#define EXC_INT 0
#define EXC_MOD 1
#define EXC_TLBL 2
#define EXC_TLBS 3
#define EXC_ADEL 4
#define EXC_ADES 5
#define EXC_SYS 8
#define EXC_BP 9
#define EXC_RI 10
#define EXC_CPU 11
#define EXC_OV 12
#define EXC_TR 13
#define EXC_FPE 15

/* Vector offsets from EBase (recorded as the "vector" of an exception). */
#define VEC_TLB 0x000
#define VEC_XTLB 0x080
#define VEC_CACHE 0x100
#define VEC_GENERAL 0x180
#define VEC_INT 0x200

#define EBASE_ADDR 0xffffffff80000000

/* User-mode window, see link.ld and usermode.c */
#define USER_BASE 0x00400000

/* EntryLo fields */
#define ENTRYLO_G 1
#define ENTRYLO_V 2
#define ENTRYLO_D 4
#define ENTRYLO_C(c) ((c) << 3)

/* FCSR fields */
#define FCSR_RN 0
#define FCSR_RZ 1
#define FCSR_RP 2
#define FCSR_RM 3
#define FP_I 0x01 /* inexact */
#define FP_U 0x02 /* underflow */
#define FP_O 0x04 /* overflow */
#define FP_Z 0x08 /* divide by zero */
#define FP_V 0x10 /* invalid */
#define FP_E 0x20 /* unimplemented (cause only) */
#define FCSR_FLAGS(x) ((x) << 2)
#define FCSR_ENABLES(x) ((x) << 7)
#define FCSR_CAUSE(x) ((x) << 12)
#define FCSR_FCC0 (1 << 23)
#define FCSR_FS (1 << 24)

#endif

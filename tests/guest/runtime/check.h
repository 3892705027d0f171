/*
 * Self-check helpers.  Every check prints one deterministic line:
 *   "<name> = 0x<16 hex digits>"      value check passed (value shown)
 *   "<name>: ok"                       predicate check passed
 *   "FAIL <name>: got ... want ..."    failure (counted)
 * test_finish() prints "<N> checks passed" or "FAIL: <F> of <N> checks
 * failed" and exits with 0 / 1.  Only architecturally defined values may be
 * printed: use CHECK_TRUE for anything implementation dependent.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H
#include "types.h"
#include "uhi.h"
#include "exc.h"

void chk_eq(const char *name, u64 got, u64 want);
void chk_true(const char *name, int ok);
/* Like chk_eq but prints the value only on failure (for values that may
 * legitimately differ between implementations). */
void chk_eq_quiet(const char *name, u64 got, u64 want);
__attribute__((noreturn)) void test_finish(void);

#define CHECK_EQ(name, got, want) chk_eq((name), (u64)(got), (u64)(want))
#define CHECK_TRUE(name, cond) chk_true((name), !!(cond))

/*
 * Known QEMU deviations from the MIPS64 manual (see QEMU_DIFFERENCES.md).
 * The QEMU reference runs get the UHI argument "--qemu-reference";
 * qemu_reference() reports whether it is present.  chk_deviation() passes
 * when the manual's behaviour was observed, or - under the QEMU reference
 * only - when QEMU's documented behaviour was observed.  It prints the same
 * line in both cases so that the differential comparison is unaffected.
 */
int qemu_reference(void);
void chk_deviation(const char *name, int manual_ok, int qemu_ok);

/* Used by the assembly macros in test.inc. */
extern u64 chk_got, chk_want;
void chk_imm(const char *name, u64 want);
void chk_mem(const char *name);
void chk_imm_quiet(const char *name, u64 want);
void chk_mem_quiet(const char *name);
#endif
